"""The patient's own waitlist in the portal: join for a treatment and date range, see entries, leave.

Dates are the clinic's calendar dates, the ones freed slots are matched on. A patient joins for at most
`waitlist.PORTAL_MAX_RANGE_DAYS` days, starting today or later, the end on or after the start (a single
day is a fair wish: "any time on Friday"). When a time opens up, the patient is e-mailed
(`waitlist_match`) and staff see the match on their waitlist page.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.portal.views.blueprint import bp
from clinic.roles import Role
from clinic.scheduling import access
from clinic.scheduling import waitlist as waitlist_service
from clinic.scheduling.access import get_waitlist_entry
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.forms import PortalWaitlistForm
from clinic.scheduling.models import WaitlistEntry


def _form() -> PortalWaitlistForm:
    form = PortalWaitlistForm()
    form.appointment_type_id.choices = [(t.id, t.procedure.name) for t in access.clinic_types()]
    return form


def _own_entry(entry_id: int) -> WaitlistEntry:
    """The logged-in patient's entry, or 404: another patient's entry does not exist for them."""
    return get_waitlist_entry(entry_id)


def _page(form: PortalWaitlistForm, status: int = 200):
    patient = get_patient(current_user.patient_id)
    entries = waitlist_service.for_patient(patient, clinic_today())
    record("waitlist.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="portal")
    return render_template(
        "portal/waitlist.html",
        entries=entries,
        form=form,
        max_days=waitlist_service.PORTAL_MAX_RANGE_DAYS,
    ), status


@bp.get("/waitlist")
@role_required(Role.PATIENT)
def waitlist():
    return _page(_form())


@bp.post("/waitlist")
@role_required(Role.PATIENT)
def join_waitlist():
    patient = get_patient(current_user.patient_id)
    form = _form()
    if form.validate_on_submit():
        try:
            waitlist_service.add_entry(
                patient,
                access.get_appointment_type(form.appointment_type_id.data),
                form.earliest.data,
                form.latest.data,
                today=clinic_today(),
                by=current_user,
                max_days=waitlist_service.PORTAL_MAX_RANGE_DAYS,
            )
            flash("You are on the waitlist. We will e-mail you if a time opens up.", "success")
            return redirect(url_for("portal.waitlist"))
        except SchedulingError as error:
            db.session.rollback()
            form.latest.errors.append(str(error))
    return _page(form, 422)


@bp.post("/waitlist/<int:entry_id>/leave")
@role_required(Role.PATIENT)
def leave_waitlist(entry_id: int):
    entry = _own_entry(entry_id)
    if entry.status == "waiting":
        waitlist_service.remove(entry, by=current_user)
    flash("You have left the waitlist.", "success")
    return redirect(url_for("portal.waitlist"))
