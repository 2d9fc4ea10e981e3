"""The change feed: every create, update and delete, in an order followers can resume."""
