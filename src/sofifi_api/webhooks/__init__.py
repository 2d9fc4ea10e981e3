"""Webhook delivery: signed events sent to partners' endpoints, retried on a schedule."""
