"""Consent pages: a patient's consents, signing on a staff tablet, viewing the frozen record, revoking;
and the admin's consent-form versions."""

from __future__ import annotations

import base64

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.consents import defaults, services  # noqa: F401 - defaults: a new clinic gets its consent forms
from clinic.consents.access import get_consent, get_consent_form
from clinic.consents.forms import ConsentFormVersionForm, RevokeConsentForm, SignConsentForm
from clinic.consents.models import SIGNATURE_METHODS, SIGNING_METHODS, Consent, ConsentForm
from clinic.db import now_utc
from clinic.extensions import db
from clinic.i18n import LANGUAGES, reader_language
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF, Role
from clinic.validation import Invalid, attach_problems

bp = Blueprint("consents", __name__)


@bp.get("/patients/<int:patient_id>/consents")
@role_required(*CLINICAL_STAFF)
def patient_consents(patient_id: int):
    patient = get_patient(patient_id)
    record("consent.list", patient_id=patient.id, object_type="patient", object_id=patient.id)
    consents = db.session.scalars(
        sa.select(Consent).where(Consent.patient_id == patient.id).order_by(Consent.signed_at.desc())
    ).all()
    return render_template(
        "consents/patient.html",
        patient=patient,
        consents=consents,
        methods=SIGNING_METHODS,
        signature_methods=SIGNATURE_METHODS,
        now=now_utc(),
        forms=services.current_forms(current_user.clinic_id, reader_language(patient)),
        languages=LANGUAGES,
    )


@bp.route("/patients/<int:patient_id>/consents/<int:form_id>/sign", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def sign(patient_id: int, form_id: int):
    patient = get_patient(patient_id)
    consent_form = get_consent_form(form_id)
    text = services.render_text(consent_form)
    form = SignConsentForm()
    if form.validate_on_submit():
        try:
            consent = services.sign_consent(
                patient,
                consent_form,
                signer_name=form.signer_name.data,
                signature_data_url=form.signature.data,
                signature_method=form.signature_method.data,
                typed_agreed=form.typed_agree.data,
                witness=current_user,
                ip=request.remote_addr,
                text_digest=form.text_digest.data or "",
            )
            flash(f"{consent.title} signed.", "success")
            return redirect(url_for("consents.patient_consents", patient_id=patient.id))
        except Invalid as problems:
            db.session.rollback()
            attach_problems(form, problems.problems)
    form.text_digest.data = services.digest(text)
    status = 422 if form.errors else 200
    return render_template(
        "consents/sign.html", patient=patient, consent_form=consent_form, text=text, form=form
    ), status


@bp.get("/consents/<int:consent_id>")
@role_required(*CLINICAL_STAFF)
def view(consent_id: int):
    consent = get_consent(consent_id)
    patient = get_patient(consent.patient_id)
    record("consent.view", patient_id=patient.id, object_type="consent", object_id=consent.id)
    signature = (
        "data:image/png;base64," + base64.b64encode(consent.signature_png).decode() if consent.signature_png else None
    )
    return render_template(
        "consents/view.html",
        consent=consent,
        patient=patient,
        signature=signature,
        signature_methods=SIGNATURE_METHODS,
        now=now_utc(),
        revoke_form=RevokeConsentForm(),
    )


@bp.post("/consents/<int:consent_id>/revoke")
@role_required(*CLINICAL_STAFF)
def revoke(consent_id: int):
    consent = get_consent(consent_id)
    form = RevokeConsentForm()
    if form.validate_on_submit():
        try:
            services.revoke_consent(consent, current_user, form.reason.data)
            flash("Consent revoked.", "success")
        except Invalid as problems:
            db.session.rollback()
            flash(" ".join(problems.problems.values()), "error")
    else:
        flash("Give a reason to revoke the consent.", "error")
    return redirect(url_for("consents.view", consent_id=consent_id))


@bp.get("/admin/consent-forms")
@role_required(Role.ADMIN)
def list_forms():
    forms = db.session.scalars(
        sa.select(ConsentForm)
        .where(ConsentForm.clinic_id == current_user.clinic_id)
        .order_by(ConsentForm.kind.desc(), ConsentForm.procedure_id, ConsentForm.version.desc())
    ).all()
    return render_template("consents/forms.html", forms=forms)


@bp.route("/admin/consent-forms/<int:form_id>/new-version", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_version(form_id: int):
    base = get_consent_form(form_id, active_only=False)
    form = ConsentFormVersionForm(obj=base)
    if form.validate_on_submit():
        version = services.publish_version(
            base,
            language=form.language.data,
            title=form.title.data,
            body=form.body.data,
            valid_months=form.valid_months.data,
        )
        flash(
            f"Published version {version.version} in {LANGUAGES[version.language]}. "
            "Signed consents keep the text they were signed with.",
            "success",
        )
        return redirect(url_for("consents.list_forms"))
    return render_template(
        "catalog/form.html",
        form=form,
        title=f"New version of “{base.title}”",
        back=url_for("consents.list_forms"),
    ), 422 if form.errors else 200
