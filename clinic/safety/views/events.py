"""Adverse events: recording one for a session, classifying a patient's problem report as one, the clinic's
list, and the MedWatch Form 3500 summary as a print page and PDF (dermatologists; every view audited)."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.clinics.services import clinic_today, clinic_zone
from clinic.interop.documents.pdf import render_pdf
from clinic.roles import Role
from clinic.routines.access import get_problem_report
from clinic.safety import events as services
from clinic.safety.access import get_event
from clinic.safety.forms import AdverseEventForm
from clinic.safety.medwatch import medwatch_document
from clinic.safety.views.blueprint import bp
from clinic.treatments.access import get_session
from clinic.validation import Invalid, attach_problems


def _lot_label(use) -> str:
    return f"{use.product.display_name}, lot {use.lot.lot_number}"


def _event_form(patient_id: int, session=None) -> tuple[AdverseEventForm, dict]:
    sessions = {s.id: s for s in services.patient_sessions(patient_id)}
    form = AdverseEventForm()
    zone = clinic_zone()
    form.session_id.choices = [(0, "No session")] + [
        (s.id, f"{s.started_at.astimezone(zone):%d %b %Y} · {s.procedure.name}") for s in sessions.values()
    ]
    form.lot_ids.choices = [(u.lot_id, _lot_label(u)) for s in sessions.values() for u in s.products]
    form.lot_ids.choices = list(dict(form.lot_ids.choices).items())
    if not form.is_submitted():
        form.onset_on.data = clinic_today()
        if session is not None:
            form.session_id.data = session.id
            form.lot_ids.data = [u.lot_id for u in session.products]
    return form, sessions


def _save(form: AdverseEventForm, sessions: dict, patient, report=None):
    if not form.validate_on_submit():
        return None
    try:
        event = services.record_event(
            patient,
            session=sessions.get(form.session_id.data),
            description=form.description.data,
            onset_on=form.onset_on.data,
            seriousness=form.seriousness.data,
            outcome=form.outcome.data,
            action_taken=form.action_taken.data,
            lot_ids=form.lot_ids.data or [],
            by=current_user,
            report=report,
        )
    except Invalid as problems:
        attach_problems(form, problems.problems)
        return None
    flash("Adverse event recorded.", "success")
    return redirect(url_for("safety.event_list", _anchor=f"event-{event.id}"))


@bp.route("/sessions/<int:session_id>/adverse-event", methods=["GET", "POST"])
@role_required(Role.DERMATOLOGIST)
def new_event(session_id: int):
    session = get_session(session_id)
    form, sessions = _event_form(session.patient_id, session)
    if (done := _save(form, sessions, session.patient)) is not None:
        return done
    page = render_template("safety/event_form.html", form=form, patient=session.patient, report=None)
    return page, 422 if form.errors else 200


@bp.route("/problems/<int:report_id>/adverse-event", methods=["GET", "POST"])
@role_required(Role.DERMATOLOGIST)
def classify_report(report_id: int):
    """A patient's "report a problem", classified by a dermatologist as an adverse event."""
    report = get_problem_report(report_id)
    form, sessions = _event_form(report.patient_id)
    if not form.is_submitted():
        form.description.data = report.message
        form.onset_on.data = report.reported_at.astimezone(clinic_zone()).date()
    if (done := _save(form, sessions, report.patient, report)) is not None:
        return done
    record("problem.view", patient_id=report.patient_id, object_type="problem_report", object_id=report.id)
    page = render_template("safety/event_form.html", form=form, patient=report.patient, report=report)
    return page, 422 if form.errors else 200


@bp.get("/adverse-events")
@role_required(Role.DERMATOLOGIST)
def event_list():
    events = services.clinic_events(current_user.clinic_id)
    for event in events:
        record("adverse_event.view", patient_id=event.patient_id, object_type="adverse_event", object_id=event.id)
    return render_template("safety/events.html", events=events)


def _medwatch(event_id: int, kind: str):
    event = get_event(event_id)
    record(
        "document.download",
        patient_id=event.patient_id,
        object_type="adverse_event",
        object_id=event.id,
        detail=f"medwatch {kind}",
    )
    return medwatch_document(event)


@bp.get("/adverse-events/<int:event_id>/medwatch")
@role_required(Role.DERMATOLOGIST)
def medwatch(event_id: int):
    document = _medwatch(event_id, "html")
    pdf_url = url_for("safety.medwatch_pdf", event_id=event_id)
    return render_template("documents/print.html", document=document, pdf_url=pdf_url, signature=None)


@bp.get("/adverse-events/<int:event_id>/medwatch.pdf")
@role_required(Role.DERMATOLOGIST)
def medwatch_pdf(event_id: int):
    document = _medwatch(event_id, "pdf")
    return send_file(
        io.BytesIO(render_pdf(document)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{document.file_stem}.pdf",
    )
