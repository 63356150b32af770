"""Plugs the signal check into the reminders dispatcher's schedule (`flask reminders dispatch` runs every
planner each minute; the check is idempotent, so a re-run raises nothing twice)."""

from __future__ import annotations

from clinic.reminders.kinds import register_planner
from clinic.safety.signals import check_all

register_planner("safety_signals", check_all)
