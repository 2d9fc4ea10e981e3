"""The audit trail: every write and every read of personal data, and which client made it."""
