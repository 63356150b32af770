"""Scheduling: providers, rooms, availability, appointments, series, follow-ups and calendar feeds."""
