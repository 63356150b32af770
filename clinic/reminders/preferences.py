"""A patient's reminder preferences: one row per channel (times, quiet hours, permission) and opt-ins per topic.

Read at planning time (in SQL, see planner.wanted_sql) and again at send time (`wants`), so a switch turned
off stops messages already queued and one turned on is picked up by the next planning run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import available_timezones

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from clinic.audit.services import record
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.batch import memoized, remember
from clinic.reminders.kinds import TOPICS, topics
from clinic.reminders.models import (
    CHANNELS,
    DEFAULT_AM_MINUTE,
    DEFAULT_PM_MINUTE,
    ReminderOptIn,
    ReminderPreference,
)

#: Whether a channel may be used when the patient has no row for it.
CHANNEL_DEFAULT = {"email": True, "sms": False}


class PreferenceError(ValueError):
    pass


@dataclass
class Preferences:
    am_minute: int
    pm_minute: int
    timezone: str
    quiet_start: int | None = None
    quiet_end: int | None = None
    #: channel → may we use it at all (SMS: the patient's consent)
    channels: dict[str, bool] = field(default_factory=lambda: dict(CHANNEL_DEFAULT))
    sms_number: str | None = None
    #: channel → topic → wanted
    wanted: dict[str, dict[str, bool]] = field(default_factory=dict)

    def wants(self, channel: str, topic: str) -> bool:
        default = TOPICS[topic].default(channel) if topic in TOPICS else False
        return self.wanted.get(channel, {}).get(topic, default)


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164 form of a mobile number typed by a person ("(201) 555-0123" → "+12015550123"), or PreferenceError."""
    region = region or current_app.config.get("CLINIC_PHONE_REGION", "US")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise PreferenceError(gettext("That is not a phone number.")) from error
    if not phonenumbers.is_valid_number(number):
        raise PreferenceError(gettext("That phone number is not valid; include the country code if it is abroad."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _rows(patient_id: int) -> dict[str, ReminderPreference]:
    rows = db.session.scalars(sa.select(ReminderPreference).where(ReminderPreference.patient_id == patient_id))
    return {row.channel: row for row in rows}


def get_preferences(patient: Patient) -> Preferences:
    rows = _rows(patient.id)
    timing = rows.get("email") or rows.get("sms")
    prefs = Preferences(DEFAULT_AM_MINUTE, DEFAULT_PM_MINUTE, patient.timezone)
    if timing is not None:
        prefs.am_minute, prefs.pm_minute = timing.am_minute, timing.pm_minute
        prefs.quiet_start, prefs.quiet_end = timing.quiet_start, timing.quiet_end
    for channel, row in rows.items():
        prefs.channels[channel] = row.enabled
    prefs.sms_number = rows["sms"].address if "sms" in rows else None
    opt_ins = db.session.scalars(sa.select(ReminderOptIn).where(ReminderOptIn.patient_id == patient.id))
    for opt in opt_ins:
        prefs.wanted.setdefault(opt.channel, {})[opt.topic] = opt.wanted
    return prefs


def wants(patient_id: int, channel: str, topic: str) -> str | None:
    """None if the patient wants `topic` by `channel` now, else the reason not to send (read at send time;
    in a send batch, read once for the whole batch just after it is claimed: `remember_choices`)."""
    return memoized(("reminder_choice", patient_id, channel, topic), lambda: _read_choice(patient_id, channel, topic))


def _read_choice(patient_id: int, channel: str, topic: str) -> str | None:
    row = db.session.get(ReminderPreference, (patient_id, channel), populate_existing=True)
    opt = db.session.get(ReminderOptIn, (patient_id, channel, topic), populate_existing=True)
    return _reason(channel, topic, row.enabled if row else None, opt.wanted if opt else None)


def _reason(channel: str, topic: str, enabled: bool | None, wanted: bool | None) -> str | None:
    if not (CHANNEL_DEFAULT[channel] if enabled is None else enabled):
        return f"patient turned {channel} off"
    if wanted is None:
        wanted = TOPICS[topic].default(channel) if topic in TOPICS else False
    return None if wanted else "patient opted out"


def remember_choices(wanted: set[tuple[int, str, str]]) -> None:
    """The channel switches and topic opt-ins of a claimed batch's (patient, channel, topic) triples, in two
    queries instead of two per message. Read after the claim, so a choice changed any time before the batch
    starts sending is respected."""
    patient_ids = {patient_id for patient_id, _, _ in wanted}
    if not patient_ids:
        return
    enabled = dict(
        ((patient_id, channel), on)
        for patient_id, channel, on in db.session.execute(
            sa.select(ReminderPreference.patient_id, ReminderPreference.channel, ReminderPreference.enabled).where(
                ReminderPreference.patient_id.in_(patient_ids)
            )
        ).tuples()
    )
    opted = dict(
        ((patient_id, channel, topic), on)
        for patient_id, channel, topic, on in db.session.execute(
            sa.select(ReminderOptIn.patient_id, ReminderOptIn.channel, ReminderOptIn.topic, ReminderOptIn.wanted).where(
                ReminderOptIn.patient_id.in_(patient_ids)
            )
        ).tuples()
    )
    for patient_id, channel, topic in wanted:
        reason = _reason(channel, topic, enabled.get((patient_id, channel)), opted.get((patient_id, channel, topic)))
        remember(("reminder_choice", patient_id, channel, topic), reason)


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
    if prefs.channels.get("sms") and not prefs.sms_number:
        raise PreferenceError("Give a mobile number to get reminders by text message.")


def _channel_row(patient_id: int, channel: str) -> ReminderPreference:
    row = db.session.get(ReminderPreference, (patient_id, channel))
    if row is None:
        row = ReminderPreference(
            patient_id=patient_id,
            channel=channel,
            enabled=CHANNEL_DEFAULT[channel],
            am_minute=DEFAULT_AM_MINUTE,
            pm_minute=DEFAULT_PM_MINUTE,
        )
        db.session.add(row)
    return row


def set_wanted(patient_id: int, channel: str, topic: str, wanted: bool) -> None:
    opt = db.session.get(ReminderOptIn, (patient_id, channel, topic))
    if opt is None:
        db.session.add(ReminderOptIn(patient_id=patient_id, channel=channel, topic=topic, wanted=wanted))
    else:
        opt.wanted = wanted


def _set_channel(row: ReminderPreference, enabled: bool, source: str, user) -> None:
    if row.enabled != enabled or row.consent_source is None:
        row.enabled = enabled
        row.consent_source, row.consent_at = source, now_utc()
        row.consent_by_id = getattr(user, "id", None)


def save_preferences(patient: Patient, prefs: Preferences, user=None, source: str = "portal") -> None:
    """Store times (the same for every channel), channel permissions, the SMS number and every topic switch.

    The time zone lives on the patient: routine days follow it too.
    """
    validate(prefs)
    for channel in CHANNELS:
        row = _channel_row(patient.id, channel)
        row.am_minute, row.pm_minute = prefs.am_minute, prefs.pm_minute
        row.quiet_start, row.quiet_end = prefs.quiet_start, prefs.quiet_end
        _set_channel(row, prefs.channels.get(channel, CHANNEL_DEFAULT[channel]), source, user)
        if channel == "sms":
            row.address = prefs.sms_number
        for topic in topics():
            set_wanted(patient.id, channel, topic.name, prefs.wants(channel, topic.name))
    if patient.timezone != prefs.timezone:
        patient.timezone = prefs.timezone
    db.session.flush()
    record(
        "reminders.preferences_save",
        patient_id=patient.id,
        object_type="reminder_preference",
        object_id=patient.id,
        user=user,
        detail=f"source={source}",
    )


def opt_out(patient_id: int, topic: str, channel: str = "email") -> None:
    """Stop one topic on one channel (the unsubscribe link of an e-mail of that topic); idempotent."""
    set_wanted(patient_id, channel, topic, False)
    db.session.flush()
    record(
        "reminders.unsubscribe",
        patient_id=patient_id,
        object_type="reminder_preference",
        object_id=patient_id,
        detail=f"{channel}:{topic}",
    )


def sms_number(patient_id: int) -> str | None:
    row = db.session.get(ReminderPreference, (patient_id, "sms"))
    return row.address if row is not None else None


def patients_with_number(number: str) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(ReminderPreference.patient_id).where(
                ReminderPreference.channel == "sms", ReminderPreference.address == number
            )
        )
    )


def sms_keyword(number: str, keyword: str) -> int:
    """An inbound STOP (or START) from `number`: turn SMS off (on) for every patient with that number."""
    enabled = keyword == "start"
    changed = 0
    for patient_id in patients_with_number(number):
        row = _channel_row(patient_id, "sms")
        _set_channel(row, enabled, "sms", None)
        changed += 1
        record(
            "reminders.sms_keyword",
            patient_id=patient_id,
            object_type="reminder_preference",
            object_id=patient_id,
            detail=keyword,
            clinic_id=db.session.get(Patient, patient_id).clinic_id,
        )
    db.session.flush()
    return changed
