"""Booking, rescheduling, cancelling and the status changes of an appointment.

Every function flushes and never commits; the caller commits once. Each change is audited, keeps its
series' progress current and queues the patient's messages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling import availability, notifications, waitlist
from clinic.scheduling.errors import PatientBusy, SchedulingError, SlotTaken
from clinic.scheduling.locking import flush_booking, take_write_lock
from clinic.scheduling.models import CAPABILITIES, Appointment, AppointmentType, Room, Series
from clinic.scheduling.series_rules import check_series_position, refresh_series
from clinic.scheduling.statuses import status_change_problem
from clinic.treatments import hooks

MAX_DAYS_AHEAD = 730


def tell_routines(appointment: Appointment, *, by: User | None, now: datetime, notify: bool) -> list[str]:
    """Let routines move the home-routine pause before this appointment (and queue its preparation message);
    the warnings it returns (a recent laser/IPL session or sunburn) are kept on the appointment for the view."""
    change = hooks.AppointmentChange(
        id=appointment.id,
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
        procedure_id=appointment.appointment_type.procedure_id,
        starts_at=appointment.starts_at,
        active=appointment.status != "cancelled",
        now=now,
        notify=notify,
    )
    appointment.prep_warnings = hooks.appointment_changed(change, by)
    return appointment.prep_warnings


def _validate_parties(clinic: Clinic, patient: Patient, appointment_type: AppointmentType, provider: User) -> None:
    if patient.clinic_id != clinic.id or provider.clinic_id != clinic.id or appointment_type.clinic_id != clinic.id:
        raise SchedulingError("The patient, provider and appointment type must belong to this clinic.")
    if patient.is_archived:
        raise SchedulingError("This patient's record is archived; restore it before booking.")
    if not appointment_type.active:
        raise SchedulingError("This appointment type is no longer offered.")
    if not provider.active or provider.role != appointment_type.performer_role:
        raise SchedulingError(
            f"{provider.full_name} cannot perform {appointment_type.name}: "
            f"it needs a {appointment_type.performer_role}."
        )


def _validate_time(starts_at: datetime, *, now: datetime, allow_past: bool) -> None:
    if starts_at.tzinfo is None:
        raise SchedulingError("The start time has no time zone.")
    if not allow_past and starts_at < now - timedelta(minutes=5):
        raise SchedulingError("That time is in the past.")
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise SchedulingError(f"Appointments can be booked at most {MAX_DAYS_AHEAD // 365} years ahead.")


def _check_patient_free(
    clinic: Clinic, patient: Patient, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None
) -> None:
    """A patient cannot be in two rooms at once, whoever the provider (checked under the booking lock)."""
    other = availability.patient_overlap(patient.id, starts_at, ends_at, exclude_id)
    if other is not None:
        local = other.starts_at.astimezone(clinic.zone)
        raise PatientBusy(
            f"{patient.full_name} already has an appointment then ({other.appointment_type.name} with "
            f"{other.provider.full_name} at {local:%H:%M} on {local:%d %b %Y}). Please choose another time."
        )


def _check_resources(
    clinic: Clinic,
    provider: User,
    room: Room | None,
    starts_at: datetime,
    blocks_until: datetime,
    exclude_id: int | None = None,
    appointment_type: AppointmentType | None = None,
) -> Room:
    """Raise unless the provider works then, is not off, and a room equipped for the type is free; return
    the room to use."""
    capability = appointment_type.required_capability if appointment_type else None
    if not availability.within_working_hours(provider.id, starts_at, blocks_until, clinic.zone):
        raise SchedulingError(f"{provider.full_name} does not work at that time.")
    off = availability.time_off_overlapping(clinic.id, provider.id, starts_at, blocks_until)
    if off is not None:
        raise SchedulingError(f"{provider.full_name} is not available then ({off.reason}).")
    if availability.provider_busy(provider.id, starts_at, blocks_until, exclude_id):
        raise SlotTaken(f"{provider.full_name} already has an appointment then. Please choose another time.")
    if room is None:
        room = availability.free_room(clinic.id, starts_at, blocks_until, exclude_id, capability)
        if room is None and capability and not availability.capable_rooms(clinic.id, capability):
            raise SchedulingError(
                f"No room in use is equipped for {CAPABILITIES.get(capability, capability).lower()}; "
                "an admin can set room equipment."
            )
        if room is None:
            equipped = f" equipped for {CAPABILITIES.get(capability, capability).lower()}" if capability else ""
            raise SlotTaken(f"No treatment room{equipped} is free then. Please choose another time.")
    elif not room.can_host(capability):
        raise SchedulingError(
            f"{room.name} cannot host {appointment_type.name}: it needs a room equipped for "
            f"{CAPABILITIES.get(capability, capability).lower()}."
        )
    elif room.clinic_id != clinic.id or availability.room_busy(room.id, starts_at, blocks_until, exclude_id):
        raise SlotTaken(f"{room.name} is taken then. Please choose another time.")
    return room


def book_appointment(
    *,
    clinic: Clinic,
    patient: Patient,
    appointment_type: AppointmentType,
    provider: User,
    starts_at: datetime,
    room: Room | None = None,
    series: Series | None = None,
    booked_via: str = "staff",
    by: User | None = None,
    allow_past: bool = False,
    now: datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Book one appointment, or raise SchedulingError (SlotTaken when the time is held by someone else)."""
    now = now or datetime.now(UTC)
    _validate_parties(clinic, patient, appointment_type, provider)
    _validate_time(starts_at, now=now, allow_past=allow_past)
    ends_at = starts_at + timedelta(minutes=appointment_type.duration_minutes)
    blocks_until = ends_at + timedelta(minutes=appointment_type.buffer_minutes)
    take_write_lock()
    local_date = starts_at.astimezone(clinic.zone).date()
    overdue = False
    if series is not None:
        if series.patient_id != patient.id or series.appointment_type_id != appointment_type.id:
            raise SchedulingError("That series belongs to another patient or treatment.")
        overdue = check_series_position(series, local_date, clinic)
    _check_patient_free(clinic, patient, starts_at, ends_at)
    room = _check_resources(clinic, provider, room, starts_at, blocks_until, appointment_type=appointment_type)
    appointment = Appointment(
        clinic_id=clinic.id,
        patient_id=patient.id,
        provider_id=provider.id,
        room_id=room.id,
        appointment_type_id=appointment_type.id,
        series_id=series.id if series else None,
        starts_at=starts_at,
        ends_at=ends_at,
        blocks_until=blocks_until,
        local_date=local_date,
        status="booked",
        overdue=overdue,
        booked_via=booked_via,
        created_by_id=by.id if by else None,
    )
    db.session.add(appointment)
    flush_booking()
    appointment.patient, appointment.provider, appointment.room = patient, provider, room
    appointment.appointment_type, appointment.series = appointment_type, series
    record(
        "appointment.book",
        patient_id=patient.id,
        object_type="appointment",
        object_id=appointment.id,
        user=by,
        clinic_id=clinic.id,
        detail=f"{starts_at.isoformat()} via {booked_via}",
    )
    waitlist.fulfil(appointment)
    if series is not None:
        refresh_series(series, clinic)
    if notify:
        notifications.appointment_booked(appointment, clinic, now=now)
    tell_routines(appointment, by=by, now=now, notify=notify)
    return appointment


