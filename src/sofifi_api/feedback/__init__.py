"""Feedback: ratings and comments about a program or an infrastructure project."""
