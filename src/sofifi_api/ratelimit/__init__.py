"""Per-client request quotas: fixed one-minute windows counted in Redis or in process."""