def reschedule(
    appointment: Appointment,
    *,
    clinic: Clinic,
    starts_at: datetime,
    provider: User | None = None,
    by: User | None = None,
    via: str = "staff",
    now: datetime | None = None,
) -> Appointment:
    """Move a booked appointment (optionally to another provider); the series' intervals must still hold."""
    now = now or datetime.now(UTC)
    if appointment.status != "booked":
        raise SchedulingError(f"A {appointment.status_label.lower()} appointment cannot be moved.")
    provider = provider or appointment.provider
    appointment_type = appointment.appointment_type
    _validate_parties(clinic, appointment.patient, appointment_type, provider)
    _validate_time(starts_at, now=now, allow_past=False)
    ends_at = starts_at + timedelta(minutes=appointment_type.duration_minutes)
    blocks_until = ends_at + timedelta(minutes=appointment_type.buffer_minutes)
    take_write_lock()
    _check_patient_free(clinic, appointment.patient, starts_at, ends_at, exclude_id=appointment.id)
    room = (
        appointment.room
        if appointment.room.can_host(appointment_type.required_capability)
        and not availability.room_busy(appointment.room_id, starts_at, blocks_until, appointment.id)
        else None
    )
    room = _check_resources(
        clinic, provider, room, starts_at, blocks_until, exclude_id=appointment.id, appointment_type=appointment_type
    )
    local_date = starts_at.astimezone(clinic.zone).date()
    if appointment.series is not None:
        appointment.overdue = check_series_position(appointment.series, local_date, clinic, exclude_id=appointment.id)
    previous, previous_day, previous_provider = (
        appointment.starts_at,
        appointment.local_date,
        appointment.provider_id,
    )
    appointment.starts_at, appointment.ends_at, appointment.blocks_until = starts_at, ends_at, blocks_until
    appointment.local_date, appointment.provider, appointment.room = local_date, provider, room
    appointment.reschedule_count += 1
    flush_booking()
    record(
        "appointment.reschedule",
        patient_id=appointment.patient_id,
        object_type="appointment",
        object_id=appointment.id,
        user=by,
        clinic_id=clinic.id,
        detail=f"{previous.isoformat()} -> {starts_at.isoformat()} via {via}",
    )
    waitlist.slot_freed(appointment, previous, previous_day, previous_provider, now=now)
    if appointment.series is not None:
        refresh_series(appointment.series, clinic)
    notifications.appointment_rescheduled(appointment, clinic, via=via, now=now)
    tell_routines(appointment, by=by, now=now, notify=True)
    return appointment


