"""/api/v1/appointments: list (by day, provider, patient), read, free slots, book, move, cancel.

The booking service is the pages' (scheduling.booking): double booking, working hours, time off, rooms,
the series window and the cancellation rules all apply. A slot someone else holds is 409 with the reason;
any other broken rule is 422 with the reason beside `starts_at` (or the field concerned).
"""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
import sqlalchemy as sa
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import validate

from clinic.access import role_required
from clinic.api.schemas import PageQuery, object_id, page_of, paged, text
from clinic.api.spec import BODY_ERRORS, documents
from clinic.audit.services import record
from clinic.extensions import db
from clinic.limits import FIRST_DAY, LAST_DAY
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF
from clinic.scheduling import access
from clinic.scheduling.audit import record_viewed
from clinic.scheduling.availability import find_free_slots
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from clinic.scheduling.errors import SchedulingError, SlotTaken
from clinic.scheduling.models import STATUSES, Appointment

blp = Blueprint("api_appointments", __name__, url_prefix="/api/v1", description="Appointments and free slots")
SORTS = {"starts_at": Appointment.starts_at.asc(), "-starts_at": Appointment.starts_at.desc()}


def _sane_day(day) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ma.ValidationError(f"Dates must lie between {FIRST_DAY.year} and {LAST_DAY.year}.")


def _aware(moment: datetime) -> None:
    if not datetime(1900, 1, 2, tzinfo=UTC) <= moment <= datetime(2200, 12, 31, tzinfo=UTC):
        raise ma.ValidationError("Times must lie between 1900 and 2200.")


class AppointmentSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    patient_id = ma.fields.Integer(dump_only=True)
    provider_id = ma.fields.Integer(dump_only=True)
    room_id = ma.fields.Integer(dump_only=True)
    appointment_type_id = ma.fields.Integer(dump_only=True)
    series_id = ma.fields.Integer(dump_only=True, allow_none=True)
    starts_at = ma.fields.AwareDateTime(dump_only=True)
    ends_at = ma.fields.AwareDateTime(dump_only=True)
    local_date = ma.fields.Date(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    overdue = ma.fields.Boolean(dump_only=True)
    cancel_reason = ma.fields.String(dump_only=True, allow_none=True)
    booked_via = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class AppointmentQuery(PageQuery):
    day = ma.fields.Date(validate=_sane_day, metadata={"description": "The clinic's calendar day"})
    provider_id = object_id(in_query=True)
    patient_id = object_id(in_query=True)
    status = ma.fields.String(validate=validate.OneOf(list(STATUSES)))
    sort = ma.fields.String(load_default="starts_at", validate=validate.OneOf(list(SORTS)))


class BookingSchema(ma.Schema):
    patient_id = object_id(required=True)
    appointment_type_id = object_id(required=True)
    provider_id = object_id(required=True)
    starts_at = ma.fields.AwareDateTime(required=True, validate=_aware, metadata={"description": "With an offset"})
    series_id = object_id(allow_none=True)


class MoveSchema(ma.Schema):
    starts_at = ma.fields.AwareDateTime(required=True, validate=_aware)
    provider_id = object_id()


class CancelSchema(ma.Schema):
    reason = text(300, required=True, blank=False)


class SlotQuery(ma.Schema):
    day = ma.fields.Date(required=True, validate=_sane_day)
    provider_id = object_id(in_query=True)


class SlotSchema(ma.Schema):
    provider_id = ma.fields.Integer(required=True)
    room_id = ma.fields.Integer(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)


AppointmentPage = paged(AppointmentSchema, "AppointmentPage")


def _refused(error: SchedulingError, field: str = "starts_at"):
    """The booking service's refusal: 409 when someone else holds the time, 422 for any other rule."""
    db.session.rollback()
    status = 409 if isinstance(error, SlotTaken) else 422
    abort(status, message=str(error), errors={field: str(error)}, kind="booking-conflict" if status == 409 else None)


@blp.get("/appointments")
@role_required(*CLINICAL_STAFF)
@blp.arguments(AppointmentQuery, location="query", unknown=ma.RAISE)
@blp.etag
@blp.response(200, AppointmentPage)
@documents(blp, 404)
def list_appointments(args):
    """Appointments of the clinic, filtered by day, provider, patient and status (allow-listed sorts)."""
    select = sa.select(Appointment).where(Appointment.clinic_id == current_user.clinic_id)
    if "patient_id" in args:
        select = select.where(Appointment.patient_id == get_patient(args["patient_id"]).id)
    if "provider_id" in args:
        select = select.where(Appointment.provider_id == access.get_provider(args["provider_id"]).id)
    if "day" in args:
        select = select.where(Appointment.local_date == args["day"])
    if "status" in args:
        select = select.where(Appointment.status == args["status"])
    items, meta = page_of(select.order_by(SORTS[args["sort"]], Appointment.id), args, db)
    record_viewed("appointment.list", {a.patient_id for a in items}, f"api page={meta['page']}")
    return {"items": items, "meta": meta}


@blp.get("/appointments/<int:appointment_id>")
@role_required(*CLINICAL_STAFF)
@blp.etag
@blp.response(200, AppointmentSchema)
@documents(blp, 404)
def read_appointment(appointment_id: int):
    """One appointment (audited as the appointment page)."""
    appointment = access.get_appointment(appointment_id)
    record("appointment.view", patient_id=appointment.patient_id, object_type="appointment", object_id=appointment.id)
    return appointment


@blp.get("/appointment-types/<int:type_id>/slots")
@role_required(*CLINICAL_STAFF)
@blp.arguments(SlotQuery, location="query", unknown=ma.RAISE)
@blp.response(200, SlotSchema(many=True))
@documents(blp, 404)
def free_slots(args, type_id: int):
    """Free start times for an appointment type on one day (optionally one provider), earliest first."""
    kind = access.get_appointment_type(type_id)
    providers = [access.get_provider(args["provider_id"]).id] if "provider_id" in args else None
    found = find_free_slots(current_user.clinic, kind, args["day"], args["day"], provider_ids=providers)
    return sorted((slot for slots in found.values() for slot in slots), key=lambda s: (s.starts_at, s.provider_id))


@blp.post("/appointments")
@role_required(*CLINICAL_STAFF)
@blp.arguments(BookingSchema)
@blp.etag
@blp.response(201, AppointmentSchema)
@documents(blp, 404, 409, *BODY_ERRORS)
def book(data):
    """Book an appointment; 409 when the provider, a room or the patient is taken then (with the reason)."""
    patient = get_patient(data["patient_id"])
    series = access.get_series(data["series_id"]) if data.get("series_id") else None
    try:
        appointment = book_appointment(
            clinic=current_user.clinic,
            patient=patient,
            appointment_type=access.get_appointment_type(data["appointment_type_id"]),
            provider=access.get_provider(data["provider_id"]),
            starts_at=data["starts_at"].astimezone(UTC),
            series=series,
            by=current_user,
        )
    except SchedulingError as error:
        _refused(error)
    location = url_for("api_appointments.read_appointment", appointment_id=appointment.id)
    return appointment, 201, {"Location": location}


@blp.patch("/appointments/<int:appointment_id>")
@role_required(*CLINICAL_STAFF)
@blp.arguments(MoveSchema)
@blp.etag
@blp.response(200, AppointmentSchema)
@documents(blp, 404, 409, *BODY_ERRORS)
def move(data, appointment_id: int):
    """Move an appointment (and optionally change its provider). Send `If-Match` with the ETag you read."""
    appointment = access.get_appointment(appointment_id)
    blp.check_etag(appointment, AppointmentSchema)
    provider = access.get_provider(data["provider_id"]) if "provider_id" in data else None
    try:
        reschedule(
            appointment,
            clinic=current_user.clinic,
            starts_at=data["starts_at"].astimezone(UTC),
            provider=provider,
            by=current_user,
        )
    except SchedulingError as error:
        _refused(error)
    return appointment


@blp.post("/appointments/<int:appointment_id>/cancel")
@role_required(*CLINICAL_STAFF)
@blp.arguments(CancelSchema)
@blp.response(200, AppointmentSchema)
@documents(blp, 404, *BODY_ERRORS)
def cancel(data, appointment_id: int):
    """Cancel with a reason (the same rules as the appointment page: a finished one cannot be cancelled)."""
    appointment = access.get_appointment(appointment_id)
    try:
        change_status(appointment, "cancelled", clinic=current_user.clinic, by=current_user, reason=data["reason"])
    except SchedulingError as error:
        _refused(error, "reason")
    return appointment
