"""The waitlist (staff): add a patient for a treatment and date range, see freed-slot matches, remove."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF
from clinic.scheduling import access, waitlist
from clinic.scheduling.access import get_waitlist_entry
from clinic.scheduling.audit import record_viewed
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.forms import LOCAL_FORMAT, WaitlistForm

bp = Blueprint("waitlist", __name__, url_prefix="/schedule")


@bp.get("/waitlist")
@role_required(*CLINICAL_STAFF)
def entries():
    found = waitlist.waiting(current_user.clinic_id, clinic_today())
    record_viewed("waitlist.view", {e.patient_id for e in found}, "waitlist")
    html = render_template("scheduling/waitlist.html", entries=found, local_format=LOCAL_FORMAT)
    return html


@bp.route("/patients/<int:patient_id>/waitlist", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def add(patient_id: int):
    patient = get_patient(patient_id)
    form = WaitlistForm()
    form.appointment_type_id.choices = [(t.id, t.name) for t in access.clinic_types()]
    if form.validate_on_submit():
        try:
            waitlist.add_entry(
                patient,
                access.get_appointment_type(form.appointment_type_id.data),
                form.earliest.data,
                form.latest.data,
                today=clinic_today(),
                by=current_user,
            )
            flash(f"{patient.full_name} is on the waitlist.", "success")
            return redirect(url_for("waitlist.entries"))
        except SchedulingError as error:
            db.session.rollback()
            form.latest.errors.append(str(error))
    status = 422 if form.errors else 200
    record(
        "patient.view",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        detail="waitlist form",
    )
    return render_template("scheduling/waitlist_add.html", patient=patient, form=form), status


@bp.post("/waitlist/<int:entry_id>/remove")
@role_required(*CLINICAL_STAFF)
def remove(entry_id: int):
    entry = get_waitlist_entry(entry_id)
    waitlist.remove(entry, by=current_user)
    flash("Removed from the waitlist.", "success")
    return redirect(url_for("waitlist.entries"))
