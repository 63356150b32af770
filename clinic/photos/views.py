"""Photo pages: upload to a draft session, the access-checked image view, and side-by-side comparison."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from clinic.access import deny, role_required
from clinic.audit.services import record
from clinic.auth.roles import CLINICAL_STAFF
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.photos import storage
from clinic.photos.forms import PhotoForm
from clinic.photos.models import STANDARD_VIEWS, Photo
from clinic.photos.services import add_photo, has_photo_consent, patient_photos
from clinic.treatments.access import get_session
from clinic.treatments.errors import Invalid, SessionSigned

bp = Blueprint("photos", __name__)


def _get_photo(photo_id: int) -> Photo:
    photo = db.session.scalar(
        sa.select(Photo).where(Photo.id == photo_id, Photo.clinic_id == current_user.clinic_id)
    )
    if photo is None:
        deny(404, detail=f"photo {photo_id} out of scope")
    return photo


@bp.post("/treatments/<int:session_id>/photos")
@role_required(*CLINICAL_STAFF)
def upload(session_id: int):
    session = get_session(session_id)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            add_photo(
                session,
                current_user,
                upload=form.photo.data or request.files.get("photo"),
                view=form.view.data,
                phase=form.phase.data,
            )
            flash("Photo added.", "success")
        except SessionSigned as error:
            db.session.rollback()
            flash(str(error), "warning")
        except Invalid as problems:
            db.session.rollback()
            flash("The photo was not added: " + " ".join(problems.problems.values()), "error")
    else:
        flash("The photo was not added: choose a view, a phase and a file.", "error")
    return redirect(url_for("treatments.view_session", session_id=session.id) + "#photos")


@bp.get("/photos/<int:photo_id>")
@role_required(*CLINICAL_STAFF)
def image(photo_id: int):
    photo = _get_photo(photo_id)
    record("photo.view", patient_id=photo.patient_id, object_type="photo", object_id=photo.id)
    response = send_file(
        storage.photo_dir() / photo.storage_name, mimetype="image/jpeg", max_age=0, etag=photo.sha256
    )
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
            photo = _get_photo(photo_id)
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
    )
