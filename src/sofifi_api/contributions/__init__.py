"""contributions."""
