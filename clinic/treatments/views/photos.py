"""Adding a photo to a draft session (the photo pages themselves are the photos feature's)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.extensions import db
from clinic.photos.forms import PhotoForm
from clinic.roles import CLINICAL_STAFF
from clinic.treatments.access import get_session
from clinic.treatments.errors import SessionSigned
from clinic.treatments.services import add_session_photo
from clinic.treatments.views.blueprint import bp
from clinic.validation import Invalid


@bp.post("/treatments/<int:session_id>/photos")
@role_required(*CLINICAL_STAFF)
def upload_photo(session_id: int):
    session = get_session(session_id)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            add_session_photo(
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
