"""Portal aftercare check-ins: the day 1/3/7 form, the red-flag instruction to call, and the patient's photos."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.checkins.access import get_aftercare_record, get_patient_photo
from clinic.checkins.forms import CheckinForm
from clinic.checkins.services import Answers, check_open, checkins_for, find_checkin, submit_checkin, treatment_day
from clinic.db import now_utc
from clinic.patients.access import get_patient
from clinic.photos import storage
from clinic.portal.views.blueprint import bp
from clinic.roles import Role
from clinic.validation import Invalid, attach_problems

SCALP_KINDS = ("scalp_topical", "scalp_injection")


@bp.get("/checkins")
@role_required(Role.PATIENT)
def checkins():
    patient = get_patient(current_user.patient_id)
    rows = checkins_for(patient, now_utc())
    record("checkin.list", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return render_template("portal/checkins.html", rows=rows)


@bp.route("/checkins/<int:aftercare_id>/day/<int:day>", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def checkin(aftercare_id: int, day: int):
    """The form until answered; afterwards the answer, with the call-the-clinic instruction on a red flag."""
    patient = get_patient(current_user.patient_id)
    record_ = get_aftercare_record(aftercare_id)
    answer = find_checkin(record_.id, day)
    context = dict(record=record_, day=day, started=treatment_day(record_, patient), clinic=current_user.clinic)
    if answer is not None:
        record("checkin.view", patient_id=patient.id, object_type="aftercare_checkin", object_id=answer.id)
        return render_template("portal/checkin_answer.html", answer=answer, **context)
    now = now_utc()
    try:
        check_open(record_, patient, day, now)
    except Invalid:
        flash(_("This check-in is not open: it is not due yet or it has closed."), "warning")
        return redirect(url_for(".checkins"))
    form = CheckinForm()
    if request.method == "GET" and record_.procedure.kind in SCALP_KINDS:
        form.view.data = "scalp_vertex"
    if form.validate_on_submit():
        try:
            answer, _created = submit_checkin(
                patient,
                record_,
                day,
                _answers(form),
                by=current_user,
                now=now,
                upload=form.photo.data,
                view=form.view.data,
            )
            return redirect(url_for(".checkin", aftercare_id=record_.id, day=day))
        except Invalid as error:
            if "photo" in error.problems or "view" in error.problems:
                error = Invalid(
                    {"photo": _("This photo could not be used. Send a JPEG, PNG or WebP photo up to 10 MB.")}
                )
            attach_problems(form, error.problems)
    return render_template("portal/checkin.html", form=form, **context), 422 if form.errors else 200


def _answers(form: CheckinForm) -> Answers:
    return Answers(
        redness=form.redness.data,
        swelling=form.swelling.data,
        pain=form.pain.data,
        itch=form.itch.data,
        fever=form.fever.data == "yes",
        pus=form.pus.data == "yes",
        spreading_redness=form.spreading_redness.data == "yes",
        note=form.note.data,
    )


@bp.get("/photos/<int:photo_id>")
@role_required(Role.PATIENT)
def photo(photo_id: int):
    """A photo staff shared with the patient, or one the patient sent with a check-in."""
    shown = get_patient_photo(photo_id, current_user)
    record("photo.view", patient_id=shown.patient_id, object_type="photo", object_id=shown.id, detail="portal")
    response = send_file(storage.photo_dir() / shown.storage_name, mimetype="image/jpeg", max_age=0, etag=shown.sha256)
    response.headers["Cache-Control"] = "private, no-store"
    return response
