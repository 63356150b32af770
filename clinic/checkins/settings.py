"""The clinic's check-in settings (red-flag pain, answer window): its row, or DOMAIN.md's defaults while it has
none. They live here, below `safety`, because the check-ins read them; the Safety settings page edits them."""

from __future__ import annotations

from clinic.audit.services import record
from clinic.checkins.models import (
    DEFAULT_OPEN_DAYS,
    DEFAULT_RED_FLAG_PAIN,
    OPEN_DAYS_RANGE,
    RED_FLAG_PAIN_RANGE,
    CheckinSettings,
)
from clinic.extensions import db
from clinic.validation import Invalid


def checkin_settings(clinic_id: int, *, for_update: bool = False) -> CheckinSettings:
    """The clinic's settings. Without a row, the defaults: a new row only `for_update` (the settings page), so
    reading a check-in never writes."""
    settings = db.session.get(CheckinSettings, clinic_id)
    if settings is None:
        settings = CheckinSettings(
            clinic_id=clinic_id, red_flag_pain=DEFAULT_RED_FLAG_PAIN, open_days=DEFAULT_OPEN_DAYS
        )
        if for_update:
            db.session.add(settings)
    return settings


def save_checkin_settings(clinic_id: int, *, red_flag_pain: int, open_days: int, by) -> CheckinSettings:
    """Change the clinic's settings, audited with the old and new values (`checkin.settings`); Invalid
    (keyed by column name) outside the ranges."""
    problems = {}
    if not RED_FLAG_PAIN_RANGE[0] <= red_flag_pain <= RED_FLAG_PAIN_RANGE[1]:
        problems["red_flag_pain"] = "From {} to {}.".format(*RED_FLAG_PAIN_RANGE)
    if not OPEN_DAYS_RANGE[0] <= open_days <= OPEN_DAYS_RANGE[1]:
        problems["open_days"] = "From {} to {} days.".format(*OPEN_DAYS_RANGE)
    if problems:
        raise Invalid(problems)
    settings = checkin_settings(clinic_id, for_update=True)
    before = (settings.red_flag_pain, settings.open_days)
    settings.red_flag_pain, settings.open_days = red_flag_pain, open_days
    record(
        "checkin.settings",
        object_type="checkin_settings",
        object_id=clinic_id,
        user=by,
        detail=f"red-flag pain {before[0]} -> {red_flag_pain}, open {before[1]} -> {open_days} days",
    )
    return settings
