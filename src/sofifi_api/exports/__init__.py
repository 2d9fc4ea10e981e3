"""Streaming exports of whole collections: CSV, NDJSON, and GeoJSON and OC4IDS for projects."""
