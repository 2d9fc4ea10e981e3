"""enrollments."""
