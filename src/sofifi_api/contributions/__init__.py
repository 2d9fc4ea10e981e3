"""Contributions: community self-help (swadaya) given to an infrastructure project."""
