"""A patient's reminder preferences: read with defaults, saved with validation done by the form."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

from clinic.audit.services import record
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import DEFAULT_AM_MINUTE, DEFAULT_PM_MINUTE, ReminderPreference


class PreferenceError(ValueError):
    pass


@dataclass
class Preferences:
    am_minute: int
    pm_minute: int
    timezone: str
    quiet_start: int | None = None
    quiet_end: int | None = None
    email_enabled: bool = True
    opted_out: bool = False


def get_preferences(patient: Patient) -> Preferences:
    row = db.session.get(ReminderPreference, patient.id)
    if row is None:
        return Preferences(DEFAULT_AM_MINUTE, DEFAULT_PM_MINUTE, patient.timezone)
    return Preferences(
        row.am_minute,
        row.pm_minute,
        patient.timezone,
        row.quiet_start,
        row.quiet_end,
        row.email_enabled,
        row.opted_out,
    )


def validate(prefs: Preferences) -> None:
    for name in ("am_minute", "pm_minute"):
        if not 0 <= getattr(prefs, name) <= 1439:
            raise PreferenceError("A time of day runs from 00:00 to 23:59.")
    if prefs.timezone not in available_timezones():
        raise PreferenceError("Unknown time zone.")
    if (prefs.quiet_start is None) != (prefs.quiet_end is None):
        raise PreferenceError("Give both the start and the end of quiet hours, or neither.")
    if prefs.quiet_start is not None and prefs.quiet_start == prefs.quiet_end:
        raise PreferenceError("Quiet hours cannot cover the whole day.")


def save_preferences(patient: Patient, prefs: Preferences, user=None) -> ReminderPreference:
    """Store the preferences (the time zone lives on the patient: routine days follow it too)."""
    validate(prefs)
    row = db.session.get(ReminderPreference, patient.id) or ReminderPreference(patient_id=patient.id)
    row.am_minute, row.pm_minute = prefs.am_minute, prefs.pm_minute
    row.quiet_start, row.quiet_end = prefs.quiet_start, prefs.quiet_end
    row.email_enabled, row.opted_out = prefs.email_enabled, prefs.opted_out
    db.session.add(row)
    if patient.timezone != prefs.timezone:
        patient.timezone = prefs.timezone
    db.session.flush()
    record(
        "reminders.preferences_save",
        patient_id=patient.id,
        object_type="reminder_preference",
        object_id=patient.id,
        user=user,
    )
    return row


def opt_out(patient_id: int) -> None:
    """Stop routine reminders (the unsubscribe link); idempotent."""
    row = db.session.get(ReminderPreference, patient_id) or ReminderPreference(patient_id=patient_id)
    row.opted_out = True
    db.session.add(row)
    db.session.flush()
    record(
        "reminders.unsubscribe",
        patient_id=patient_id,
        object_type="reminder_preference",
        object_id=patient_id,
    )
