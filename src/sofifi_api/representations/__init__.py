"""Representations read straight from SQL rows into the bytes sent: one statement per page or
item, and one JSON encoder."""
