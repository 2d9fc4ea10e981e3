"""Surveys: versioned forms whose answers feedback carries."""
