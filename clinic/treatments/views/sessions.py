"""Treatment pages: a patient's treatments and scores, check-in (pre-check), the session record, signing,
amendments. Thin: scoped lookup → form → service → one commit → redirect."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import deny, role_required
from clinic.audit.services import record
from clinic.catalog.models import Procedure, Product
from clinic.catalog.stock import stock_warnings, usable_lots
from clinic.clinics.services import clinic_today
from clinic.consents.services import ConsentMissing, require_treatment_consent, valid_treatment_consents
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.patients.chart import ChartSection, register_chart_section
from clinic.roles import CLINICAL_STAFF, Role
from clinic.treatments import precheck as pre
from clinic.treatments.access import get_session
from clinic.treatments.charts import charts_for
from clinic.treatments.errors import SessionSigned, StaleSession
from clinic.treatments.forms import (
    AmendForm,
    PrecheckForm,
    ScoreForm,
    SessionForm,
    SignForm,
    precheck_form_with_overrides,
)
from clinic.treatments.hooks import AppointmentStart, appointment_start
from clinic.treatments.models import OutcomeScore, TreatmentSession
from clinic.treatments.scores import record_score
from clinic.treatments.services import save_session
from clinic.treatments.signing import NotAllowed, amend_session, sign_session
from clinic.treatments.view_helpers import (
    details_from_form,
    fill_session_form,
    score_inputs,
    session_page_context,
    setup_session_form,
)
from clinic.treatments.views.blueprint import bp
from clinic.validation import Invalid, attach_problems

register_chart_section(ChartSection("treatments/_chart_section.html", order=22))
STALE = "Someone else saved or signed this session meanwhile. Reload it and make your change again."


def _precheck_choices(form: PrecheckForm) -> None:
    clinic_id = current_user.clinic_id
    form.procedure_id.choices = [
        (p.id, p.name)
        for p in db.session.scalars(
            sa.select(Procedure)
            .where(Procedure.clinic_id == clinic_id, Procedure.active)
            .order_by(Procedure.name)
        )
    ]
    form.product_ids.choices = [
        (p.id, p.display_name)
        for p in db.session.scalars(
            sa.select(Product)
            .where(Product.clinic_id == clinic_id, Product.active, Product.use.in_(("in_office", "both")))
            .order_by(Product.brand, Product.name)
        )
    ]


@bp.get("/patients/<int:patient_id>/treatments")
@role_required(*CLINICAL_STAFF)
def patient_treatments(patient_id: int):
    patient = get_patient(patient_id)
    form = ScoreForm(recorded_on=clinic_today()) if current_user.role == Role.DERMATOLOGIST else None
    return _patient_page(patient, form)


def _patient_page(patient, score_form: ScoreForm | None, status: int = 200):
    record("treatment.list", patient_id=patient.id, object_type="patient", object_id=patient.id)
    sessions = db.session.scalars(
        sa.select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient.id)
        .options(selectinload(TreatmentSession.procedure), selectinload(TreatmentSession.provider))
        .order_by(TreatmentSession.started_at.desc())
    ).all()
    scores = db.session.scalars(
        sa.select(OutcomeScore)
        .where(OutcomeScore.patient_id == patient.id)
        .order_by(OutcomeScore.recorded_on, OutcomeScore.id)
    ).all()
    return render_template(
        "treatments/patient.html",
        patient=patient,
        sessions=sessions,
        scores=scores,
        charts=charts_for(scores),
        score_form=score_form,
    ), status


@bp.route("/patients/<int:patient_id>/treatments/new", methods=["GET", "POST"])
@role_required(Role.DERMATOLOGIST)
def precheck(patient_id: int):
    patient = get_patient(patient_id)
    appointment = _appointment_arg(patient)
    if appointment is not None and (detour := _appointment_detour(appointment)):
        return detour
    form = PrecheckForm(procedure_id=appointment.procedure_id) if appointment else PrecheckForm()
    _precheck_choices(form)
    findings, blocked, consent_missing = [], False, None
    if form.validate_on_submit() and _procedure_matches(form, appointment):
        procedure = db.session.get(Procedure, form.procedure_id.data)
        products = [db.session.get(Product, pid) for pid in form.product_ids.data or []]
        try:
            pre.confirm_history(patient, current_user)
            findings = pre.screen(patient, products, clinic_today())
        except pre.NoHistory:
            flash("This patient has no medical history on file; record it before a treatment.", "error")
            return render_template("treatments/precheck.html", patient=patient, form=form, findings=[]), 422
        consent_missing = _consent_problem(patient, procedure)
        form = precheck_form_with_overrides(findings)()
        _precheck_choices(form)
        blocked = any(f.is_hard_stop for f in findings) or consent_missing is not None
        reasons_ok = form.validate()
        if blocked:
            codes = [f.code for f in findings if f.is_hard_stop] + (["consent"] if consent_missing else [])
            record(
                "treatment.precheck_blocked",
                patient_id=patient.id,
                outcome="failure",
                detail=", ".join(codes),
            )
        elif reasons_ok:
            reasons = {f.code: form[f"override_{f.code}"].data for f in findings if not f.is_hard_stop}
            try:
                session = pre.start_session(
                    patient, procedure, products, current_user, reasons, clinic_today(),
                    appointment_id=appointment.id if appointment else None,
                )
                db.session.flush()
            except sa.exc.IntegrityError:  # another dermatologist started from this appointment meanwhile
                db.session.rollback()
                return _appointment_detour(appointment) or redirect(
                    url_for("scheduling.appointment", appointment_id=appointment.id)
                )
            flash("Pre-check passed. The session is open as a draft.", "success")
            return redirect(url_for("treatments.edit_session", session_id=session.id))
    else:
        record("treatment.precheck_view", patient_id=patient.id, object_type="patient", object_id=patient.id)
    status = 422 if form.errors or blocked else 200
    return render_template(
        "treatments/precheck.html",
        patient=patient,
        form=form,
        findings=findings,
        blocked=blocked,
        consent_missing=consent_missing,
        consents=valid_treatment_consents(patient.id, now_utc()),
        appointment=appointment,
    ), status


def _appointment_arg(patient) -> AppointmentStart | None:
    """The appointment named by ?appointment=: in the user's clinic and of this patient, else 404."""
    if "appointment" not in request.args:
        return None
    appointment_id = request.args.get("appointment", type=int)
    if appointment_id is None:
        deny(404, detail="malformed appointment id", patient_id=patient.id)
    appointment = appointment_start(appointment_id)
    if appointment.patient_id != patient.id:
        deny(404, detail=f"appointment {appointment_id} is not patient {patient.id}'s", patient_id=patient.id)
    return appointment


