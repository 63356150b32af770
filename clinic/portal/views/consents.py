"""Consent signing in the patient portal: the patient's own consents and the forms still to sign, the sign
page (exact text, typed name, drawn signature) and the frozen record. Everything is the patient's own."""

from __future__ import annotations

import base64

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.access import deny, role_required
from clinic.audit.services import record
from clinic.consents import services
from clinic.consents.forms import PortalSignConsentForm
from clinic.consents.models import SIGNATURE_METHODS, SIGNING_METHODS, Consent
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.portal import consent_offers as portal
from clinic.portal.views.blueprint import bp
from clinic.roles import Role
from clinic.validation import Invalid, attach_problems


@bp.get("/consents")
@role_required(Role.PATIENT)
def consents():
    patient = get_patient(current_user.patient_id)
    record("consent.list", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="portal")
    now = now_utc()
    signed = portal.patient_consents(patient.id)
    return render_template(
        "portal/consents.html",
        patient=patient,
        consents=signed,
        needed=portal.needed_forms(patient, signed, now),
        standing=portal.standing,
        now=now,
    )


@bp.route("/consents/forms/<int:form_id>/sign", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def sign_consent(form_id: int):
    patient = get_patient(current_user.patient_id)
    consent_form = portal.signable_form(patient, form_id)
    if consent_form is None:
        deny(404, detail=f"consent form {form_id} not offered to this patient", patient_id=patient.id)
    text = services.render_text(consent_form)
    form = PortalSignConsentForm()
    if form.validate_on_submit():
        try:
            consent = services.sign_consent(
                patient,
                consent_form,
                signer_name=form.signer_name.data,
                signature_data_url=form.signature.data,
                signature_method=form.signature_method.data,
                typed_agreed=form.typed_agree.data,
                witness=None,
                ip=request.remote_addr,
                method="portal",
                text_digest=form.text_digest.data or "",
            )
            flash(_("Thank you. “%(title)s” is signed.", title=consent.title), "success")
            return redirect(url_for("portal.consents"))
        except Invalid as problems:
            db.session.rollback()
            attach_problems(form, problems.problems)
    else:
        record(
            "consent.form_view",
            patient_id=patient.id,
            object_type="consent_form",
            object_id=consent_form.id,
            detail="portal",
        )
    form.text_digest.data = services.digest(text)
    return render_template(
        "portal/consent_sign.html", consent_form=consent_form, text=text, form=form
    ), 422 if form.errors else 200


@bp.get("/consents/<int:consent_id>")
@role_required(Role.PATIENT)
def view_consent(consent_id: int):
    patient = get_patient(current_user.patient_id)
    consent = db.session.scalar(sa.select(Consent).where(Consent.id == consent_id, Consent.patient_id == patient.id))
    if consent is None:
        deny(404, detail=f"consent {consent_id} is not this patient's", patient_id=patient.id)
    record("consent.view", patient_id=patient.id, object_type="consent", object_id=consent.id, detail="portal")
    signature = (
        "data:image/png;base64," + base64.b64encode(consent.signature_png).decode() if consent.signature_png else None
    )
    return render_template(
        "portal/consent_view.html",
        consent=consent,
        signature=signature,
        signature_methods=SIGNATURE_METHODS,
        signing_methods=SIGNING_METHODS,
        standing=portal.standing(consent, now_utc()),
        standings=portal.STANDINGS,
    )
