"""Sofifi API: partner integrations for community assistance work in Sofifi."""

__version__ = "0.1.0"
