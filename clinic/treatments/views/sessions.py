"""The session pages: a patient's treatments and scores, the session record (view, edit), signing and
amendments. Thin: scoped lookup → form → service → redirect; the request commits once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.audit.services import record
from clinic.catalog.stock import stock_warnings, usable_lots
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF, Role
from clinic.treatments.access import get_session
from clinic.treatments.amendments import amend_session
from clinic.treatments.charts import charts_for
from clinic.treatments.errors import SessionSigned, StaleSession
from clinic.treatments.forms import AmendForm, ScoreForm, SessionForm, SignForm
from clinic.treatments.models import OutcomeScore, TreatmentSession
from clinic.treatments.scores import record_score
from clinic.treatments.services import save_session
from clinic.treatments.signing import NotAllowed, sign_session
from clinic.treatments.view_helpers import (
    details_from_form,
    fill_session_form,
    score_inputs,
    session_page_context,
    setup_amend_form,
    setup_session_form,
)
from clinic.treatments.views.blueprint import bp
from clinic.treatments.views.common import STALE
from clinic.validation import Invalid, attach_problems


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


@bp.get("/treatments/<int:session_id>")
@role_required(*CLINICAL_STAFF)
def view_session(session_id: int):
    session = get_session(session_id)
    record("treatment.view", patient_id=session.patient_id, object_type="treatment_session", object_id=session.id)
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
    if form.is_submitted() and form.add_requested_row():
        pass  # "more rows" (works without JavaScript): the page again with what was typed, nothing saved
    elif form.validate_on_submit():
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
    record("treatment.view", patient_id=session.patient_id, object_type="treatment_session", object_id=session.id)
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
                "Not signed: " + (" ".join(error.problems.values()) if isinstance(error, Invalid) else str(error)),
                "error",
            )
    return redirect(url_for("treatments.view_session", session_id=session_id))


@bp.post("/treatments/<int:session_id>/amend")
@role_required(Role.DERMATOLOGIST)
def amend(session_id: int):
    session = get_session(session_id)
    form = setup_amend_form(AmendForm(), session)
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
        except NotAllowed as error:
            db.session.rollback()
            flash(str(error), "error")
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
