"""Staff management of calendar-feed addresses: a patient's feed, and each provider's own feed."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF
from clinic.scheduling import feeds
from clinic.urls import external_url

bp = Blueprint("staff_feeds", __name__, url_prefix="/schedule")


@bp.post("/patients/<int:patient_id>/feed")
@role_required(*CLINICAL_STAFF)
def create_patient_feed(patient_id: int):
    """A new calendar feed for the patient (the old address stops working); the address is shown once."""
    patient = get_patient(patient_id)
    token = feeds.create_feed(current_user.clinic_id, patient_id=patient.id)
    record("calendar.feed_create", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return render_template(
        "scheduling/feed_created.html",
        owner=patient.full_name,
        url=external_url("calendar_feeds.feed", token=token),
        back=url_for("scheduling.patient_appointments", patient_id=patient.id),
    )


@bp.post("/patients/<int:patient_id>/feed/revoke")
@role_required(*CLINICAL_STAFF)
def revoke_patient_feed(patient_id: int):
    patient = get_patient(patient_id)
    feeds.revoke_feeds(current_user.clinic_id, patient_id=patient.id)
    record("calendar.feed_revoke", patient_id=patient.id, object_type="patient", object_id=patient.id)
    flash("The calendar feed address no longer works.", "success")
    return redirect(url_for("scheduling.patient_appointments", patient_id=patient.id))


@bp.post("/my-feed")
@role_required(*CLINICAL_STAFF)
def create_my_feed():
    token = feeds.create_feed(current_user.clinic_id, provider_id=current_user.id)
    record("calendar.feed_create", object_type="user", object_id=current_user.id)
    return render_template(
        "scheduling/feed_created.html",
        owner=current_user.full_name,
        url=external_url("calendar_feeds.feed", token=token),
        back=url_for("scheduling.week", provider=current_user.id),
    )


@bp.post("/my-feed/revoke")
@role_required(*CLINICAL_STAFF)
def revoke_my_feed():
    feeds.revoke_feeds(current_user.clinic_id, provider_id=current_user.id)
    record("calendar.feed_revoke", object_type="user", object_id=current_user.id)
    flash("Your calendar feed address no longer works.", "success")
    return redirect(url_for("scheduling.week", provider=current_user.id))
