"""Check-in: the pre-check page (history re-confirmed, contraindication rules, consent, override reasons),
started from a patient's chart or from an appointment."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import deny, role_required
from clinic.audit.services import record
from clinic.catalog.models import Procedure, Product
from clinic.catalog.rules import missing_overrides
from clinic.clinics.services import clinic_today
from clinic.consents.services import ConsentMissing, require_treatment_consent, valid_treatment_consents
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.roles import Role
from clinic.treatments import precheck as pre
from clinic.treatments.forms import PrecheckForm, precheck_form_with_overrides
from clinic.treatments.hooks import AppointmentStart, appointment_start
from clinic.treatments.models import TreatmentSession
from clinic.treatments.views.blueprint import bp


def _precheck_choices(form: PrecheckForm) -> None:
    clinic_id = current_user.clinic_id
    form.procedure_id.choices = [
        (p.id, p.name)
        for p in db.session.scalars(
            sa.select(Procedure).where(Procedure.clinic_id == clinic_id, Procedure.active).order_by(Procedure.name)
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
        blocked = any(f.is_hard_stop for f in findings) or consent_missing is not None
        if blocked:
            # Nothing can start: no override fields and no "Start the session", only a re-run.
            codes = [f.code for f in findings if f.is_hard_stop] + (["consent"] if consent_missing else [])
            record(
                "treatment.precheck_blocked",
                patient_id=patient.id,
                outcome="failure",
                detail=", ".join(codes),
            )
            form.submit.label.text = "Run the pre-check again"
        else:
            shown = form.shown_codes()
            form = precheck_form_with_overrides(findings, shown)()
            _precheck_choices(form)
            reasons = {f.code: form[f"override_{f.code}"].data for f in findings if not f.is_hard_stop}
            form.shown_warnings.data = ",".join(reasons)
            if form.validate() and not missing_overrides(findings, reasons):
                try:
                    session = pre.start_session(
                        patient,
                        procedure,
                        products,
                        current_user,
                        reasons,
                        clinic_today(),
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
