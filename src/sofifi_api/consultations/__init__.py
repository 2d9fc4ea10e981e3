"""consultations."""