def _appointment_detour(appointment: AppointmentStart):
    """Where to go instead of the pre-check: the session already started from it, or back to the
    appointment when no session can start from it. None when the pre-check may go ahead."""
    existing = db.session.scalar(sa.select(TreatmentSession).where(TreatmentSession.appointment_id == appointment.id))
    if existing is not None:
        flash("A session was already started from this appointment.", "info")
        return redirect(url_for("treatments.view_session", session_id=existing.id))
    if appointment.problem:
        flash(appointment.problem, "error")
        return redirect(url_for("scheduling.appointment", appointment_id=appointment.id))
    return None


def _procedure_matches(form: PrecheckForm, appointment: AppointmentStart | None) -> bool:
    """A session started from an appointment is for the appointment's procedure."""
    if appointment is None or form.procedure_id.data == appointment.procedure_id:
        return True
    form.procedure_id.errors = [*form.procedure_id.errors, f"This appointment is for {appointment.procedure_name}."]
    return False


def _consent_problem(patient, procedure) -> ConsentMissing | None:
    try:
        require_treatment_consent(patient, procedure, now_utc())
    except ConsentMissing as missing:
        return missing
    return None


@bp.get("/treatments/<int:session_id>")
@role_required(*CLINICAL_STAFF)
def view_session(session_id: int):
    session = get_session(session_id)
    record(
        "treatment.view", patient_id=session.patient_id, object_type="treatment_session", object_id=session.id
    )
    session = get_session(session_id)  # reload with its rows: the commit expired them
    return render_template("treatments/session.html", **session_page_context(session))


