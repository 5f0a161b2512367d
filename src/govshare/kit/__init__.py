"""Shared building blocks with no domain knowledge: errors, actors, pagination, time."""
