"""Booking and one appointment's page and actions (status, cancel, move, .ics), and a patient's appointments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.clinics.services import clinic_zone
from clinic.extensions import db
from clinic.limits import parse_day
from clinic.patients.access import get_patient
from clinic.patients.search import ListQuery, patient_list_query
from clinic.roles import CLINICAL_STAFF
from clinic.scheduling import access, feeds
from clinic.scheduling.audit import record_viewed
from clinic.scheduling.availability import find_free_slots
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from clinic.scheduling.errors import SchedulingError, SlotTaken
from clinic.scheduling.forms import (
    LOCAL_FORMAT,
    BookingForm,
    CancelForm,
    RescheduleForm,
    to_utc,
)
from clinic.scheduling.patient_schedule import patient_schedule
from clinic.scheduling.series_rules import series_progress
from clinic.scheduling.statuses import allowed_status_changes
from clinic.scheduling.views.blueprint import bp

PICK_LIMIT = 20
STATUS_ACTIONS = {"checked_in": "Check in", "completed": "Complete", "no_show": "No-show"}


def _booking_choices(form: BookingForm) -> None:
    form.appointment_type_id.choices = [(t.id, t.name) for t in access.clinic_types()]
    form.provider_id.choices = [(p.id, f"{p.full_name} ({p.role})") for p in access.clinic_providers()]


@bp.route("/book", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def book():
    if request.method == "GET" and not request.args.get("patient", type=int):
        return _choose_patient()
    form = BookingForm(data=_prefill() if request.method == "GET" else None)
    _booking_choices(form)
    patient = get_patient(request.values.get("patient_id", type=int) or request.args.get("patient", type=int) or 0)
    status = 200
    if form.validate_on_submit():
        try:
            series = access.get_series(int(form.series_id.data)) if form.series_id.data else None
            appointment = book_appointment(
                clinic=current_user.clinic,
                patient=patient,
                appointment_type=access.get_appointment_type(form.appointment_type_id.data),
                provider=access.get_provider(form.provider_id.data),
                starts_at=to_utc(form.starts_at.data, clinic_zone()),
                series=series,
                by=current_user,
            )
            flash("Appointment booked.", "success")
            for warning in appointment.prep_warnings:
                flash(warning, "warning")
            return redirect(url_for("scheduling.appointment", appointment_id=appointment.id))
        except SchedulingError as error:
            db.session.rollback()
            form.starts_at.errors.append(str(error))
            status = 409 if isinstance(error, SlotTaken) else 422
        except ValueError as error:  # a local time that does not exist
            form.starts_at.errors.append(str(error))
            status = 422
    elif request.method == "POST":
        status = 422
    record(
        "patient.view",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        detail="booking form",
    )
    html = render_template(
        "scheduling/book.html",
        form=form,
        patient=patient,
        slots=_suggested_slots(form),
        local_format=LOCAL_FORMAT,
    )
    return html, status


def _choose_patient():
    """Booking from an empty calendar cell: find the patient first, keeping the provider and time."""
    query = ListQuery(q=(request.args.get("q") or "").strip()[:100])
    found = []
    if query.q:
        found = list(db.session.scalars(patient_list_query(current_user.clinic_id, query).limit(PICK_LIMIT)))
        record_viewed("patient.list", {p.id for p in found}, "booking: choose the patient")
    provider = access.get_provider(request.args.get("provider", type=int)) if request.args.get("provider") else None
    prefill = _prefill()
    return render_template(
        "scheduling/book_choose.html",
        q=query.q,
        found=found,
        limit=PICK_LIMIT,
        provider=provider,
        starts=prefill.get("starts_at"),
        args={k: v for k, v in request.args.items() if k in ("provider", "starts", "type")},
    )


def _suggested_slots(form: BookingForm):
    """Free slots between ?start and ?end (the follow-up queue's window), to fill the form in one click."""
    try:
        today = datetime.now(UTC).astimezone(clinic_zone()).date()
        start = max(parse_day(request.args.get("start")), today)
        end = min(
            max(parse_day(request.args.get("end")), start + timedelta(days=6)),
            start + timedelta(days=31),
        )
    except ValueError:
        return None
    if not form.appointment_type_id.data:
        return None
    kind = access.get_appointment_type(form.appointment_type_id.data)
    patient_id = request.values.get("patient_id", type=int) or request.args.get("patient", type=int)
    return find_free_slots(current_user.clinic, kind, start, end, patient_id=patient_id)


def _prefill() -> dict:
    data = {"patient_id": request.args.get("patient"), "series_id": request.args.get("series")}
    for field, arg in (("appointment_type_id", "type"), ("provider_id", "provider")):
        if request.args.get(arg, type=int):
            data[field] = request.args.get(arg, type=int)
    try:
        data["starts_at"] = datetime.strptime(request.args.get("starts", ""), LOCAL_FORMAT)
    except ValueError:
        pass
    return data


def _appointment_page(appointment, reschedule_form=None, cancel_form=None, status: int = 200):
    reschedule_form = reschedule_form or RescheduleForm(
        provider_id=appointment.provider_id,
        starts_at=appointment.starts_at.astimezone(clinic_zone()).replace(tzinfo=None),
    )
    reschedule_form.provider_id.choices = [(p.id, p.full_name) for p in access.clinic_providers()]
    return render_template(
        "scheduling/appointment.html",
        appointment=appointment,
        actions={
            status: label
            for status, label in STATUS_ACTIONS.items()
            if status in allowed_status_changes(appointment, datetime.now(UTC))
        },
        reschedule_form=reschedule_form,
        cancel_form=cancel_form or CancelForm(),
        progress=series_progress(appointment.series) if appointment.series else None,
    ), status


@bp.get("/appointments/<int:appointment_id>")
@role_required(*CLINICAL_STAFF)
def appointment(appointment_id: int):
    appointment = access.get_appointment(appointment_id)
    record(
        "appointment.view",
        patient_id=appointment.patient_id,
        object_type="appointment",
        object_id=appointment.id,
    )
    return _appointment_page(appointment)


@bp.post("/appointments/<int:appointment_id>/status")
@role_required(*CLINICAL_STAFF)
def set_status(appointment_id: int):
    appointment = access.get_appointment(appointment_id)
    new_status = request.form.get("status", "")
    if new_status not in STATUS_ACTIONS:
        flash("Unknown status.", "error")
        return redirect(url_for("scheduling.appointment", appointment_id=appointment.id))
    try:
        change_status(appointment, new_status, clinic=current_user.clinic, by=current_user)
        flash(f"Marked {appointment.status_label.lower()}.", "success")
    except SchedulingError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("scheduling.appointment", appointment_id=appointment_id))