@bp.route("/treatments/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(Role.DERMATOLOGIST)
def edit_session(session_id: int):
    session = get_session(session_id)
    if session.is_signed:
        flash(str(SessionSigned()), "warning")
        return redirect(url_for("treatments.view_session", session_id=session.id))
    form = SessionForm()
    setup_session_form(form, session)
    if form.validate_on_submit():
        try:
            save_session(
                session,
                details_from_form(form),
                loaded_version=int(form.version.data or 0),
                user=current_user,
            )
            flash("Session saved.", "success")
            return redirect(url_for("treatments.view_session", session_id=session.id))
        except Invalid as problems:
            db.session.rollback()
            attach_problems(form, problems.problems)
        except StaleSession:
            db.session.rollback()
            flash(STALE, "error")
    elif not form.is_submitted():
        fill_session_form(form, session)
    record(
        "treatment.view", patient_id=session.patient_id, object_type="treatment_session", object_id=session.id
    )
    session = get_session(session_id)
    lots = usable_lots(session.clinic_id, clinic_today())
    warnings = stock_warnings(session.clinic_id, clinic_today())
    return render_template(
        "treatments/edit.html", session=session, form=form, usable_lots=lots, stock_warnings=warnings
    ), 422 if form.errors else 200


@bp.post("/treatments/<int:session_id>/sign")
@role_required(Role.DERMATOLOGIST)
def sign(session_id: int):
    session = get_session(session_id)
    form = SignForm()
    if form.validate_on_submit():
        try:
            note = sign_session(session, current_user, loaded_version=int(form.version.data or 0))
            flash("Session signed. It is now read-only; corrections are amendments.", "success")
            if note:
                flash(note, "warning")
        except SessionSigned as error:
            db.session.rollback()
            flash(str(error), "warning")
        except StaleSession:
            db.session.rollback()
            flash(
                "Not signed: the session was changed or signed by someone else meanwhile. "
                "Review it and sign again if needed.",
                "error",
            )
        except (Invalid, NotAllowed) as error:
            db.session.rollback()
            flash(
                "Not signed: "
                + (" ".join(error.problems.values()) if isinstance(error, Invalid) else str(error)),
                "error",
            )
    return redirect(url_for("treatments.view_session", session_id=session_id))


@bp.post("/treatments/<int:session_id>/amend")
@role_required(Role.DERMATOLOGIST)
def amend(session_id: int):
    session = get_session(session_id)
    form = AmendForm()
    if form.validate_on_submit():
        try:
            amend_session(
                session,
                current_user,
                field=form.field.data,
                new_value=form.new_value.data,
                reason=form.reason.data,
            )
            flash("Amendment added.", "success")
            return redirect(url_for("treatments.view_session", session_id=session.id))
        except Invalid as problems:
            db.session.rollback()
            attach_problems(form, problems.problems)
    session = get_session(session_id)
    return render_template("treatments/session.html", **session_page_context(session, amend_form=form)), 422


@bp.post("/patients/<int:patient_id>/scores")
@role_required(Role.DERMATOLOGIST)
def add_score(patient_id: int):
    patient = get_patient(patient_id)
    form = ScoreForm()
    if form.validate_on_submit():
        try:
            raw_value, components = score_inputs(form)
            record_score(
                patient,
                current_user,
                scale_code=form.scale.data,
                checkpoint=form.checkpoint.data,
                recorded_on=form.recorded_on.data,
                today=clinic_today(),
                raw_value=raw_value,
                components=components,
            )
            flash("Score recorded.", "success")
            return redirect(url_for("treatments.patient_treatments", patient_id=patient.id) + "#scores")
        except Invalid as problems:
            db.session.rollback()
            attach_problems(form, problems.problems)
    return _patient_page(patient, form, 422)
