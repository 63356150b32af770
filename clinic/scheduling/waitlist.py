"""The waitlist: patients who want an earlier slot of a treatment within a date range.

A freed slot (a cancellation, or an appointment moved away) is matched to the waiting entries of the same
treatment whose range contains its date, oldest entry first; staff see the match and book in one click,
and the patient is e-mailed through the outbox (`waitlist_match`, see `scheduling.notifications`).

Staff may add a range of up to 180 days; patients join from the portal for up to 60 days, and at most
`MAX_WAITING_PER_PATIENT` entries at a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType, WaitlistEntry
from clinic.scheduling.notifications import waitlist_matched

MAX_RANGE_DAYS = 180
PORTAL_MAX_RANGE_DAYS = 60
MAX_WAITING_PER_PATIENT = 5


def add_entry(
    patient: Patient,
    appointment_type: AppointmentType,
    earliest: date,
    latest: date,
    *,
    today: date,
    by: User | None = None,
    max_days: int = MAX_RANGE_DAYS,
) -> WaitlistEntry:
    """Put the patient on the waitlist for a treatment between two of the clinic's dates (inclusive)."""
    if patient.is_archived:
        raise SchedulingError("This patient's record is archived.")
    if latest < earliest:
        raise SchedulingError("The end date is before the start date.")
    if earliest < today:
        raise SchedulingError("The range starts in the past.")
    if (latest - earliest).days > max_days:
        raise SchedulingError(f"Choose a range of at most {max_days} days.")
    _check_not_waiting(patient, appointment_type, earliest, latest)
    entry = WaitlistEntry(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        appointment_type_id=appointment_type.id,
        earliest=earliest,
        latest=latest,
        created_by_id=by.id if by else None,
    )
    db.session.add(entry)
    db.session.flush()
    record(
        "waitlist.add",
        patient_id=patient.id,
        object_type="waitlist_entry",
        object_id=entry.id,
        user=by,
        detail=f"{earliest} - {latest}",
    )
    return entry


def _check_not_waiting(patient: Patient, appointment_type: AppointmentType, earliest: date, latest: date) -> None:
    """One patient holds at most a few waiting entries, and none overlapping for the same treatment."""
    mine = list(
        db.session.scalars(
            sa.select(WaitlistEntry).where(WaitlistEntry.patient_id == patient.id, WaitlistEntry.status == "waiting")
        )
    )
    if any(
        e.appointment_type_id == appointment_type.id and e.earliest <= latest and e.latest >= earliest for e in mine
    ):
        raise SchedulingError("Already on the waitlist for this treatment in those dates.")
    if len(mine) >= MAX_WAITING_PER_PATIENT:
        raise SchedulingError(f"At most {MAX_WAITING_PER_PATIENT} waitlist entries at a time.")


def for_patient(patient: Patient, today: date) -> list[WaitlistEntry]:
    """The patient's waiting entries whose range has not passed, soonest first (the portal's list)."""
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(
                WaitlistEntry.patient_id == patient.id,
                WaitlistEntry.status == "waiting",
                WaitlistEntry.latest >= today,
            )
            .options(joinedload(WaitlistEntry.appointment_type))
            .order_by(WaitlistEntry.earliest, WaitlistEntry.id)
        )
    )


def slot_freed(
    appointment: Appointment,
    starts_at: datetime,
    local_day: date,
    provider_id: int,
    now: datetime | None = None,
    notify: bool = True,
) -> WaitlistEntry | None:
    """Offer a freed time to the oldest waiting entry of the same treatment whose range contains it, and
    e-mail that patient (unless `notify` is off, as when seeding demo data)."""
    now = now or datetime.now(UTC)
    if starts_at <= now:
        return None
    ends_at = starts_at + (appointment.ends_at - appointment.starts_at)
    busy = sa.exists().where(  # a patient who has another appointment then cannot take the slot
        Appointment.patient_id == WaitlistEntry.patient_id,
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.id != appointment.id,
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
    )
    entry = db.session.scalars(
        sa.select(WaitlistEntry)
        .where(
            WaitlistEntry.clinic_id == appointment.clinic_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.appointment_type_id == appointment.appointment_type_id,
            WaitlistEntry.patient_id != appointment.patient_id,
            WaitlistEntry.match_starts_at.is_(None),
            WaitlistEntry.earliest <= local_day,
            WaitlistEntry.latest >= local_day,
            ~busy,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .limit(1)
    ).first()
    if entry is not None:
        entry.match_starts_at, entry.match_provider_id = starts_at, provider_id
        if notify:
            waitlist_matched(entry, now)
    return entry


def fulfil(appointment: Appointment) -> None:
    """A booking for a waiting patient and treatment inside the range takes the entry off the list."""
    db.session.execute(
        sa.update(WaitlistEntry)
        .where(
            WaitlistEntry.patient_id == appointment.patient_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.appointment_type_id == appointment.appointment_type_id,
            WaitlistEntry.earliest <= appointment.local_date,
            WaitlistEntry.latest >= appointment.local_date,
        )
        .values(status="booked")
        .execution_options(synchronize_session=False)
    )


def remove(entry: WaitlistEntry, by: User | None = None) -> None:
    entry.status = "removed"
    record(
        "waitlist.remove",
        patient_id=entry.patient_id,
        object_type="waitlist_entry",
        object_id=entry.id,
        user=by,
    )


def waiting(clinic_id: int, today: date) -> list[WaitlistEntry]:
    """Waiting entries whose range has not passed, matched ones first."""
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(
                WaitlistEntry.clinic_id == clinic_id,
                WaitlistEntry.status == "waiting",
                WaitlistEntry.latest >= today,
            )
            .options(
                joinedload(WaitlistEntry.patient),
                joinedload(WaitlistEntry.appointment_type),
                joinedload(WaitlistEntry.match_provider),
            )
            .order_by(WaitlistEntry.match_starts_at.is_(None), WaitlistEntry.earliest, WaitlistEntry.id)
        )
    )
