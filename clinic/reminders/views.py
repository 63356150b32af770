"""The unsubscribe link from reminder e-mails: public, behind a signed token."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from clinic.access import public
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.preferences import opt_out
from clinic.reminders.tokens import patient_from_token

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """GET asks for confirmation (mail scanners follow links); POST stops routine reminders."""
    patient_id = patient_from_token(token)
    patient = db.session.get(Patient, patient_id) if patient_id is not None else None
    if patient is None:
        abort(404)
    if request.method == "POST":
        opt_out(patient.id)
        return render_template("reminders/unsubscribed.html")
    return render_template("reminders/unsubscribe.html", token=token)
