"""Participants: persons and groups (such as a women's bamboo-weaving group) in programs."""
