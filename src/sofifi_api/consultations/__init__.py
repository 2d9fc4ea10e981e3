"""Consultations: community planning meetings (musyawarah) on an infrastructure project."""