@bp.post("/appointments/<int:appointment_id>/cancel")
@role_required(*CLINICAL_STAFF)
def cancel(appointment_id: int):
    appointment = access.get_appointment(appointment_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _appointment_page(appointment, cancel_form=form, status=422)
    try:
        change_status(appointment, "cancelled", clinic=current_user.clinic, by=current_user, reason=form.reason.data)
        flash("Appointment cancelled.", "success")
    except SchedulingError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("scheduling.appointment", appointment_id=appointment_id))


@bp.post("/appointments/<int:appointment_id>/reschedule")
@role_required(*CLINICAL_STAFF)
def move(appointment_id: int):
    appointment = access.get_appointment(appointment_id)
    form = RescheduleForm()
    form.provider_id.choices = [(p.id, p.full_name) for p in access.clinic_providers()]
    if form.validate_on_submit():
        try:
            reschedule(
                appointment,
                clinic=current_user.clinic,
                by=current_user,
                starts_at=to_utc(form.starts_at.data, clinic_zone()),
                provider=access.get_provider(form.provider_id.data),
            )
            flash("Appointment moved.", "success")
            for warning in appointment.prep_warnings:
                flash(warning, "warning")
            return redirect(url_for("scheduling.appointment", appointment_id=appointment_id))
        except (SchedulingError, ValueError) as error:
            db.session.rollback()
            appointment = access.get_appointment(appointment_id)
            form.starts_at.errors.append(str(error))
    return _appointment_page(appointment, reschedule_form=form, status=422)


@bp.get("/appointments/<int:appointment_id>.ics")
@role_required(*CLINICAL_STAFF)
def appointment_ics(appointment_id: int):
    response = feeds.appointment_download(access.get_appointment(appointment_id), current_user.clinic, where="staff")
    return response


@bp.get("/patients/<int:patient_id>")
@role_required(*CLINICAL_STAFF)
def patient_appointments(patient_id: int):
    patient = get_patient(patient_id)
    schedule = patient_schedule(patient)
    record("appointment.list", patient_id=patient.id, object_type="patient", object_id=patient.id)
    feed = feeds.active_feed(current_user.clinic_id, patient_id=patient.id)
    return render_template("scheduling/patient.html", patient=patient, schedule=schedule, feed=feed)
