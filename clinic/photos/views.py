"""Photo pages: upload to a draft session, the access-checked image view, and side-by-side comparison."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from clinic.access import deny, role_required
from clinic.audit.services import record
from clinic.patients.access import get_patient
from clinic.photos import storage
from clinic.photos.access import get_photo
from clinic.photos.forms import ShareForm
from clinic.photos.models import STANDARD_VIEWS
from clinic.photos.services import has_photo_consent, patient_photos, photo_notes, share_with_patient
from clinic.roles import CLINICAL_STAFF

bp = Blueprint("photos", __name__)


@bp.get("/photos/<int:photo_id>")
@role_required(*CLINICAL_STAFF)
def image(photo_id: int):
    photo = get_photo(photo_id)
    record("photo.view", patient_id=photo.patient_id, object_type="photo", object_id=photo.id)
    response = send_file(storage.photo_dir() / photo.storage_name, mimetype="image/jpeg", max_age=0, etag=photo.sha256)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/patients/<int:patient_id>/photos")
@role_required(*CLINICAL_STAFF)
def compare(patient_id: int):
    """All photos by view; `?left=<id>&right=<id>` shows two of the same view side by side."""
    patient = get_patient(patient_id)
    pair = []
    for key in ("left", "right"):
        photo_id = request.args.get(key, type=int)
        if photo_id is not None:
            photo = get_photo(photo_id)
            if photo.patient_id != patient.id:
                deny(404, detail=f"photo {photo_id} is not this patient's", patient_id=patient.id)
            pair.append(photo)
    if len(pair) == 2 and pair[0].view != pair[1].view:
        flash("Compare two photos of the same view.", "warning")
        pair = []
    record("photo.list", patient_id=patient.id, object_type="patient", object_id=patient.id)
    grouped = patient_photos(patient.id)
    return render_template(
        "photos/compare.html",
        patient=patient,
        grouped=grouped,
        pair=pair,
        views=STANDARD_VIEWS,
        photo_consent=has_photo_consent(patient.id),
        notes=photo_notes(patient.id),
    )


@bp.post("/photos/<int:photo_id>/share")
@role_required(*CLINICAL_STAFF)
def share(photo_id: int):
    """Show a photo to the patient on their progress page, or stop showing it."""
    photo = get_photo(photo_id)
    form = ShareForm()
    if form.validate_on_submit():
        shared = form.shared.data == "1"
        share_with_patient(photo, shared, by=current_user)
        flash("Shared with the patient." if shared else "No longer shared with the patient.", "success")
    return redirect(url_for("photos.compare", patient_id=photo.patient_id))
