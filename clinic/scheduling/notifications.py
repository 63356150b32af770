"""Appointment messages, queued in the reminders outbox (the dispatcher sends them).

Keys are stable, so planning twice queues once. Reminder keys carry the start time, so a moved
appointment's old reminders are cancelled and new ones queued under new keys:

| kind                       | dedupe_key                                      | to       |
| appointment_confirmation   | appt:{id}:booked                                | patient  |
| appointment_rescheduled    | appt:{id}:rescheduled:{n}                       | patient  |
| appointment_cancelled      | appt:{id}:cancelled                             | patient  |
| appointment_reminder       | appt:{id}:remind:{24h|2h}:{start YYYYmmddTHHMMZ}[:sms] | patient (opted in per channel) |
| aftercare_checkin          | aftercare:{patient}:{local day}:day{1|3|7} (clinic/reminders/checkins.py) | patient |
| appointment_staff_notice   | appt:{id}:staff:{event}:{n}                     | provider |
| waitlist_match             | waitlist:{entry id}:slot:{start YYYYmmddTHHMMZ}  | patient  |

Payloads carry no medical details: no procedure, no notes, no cancellation reason.

This module also plugs scheduling into `clinic.reminders`: the "appointment" topic (opt-in per channel),
the kinds above, and a planner that queues reminders for appointments already booked when a patient opts in
later (the booking itself queues them for patients already opted in). Whether the patient still wants a
reminder is read again at send time, so opting out stops reminders already queued. The waitlist offer
carries a one-click booking link (`offer_tokens`, built from CLINIC_BASE_URL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.i18n import N_
from clinic.patients.models import Patient
from clinic.reminders import outbox
from clinic.reminders.checkins import enqueue_checkins
from clinic.reminders.kinds import (
    Kind,
    Topic,
    patient_payload_as_p,
    payload_as_p,
    register_kind,
    register_planner,
    register_topic,
)
from clinic.reminders.models import CHANNELS, OutboxMessage
from clinic.reminders.planner import CATCH_UP_MINUTES, audience
from clinic.reminders.preferences import sms_number, wants
from clinic.scheduling.models import Appointment, WaitlistEntry
from clinic.scheduling.offer_tokens import OFFER_VALID_HOURS, offer_link

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}
TOPIC = "appointment"
#: How far ahead the planner looks for reminders not queued yet (the booking queues the rest).
PLAN_AHEAD = timedelta(days=2)


def _payload(appointment: Appointment, clinic: Clinic, zone_name: str) -> dict:
    local = appointment.starts_at.astimezone(ZoneInfo(zone_name))
    return {
        "appointment_id": appointment.id,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "clinic_address": clinic.address,
        "patient_first_name": appointment.patient.first_name,
        "provider_name": appointment.provider.full_name,
        "starts_at": appointment.starts_at.isoformat(),
        "local_time": local.strftime("%A %d %B %Y, %H:%M ") + (local.tzname() or ""),
        "timezone": zone_name,
    }


def _to_patient(appointment: Appointment, clinic: Clinic, kind: str, key: str, due_at: datetime, **extra) -> bool:
    patient = appointment.patient
    if not patient.email:
        return False
    payload = {**_payload(appointment, clinic, patient.timezone), **extra}
    return outbox.enqueue(
        clinic_id=clinic.id,
        kind=kind,
        dedupe_key=key,
        recipient=patient.email,
        due_at=due_at,
        payload=payload,
        patient_id=patient.id,
    )


def waitlist_key(entry: WaitlistEntry) -> str:
    """Stable per entry and freed slot: the same slot offered twice is e-mailed once."""
    return f"waitlist:{entry.id}:slot:{entry.match_starts_at.astimezone(UTC):%Y%m%dT%H%MZ}"


def waitlist_matched(entry: WaitlistEntry, now: datetime) -> bool:
    """Tell a waiting patient that a time opened up: first name, clinic, local time; no treatment named."""
    patient, clinic = entry.patient, db.session.get(Clinic, entry.clinic_id)
    if not patient.email:
        return False
    local = entry.match_starts_at.astimezone(ZoneInfo(patient.timezone))
    return outbox.enqueue(
        clinic_id=clinic.id,
        kind="waitlist_match",
        dedupe_key=waitlist_key(entry),
        recipient=patient.email,
        due_at=now,
        payload={
            "waitlist_entry_id": entry.id,
            "patient_first_name": patient.first_name,
            "clinic_name": clinic.name,
            "clinic_phone": clinic.phone,
            "starts_at": entry.match_starts_at.isoformat(),
            "local_time": local.strftime("%A %d %B %Y, %H:%M ") + (local.tzname() or ""),
            "timezone": patient.timezone,
            "book_url": offer_link(entry),
            "valid_hours": OFFER_VALID_HOURS,
        },
        patient_id=patient.id,
    )


def _stamp(appointment: Appointment) -> str:
    return appointment.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def _recipient(patient, channel: str) -> str | None:
    return patient.email if channel == "email" else sms_number(patient.id)


def queue_reminders(appointment: Appointment, clinic: Clinic, now: datetime, not_before: datetime | None = None) -> int:
    """24 h and 2 h before on each channel the patient wants them by, if that moment is still ahead."""
    patient, added = appointment.patient, 0
    for channel in CHANNELS:
        recipient = _recipient(patient, channel)
        if recipient is None or wants(patient.id, channel, TOPIC) is not None:
            continue
        payload = _payload(appointment, clinic, patient.timezone)
        for label, offset in REMINDER_OFFSETS.items():
            due = appointment.starts_at - offset
            if due > (not_before or now):
                key = f"appt:{appointment.id}:remind:{label}:{_stamp(appointment)}"
                added += outbox.enqueue(
                    clinic_id=clinic.id,
                    kind="appointment_reminder",
                    dedupe_key=key if channel == "email" else f"{key}:{channel}",
                    recipient=recipient,
                    due_at=due,
                    payload={**payload, "hours_before": label},
                    patient_id=patient.id,
                    channel=channel,
                )
    return added


def cancel_reminders(appointment: Appointment) -> int:
    return outbox.cancel(f"appt:{appointment.id}:remind:")


def notify_staff(appointment: Appointment, clinic: Clinic, event: str, now: datetime) -> None:
    """Tell the provider that the patient changed the appointment online."""
    provider = appointment.provider
    payload = {
        **_payload(appointment, clinic, clinic.timezone),
        "event": event,
        "patient_name": appointment.patient.full_name,
    }
    outbox.enqueue(
        clinic_id=clinic.id,
        kind="appointment_staff_notice",
        recipient=provider.email,
        due_at=now,
        dedupe_key=f"appt:{appointment.id}:staff:{event}:{appointment.reschedule_count}",
        payload=payload,
        user_id=provider.id,
        patient_id=appointment.patient_id,
    )


def appointment_booked(appointment: Appointment, clinic: Clinic, now: datetime) -> None:
    _to_patient(appointment, clinic, "appointment_confirmation", f"appt:{appointment.id}:booked", now)
    queue_reminders(appointment, clinic, now)
    if appointment.booked_via == "portal":
        notify_staff(appointment, clinic, "booked", now)


def appointment_rescheduled(appointment: Appointment, clinic: Clinic, via: str, now: datetime) -> None:
    cancel_reminders(appointment)
    _to_patient(
        appointment,
        clinic,
        "appointment_rescheduled",
        f"appt:{appointment.id}:rescheduled:{appointment.reschedule_count}",
        now,
    )
    queue_reminders(appointment, clinic, now)
    if via == "portal":
        notify_staff(appointment, clinic, "rescheduled", now)


def appointment_cancelled(appointment: Appointment, clinic: Clinic, via: str, now: datetime) -> None:
    cancel_reminders(appointment)
    _to_patient(appointment, clinic, "appointment_cancelled", f"appt:{appointment.id}:cancelled", now)
    if via == "portal":
        notify_staff(appointment, clinic, "cancelled", now)


def aftercare_checkins(appointment: Appointment, clinic: Clinic, now: datetime) -> None:
    """Check-ins on day 1, 3 and 7 after a completed session (shared with aftercare; queued once)."""
    zone = ZoneInfo(appointment.patient.timezone)
    enqueue_checkins(appointment.patient, appointment.starts_at.astimezone(zone).date())


def plan_appointment_reminders(now: datetime) -> int:
    """Queue reminders for booked appointments of patients who want them, whose time comes within PLAN_AHEAD.

    The candidates come from one query per channel (patients who want the topic by that channel, joined to
    their booked appointments); the keys are the booking's own, so nothing already queued is queued again.
    A reminder whose moment passed more than CATCH_UP_MINUTES ago is not sent late.
    """
    earliest = now + min(REMINDER_OFFSETS.values()) - timedelta(minutes=CATCH_UP_MINUTES)
    latest = now + max(REMINDER_OFFSETS.values()) + PLAN_AHEAD
    appointment_ids: set[int] = set()
    for channel in CHANNELS:
        who = audience(channel, TOPIC)
        ids = db.session.scalars(
            who.select.join(Appointment, Appointment.patient_id == Patient.id)
            .where(Appointment.status == "booked", Appointment.starts_at > earliest, Appointment.starts_at <= latest)
            .with_only_columns(Appointment.id)
        )
        appointment_ids.update(ids)
    if not appointment_ids:
        return 0
    appointments = db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.id.in_(appointment_ids))
        .options(joinedload(Appointment.patient), joinedload(Appointment.provider))
    ).unique()
    clinics: dict[int, Clinic] = {}
    added = 0
    for appointment in appointments:
        clinic = clinics.setdefault(appointment.clinic_id, db.session.get(Clinic, appointment.clinic_id))
        added += queue_reminders(appointment, clinic, now, not_before=now - timedelta(minutes=CATCH_UP_MINUTES))
    return added


#: When the appointment is, as a reminder says it ("Reminder: your appointment tomorrow").
REMINDER_WHEN = {"24h": N_("tomorrow"), "2h": N_("in 2 hours")}


def _reminder_when(p: dict) -> str:
    return gettext(REMINDER_WHEN.get(p.get("hours_before"), N_("soon")))


def _reminder_subject(row: OutboxMessage, ctx: dict) -> str:
    return gettext("Reminder: your appointment %(when)s", when=_reminder_when(ctx["p"]))


def _reminder_sms(row: OutboxMessage, ctx: dict) -> str:
    p = ctx["p"]
    return gettext(
        "%(clinic)s: reminder of your appointment %(when)s, %(time)s.",
        clinic=p.get("clinic_name") or gettext("Your clinic"),
        when=_reminder_when(p),
        time=p.get("local_time"),
    )


def _waitlist_offer_gone(row: OutboxMessage, now: datetime) -> str | None:
    """Do not offer a time that was booked or taken off the list since the row was queued."""
    entry = db.session.get(WaitlistEntry, (row.payload or {}).get("waitlist_entry_id"), populate_existing=True)
    if entry is None or entry.status != "waiting" or entry.match_starts_at is None:
        return "no longer on the waitlist"
    if waitlist_key(entry) != row.dedupe_key:
        return "a newer time was offered"
    return None


register_topic(
    Topic(
        TOPIC,
        N_("Appointment reminders (24 hours and 2 hours before)"),
        N_("Stop appointment reminders"),
        defaults={"email": False, "sms": False},
        order=20,
    )
)
register_kind(
    "appointment_confirmation",
    Kind("appointment_confirmation", N_("Your appointment is booked"), patient_payload_as_p),
)
register_kind(
    "appointment_rescheduled",
    Kind("appointment_rescheduled", N_("Your appointment has moved"), patient_payload_as_p),
)
register_kind(
    "appointment_cancelled",
    Kind("appointment_cancelled", N_("Your appointment is cancelled"), patient_payload_as_p),
)
register_kind(
    "appointment_reminder",
    Kind("appointment_reminder", _reminder_subject, patient_payload_as_p, topic=TOPIC, sms=_reminder_sms),
)
register_kind(
    "appointment_staff_notice",
    Kind(
        "appointment_staff_notice",
        lambda row, ctx: f"Appointment {ctx['p'].get('event', 'changed')} online",
        payload_as_p,
    ),
)
register_kind(
    "waitlist_match",
    Kind("waitlist_match", N_("A time has opened up at the clinic"), patient_payload_as_p, _waitlist_offer_gone),
)
register_planner("scheduling", plan_appointment_reminders)
