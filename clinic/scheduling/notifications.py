"""Appointment messages, queued in the reminders outbox (the dispatcher sends them).

Keys are stable, so planning twice queues once. Reminder keys carry the start time, so a moved
appointment's old reminders are cancelled and new ones queued under new keys:

| kind                       | dedupe_key                                      | to       |
| appointment_confirmation   | appt:{id}:booked                                | patient  |
| appointment_rescheduled    | appt:{id}:rescheduled:{n}                       | patient  |
| appointment_cancelled      | appt:{id}:cancelled                             | patient  |
| appointment_reminder       | appt:{id}:remind:{24h|2h}:{start YYYYmmddTHHMMZ} | patient (opted in) |
| aftercare_checkin          | aftercare:{patient}:{local day}:day{1|3|7} (clinic/reminders/checkins.py) | patient |
| appointment_staff_notice   | appt:{id}:staff:{event}:{n}                     | provider |
| waitlist_match             | waitlist:{entry id}:slot:{start YYYYmmddTHHMMZ}  | patient  |

Payloads carry no medical details: no procedure, no notes, no cancellation reason. The waitlist offer
carries a one-click booking link (`offer_tokens`, built from CLINIC_BASE_URL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.reminders import outbox
from clinic.scheduling.models import Appointment, AppointmentPreference, WaitlistEntry
from clinic.scheduling.offer_tokens import OFFER_VALID_HOURS, offer_link

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


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


def _to_patient(
    appointment: Appointment, clinic: Clinic, kind: str, key: str, due_at: datetime, **extra
) -> bool:
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


def wants_reminders(patient_id: int) -> bool:
    preference = db.session.get(AppointmentPreference, patient_id)
    return bool(preference and preference.email_reminders)


def _stamp(appointment: Appointment) -> str:
    return appointment.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def queue_reminders(appointment: Appointment, clinic: Clinic, now: datetime) -> None:
    """24 h and 2 h before, if the patient opted in and that moment is still ahead."""
    if not wants_reminders(appointment.patient_id):
        return
    for label, offset in REMINDER_OFFSETS.items():
        due = appointment.starts_at - offset
        if due > now:
            _to_patient(
                appointment,
                clinic,
                "appointment_reminder",
                f"appt:{appointment.id}:remind:{label}:{_stamp(appointment)}",
                due,
                hours_before=label,
            )


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
    from clinic.reminders.checkins import enqueue_checkins

    zone = ZoneInfo(appointment.patient.timezone)
    enqueue_checkins(appointment.patient, appointment.starts_at.astimezone(zone).date())
