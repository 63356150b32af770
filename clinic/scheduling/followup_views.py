"""The follow-up queue and whole-series planning (aestheticians and dermatologists)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.catalog.access import get_protocol
from clinic.catalog.models import Protocol
from clinic.clinics.services import clinic_today, clinic_zone
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF
from clinic.scheduling import access, contacts
from clinic.scheduling.audit import record_viewed
from clinic.scheduling.checkpoints import mark_recorded
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.followups import follow_up_queue
from clinic.scheduling.forms import LOCAL_FORMAT, ContactAttemptForm, PlanForm, SeriesBookingForm, to_utc
from clinic.scheduling.models import AppointmentType
from clinic.scheduling.series import book_series, plan_series

bp = Blueprint("followups", __name__, url_prefix="/schedule")


@bp.get("/followups")
@role_required(*CLINICAL_STAFF)
def queue():
    page = follow_up_queue(current_user.clinic, page=request.args.get("page", 1, type=int))
    record_viewed("followup.view", {item.patient.id for item in page.items}, f"follow-up queue page {page.page}")
    html = render_template("scheduling/followups.html", page=page, local_format=LOCAL_FORMAT)
    return html


@bp.route("/followups/patients/<int:patient_id>/contact", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def contact(patient_id: int):
    """Record a call or message, see earlier attempts, and optionally hide the patient until a date."""
    patient = get_patient(patient_id)
    today = clinic_today()
    form = ContactAttemptForm(contacted_on=today) if request.method == "GET" else ContactAttemptForm()
    status = 200
    if form.validate_on_submit():
        try:
            contacts.record_attempt(
                patient,
                outcome=form.outcome.data,
                contacted_on=form.contacted_on.data,
                today=today,
                hide_until=form.hide_until.data,
                note=form.note.data,
                by=current_user,
            )
            flash(f"Contact with {patient.full_name} recorded.", "success")
            return redirect(url_for("followups.queue"))
        except SchedulingError as error:
            db.session.rollback()
            field = form.hide_until if "hide" in str(error).lower() else form.contacted_on
            field.errors.append(str(error))
            status = 422
    elif request.method == "POST":
        status = 422
    record("followup.contacts_view", patient_id=patient.id, object_type="patient", object_id=patient.id)
    html = render_template(
        "scheduling/contact.html", patient=patient, form=form, attempts=contacts.attempts_for(patient)
    )
    return html, status


@bp.post("/series/<int:series_id>/checkpoint")
@role_required(*CLINICAL_STAFF)
def record_checkpoint(series_id: int):
    series = access.get_series(series_id)
    checkpoint = mark_recorded(series, current_user.clinic)
    if checkpoint is None:
        flash("Every checkpoint of this series is already recorded.", "info")
        return redirect(url_for("followups.queue"))
    record(
        "series.checkpoint",
        patient_id=series.patient_id,
        object_type="series",
        object_id=series.id,
        detail=f"{checkpoint.months}-month checkpoint marked recorded",
    )
    flash("Checkpoint recorded.", "success")
    return redirect(url_for("followups.queue"))


def _protocols() -> list[Protocol]:
    return list(
        db.session.scalars(
            sa.select(Protocol)
            .where(Protocol.clinic_id == current_user.clinic_id, Protocol.active.is_(True))
            .order_by(Protocol.name)
        )
    )


def _type_for(protocol: Protocol) -> AppointmentType | None:
    return db.session.scalars(
        sa.select(AppointmentType)
        .where(
            AppointmentType.clinic_id == current_user.clinic_id,
            AppointmentType.procedure_id == protocol.procedure_id,
            AppointmentType.active.is_(True),
        )
        .order_by(AppointmentType.id)
    ).first()


def _provider_choices(kind: AppointmentType | None) -> list[tuple[int, str]]:
    return [(p.id, p.full_name) for p in access.clinic_providers() if kind is None or p.role == kind.performer_role]


@bp.get("/patients/<int:patient_id>/plan")
@role_required(*CLINICAL_STAFF)
def plan(patient_id: int):
    patient = get_patient(patient_id)
    form = PlanForm(request.args)
    form.protocol.choices = [(p.id, p.name) for p in _protocols()]
    form.provider.choices = [(0, "Any provider")] + _provider_choices(None)
    booking, protocol, message = None, None, None
    if request.args.get("protocol") and form.validate():
        protocol = get_protocol(form.protocol.data)
        kind = _type_for(protocol)
        if kind is None:
            message = "No appointment type offers this protocol's procedure; an admin can add one."
        else:
            proposal = plan_series(
                current_user.clinic,
                protocol,
                kind,
                form.first.data,
                provider_id=form.provider.data or None,
                patient_id=patient.id,
            )
            booking = _booking_form(protocol, kind, proposal)
    record("series.plan", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return render_template(
        "scheduling/plan.html",
        patient=patient,
        form=form,
        booking=booking,
        protocol=protocol,
        message=message,
        windows=getattr(booking, "windows", None),
    )


def _booking_form(protocol: Protocol, kind: AppointmentType, proposal) -> SeriesBookingForm:
    zone = clinic_zone()
    rows = [
        {
            "starts_at": s.slot.starts_at.astimezone(zone).replace(tzinfo=None) if s.slot else None,
            "provider_id": s.slot.provider_id if s.slot else None,
        }
        for s in proposal
    ]
    form = SeriesBookingForm(formdata=None, protocol_id=protocol.id, appointment_type_id=kind.id, sessions=rows)
    _row_choices(form, kind)
    form.windows = [(s.earliest, s.latest, s.slot is not None) for s in proposal]
    return form


def _row_choices(form: SeriesBookingForm, kind: AppointmentType) -> None:
    for row in form.sessions:
        row.provider_id.choices = _provider_choices(kind)


@bp.post("/patients/<int:patient_id>/plan")
@role_required(*CLINICAL_STAFF)
def book_plan(patient_id: int):
    patient = get_patient(patient_id)
    form = SeriesBookingForm()
    protocol = get_protocol(request.form.get("protocol_id", type=int))
    kind = access.get_appointment_type(request.form.get("appointment_type_id", type=int))
    _row_choices(form, kind)
    error = None
    if form.validate_on_submit():
        try:
            zone = clinic_zone()
            sessions = [
                (to_utc(row.starts_at.data, zone), access.get_provider(row.provider_id.data)) for row in form.sessions
            ]
            series = book_series(current_user.clinic, patient, protocol, kind, sessions, by=current_user)
            flash(f"Series booked: {len(sessions)} sessions of {protocol.name}.", "success")
            for warning in dict.fromkeys(w for a in series.appointments for w in a.prep_warnings):
                flash(warning, "warning")
            return redirect(url_for("scheduling.patient_appointments", patient_id=patient.id, series=series.id))
        except (SchedulingError, ValueError) as refused:
            db.session.rollback()
            error = str(refused)
    plan_form = PlanForm(formdata=None, protocol=protocol.id)
    plan_form.protocol.choices = [(p.id, p.name) for p in _protocols()]
    plan_form.provider.choices = [(0, "Any provider")] + _provider_choices(None)
    return render_template(
        "scheduling/plan.html",
        patient=patient,
        form=plan_form,
        booking=form,
        protocol=protocol,
        message=error,
        windows=None,
    ), 422
