"""Public endpoints of the reminders: the unsubscribe link from e-mails, and the SMS provider's webhooks.

The unsubscribe link is behind a signed token naming the patient and the topic it stops. The webhooks are
public on purpose and authenticate by the provider's request signature (CSRF-exempt for that reason).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import public, role_required
from clinic.audit.services import record
from clinic.extensions import csrf, db
from clinic.patients.access import get_patient
from clinic.patients.chart import ChartSection, register_chart_section
from clinic.patients.models import Patient
from clinic.reminders.forms import StaffContactForm, choices_form
from clinic.reminders.kinds import TOPICS, topics
from clinic.reminders.preferences import get_preferences, opt_out, save_preferences
from clinic.reminders.tokens import read_token
from clinic.reminders.webhooks import inbound_sms, status_update, verify_signature
from clinic.roles import Role

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """GET asks for confirmation (mail scanners follow links); POST stops the topic the e-mail was about."""
    found = read_token(token)
    patient = db.session.get(Patient, found[0]) if found else None
    topic = TOPICS.get(found[1]) if found else None
    if patient is None or topic is None:
        abort(404)
    if request.method == "POST":
        opt_out(patient.id, topic.name)
        return render_template("reminders/unsubscribed.html", topic=topic)
    return render_template("reminders/unsubscribe.html", token=token, topic=topic)


@bp.post("/sms/status")
@public
@csrf.exempt
def sms_status():
    """Delivery status callback (MessageSid, MessageStatus) from the SMS provider."""
    if not verify_signature(request):
        abort(403)
    status_update(
        request.form.get("MessageSid", ""), request.form.get("MessageStatus", ""), request.form.get("ErrorCode")
    )
    return "", 204


@bp.post("/sms/inbound")
@public
@csrf.exempt
def sms_inbound():
    """A reply to our number: STOP/START (and their synonyms) change the sender's SMS permission."""
    if not verify_signature(request):
        abort(403)
    inbound_sms(request.form.get("From", ""), request.form.get("Body", ""))
    return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', 200, {"Content-Type": "text/xml"}


@bp.route("/patients/<int:patient_id>/contact", methods=["GET", "POST"])
@role_required(Role.DERMATOLOGIST, Role.AESTHETICIAN)
def contact_consent(patient_id: int):
    """Staff record how a patient agreed to be contacted (for patients without a portal account too)."""
    patient = get_patient(patient_id)
    prefs = get_preferences(patient)
    form = choices_form(StaffContactForm, "Record contact consent")()
    if request.method == "GET":
        form.fill_choices(prefs)
    if form.validate_on_submit():
        save_preferences(patient, form.apply_choices(prefs), user=current_user, source="staff")
        flash("Contact consent recorded.", "success")
        return redirect(url_for("patients.chart", patient_id=patient.id, _anchor="reminders"))
    record("reminders.preferences_view", patient_id=patient.id, object_type="reminder_preference", object_id=patient.id)
    html = render_template("reminders/contact_consent.html", form=form, patient=patient)
    return html, 422 if form.errors else 200


def _chart_context(patient: Patient) -> dict:
    return {"prefs": get_preferences(patient), "topics": topics()}


register_chart_section(ChartSection("reminders/_chart_contact.html", order=60, context=_chart_context))