def change_status(
    appointment: Appointment,
    new_status: str,
    *,
    clinic: Clinic,
    by: User | None = None,
    reason: str | None = None,
    via: str = "staff",
    now: datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Check in, complete, mark a no-show or cancel (a reason is required to cancel)."""
    now = now or datetime.now(UTC)
    problem = status_change_problem(appointment, new_status, now)
    if problem:
        raise SchedulingError(problem)
    if new_status == "cancelled" and not (reason or "").strip():
        raise SchedulingError("Give a reason for the cancellation.")
    old = appointment.status
    appointment.status = new_status
    if new_status == "cancelled":
        appointment.cancel_reason = reason.strip()[:300]
    db.session.flush()
    record(
        f"appointment.{new_status}",
        patient_id=appointment.patient_id,
        object_type="appointment",
        object_id=appointment.id,
        user=by,
        clinic_id=clinic.id,
        detail=f"{old} -> {new_status} via {via}",
    )
    if appointment.series is not None:
        refresh_series(appointment.series, clinic)
    if new_status == "cancelled":
        waitlist.slot_freed(
            appointment,
            appointment.starts_at,
            appointment.local_date,
            appointment.provider_id,
            now=now,
            notify=notify,
        )
    if notify and new_status == "cancelled":
        notifications.appointment_cancelled(appointment, clinic, via=via, now=now)
    elif notify and new_status == "completed":
        notifications.aftercare_checkins(appointment, clinic, now=now)
    if new_status == "cancelled" or old == "cancelled":
        tell_routines(appointment, by=by, now=now, notify=notify)
    return appointment


__all__ = ["SlotTaken", "book_appointment", "change_status", "reschedule"]
