"""Patient pages for clinical staff: list and search, create, edit, medical history, chart, archive, invite.

Each view: load through the scoped lookup → validate the form → call a service → commit once → redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from clinic.access import role_required
from clinic.audit.services import record
from clinic.auth.invitations import send_invitation
from clinic.auth.models import User
from clinic.extensions import db
from clinic.pagination import bounded_paginate
from clinic.patients import services
from clinic.patients.access import get_patient
from clinic.patients.chart import chart_sections
from clinic.patients.forms import LABELS, ArchiveForm, MedicalHistoryForm, PatientForm
from clinic.patients.models import CONCERNS, SEXES, Patient
from clinic.patients.search import SORT_LABELS, ListQuery, patient_list_query
from clinic.roles import CLINICAL_STAFF

bp = Blueprint("patients", __name__, url_prefix="/patients")

STALE_MESSAGE = (
    "Someone else saved this record after you opened it, so your changes were not saved. "
    "Your input is kept below; check the current record, then save again to keep your version."
)


def _chart_url(patient: Patient) -> str:
    return url_for("patients.chart", patient_id=patient.id)


def _loaded_version(form) -> int:
    try:
        return int(form.version.data or "")
    except ValueError:
        abort(400)


@bp.get("")
@role_required(*CLINICAL_STAFF)
def list_patients():
    query = ListQuery.from_args(request.args)
    select = patient_list_query(current_user.clinic_id, query).options(selectinload(Patient.concern_rows))
    page = bounded_paginate(
        select, page=request.args.get("page", 1, type=int), per_page=current_app.config["PATIENTS_PER_PAGE"]
    )
    services.audit_listed(page.items, detail=f"q={query.q!r} page={page.page} archived={query.archived}")
    html = render_template(
        "patients/list.html", page=page, query=query, sort_labels=SORT_LABELS, concern_labels=CONCERNS
    )
    return html


@bp.route("/new", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def new():
    form = PatientForm()
    if request.method == "GET":
        form.timezone.data = current_user.clinic.timezone
    if form.validate_on_submit():
        patient = services.create_patient(current_user.clinic, form.details())
        flash(f"{patient.full_name} was added with record number {patient.record_number}.", "success")
        return redirect(_chart_url(patient))
    return render_template("patients/form.html", form=form, patient=None), 422 if form.errors else 200


@bp.get("/<int:patient_id>")
@role_required(*CLINICAL_STAFF)
def chart(patient_id: int):
    patient = get_patient(patient_id, selectinload(Patient.concern_rows), selectinload(Patient.history))
    account = services.portal_account(patient)
    confirmed_by = (
        db.session.get(User, patient.history.confirmed_by_id)
        if patient.history and patient.history.confirmed_by_id
        else None
    )
    record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id)
    html = render_template(
        "patients/chart.html",
        patient=patient,
        history=patient.history,
        account=account,
        portal_status=services.portal_status(account),
        flags=services.history_flags(patient.history),
        history_labels=LABELS,
        confirmed_by=confirmed_by,
        sections=chart_sections(patient),
        sexes=SEXES,
        concern_labels=CONCERNS,
    )
    return html


def _differences(form: PatientForm, patient: Patient) -> list[str]:
    """Labels of the fields where the saved record now differs from what this user submitted."""
    saved = PatientForm(formdata=None)
    saved.fill_from(patient)
    changed = []
    for name in (
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "email",
        "phone",
        "address",
        "timezone",
        "fitzpatrick",
        "concerns",
        "allergies",
        "medications",
        "notes",
    ):
        mine, theirs = getattr(form, name).data, getattr(saved, name).data
        if isinstance(mine, list | tuple) or isinstance(theirs, list | tuple):
            mine, theirs = sorted(mine or []), sorted(theirs or [])
        elif isinstance(mine, str) or isinstance(theirs, str):
            mine, theirs = (mine or "").strip(), (theirs or "").strip()
        if mine != theirs:
            changed.append(getattr(form, name).label.text)
    return changed


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def edit(patient_id: int):
    patient = get_patient(patient_id, selectinload(Patient.concern_rows))
    form = PatientForm()
    if request.method == "GET":
        form.fill_from(patient)
        record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="edit form")
    elif form.validate_on_submit():
        try:
            services.update_patient(patient, form.details(), loaded_version=_loaded_version(form))
        except (services.StaleEdit, StaleDataError):
            db.session.rollback()
            patient = get_patient(patient_id, selectinload(Patient.concern_rows))
            form.version.data = str(patient.version)
            return render_template(
                "patients/form.html",
                form=form,
                patient=patient,
                stale=STALE_MESSAGE,
                differences=_differences(form, patient),
            ), 409
        flash("The patient record was saved.", "success")
        return redirect(_chart_url(patient))
    return render_template("patients/form.html", form=form, patient=patient), 422 if form.errors else 200


@bp.route("/<int:patient_id>/history", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def history(patient_id: int):
    patient = get_patient(patient_id, selectinload(Patient.history))
    form = MedicalHistoryForm()
    if request.method == "GET":
        form.fill_from(patient.history, services.history_version(patient))
        record(
            "patient.view",
            patient_id=patient.id,
            object_type="medical_history",
            object_id=patient.id,
            detail="history form",
        )
    elif form.validate_on_submit():
        try:
            services.save_history(
                patient,
                form.answers(),
                loaded_version=_loaded_version(form),
                confirmed_by=current_user if form.confirmed.data else None,
            )
        except (services.StaleEdit, StaleDataError):
            db.session.rollback()
            patient = get_patient(patient_id, selectinload(Patient.history))
            form.version.data = str(services.history_version(patient))
            return render_template("patients/history_form.html", form=form, patient=patient, stale=STALE_MESSAGE), 409
        flash("The medical history was saved.", "success")
        return redirect(_chart_url(patient) + "#history")
    return (render_template("patients/history_form.html", form=form, patient=patient), 422 if form.errors else 200)


@bp.route("/<int:patient_id>/archive", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def archive(patient_id: int):
    patient = get_patient(patient_id)
    form = ArchiveForm()
    if request.method == "GET":
        record(
            "patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="archive form"
        )
    elif form.validate_on_submit():
        services.archive_patient(patient, form.reason.data)
        flash(f"{patient.full_name} was archived. The record is kept and can be restored.", "success")
        return redirect(_chart_url(patient))
    return render_template("patients/archive.html", form=form, patient=patient), 422 if form.errors else 200


@bp.post("/<int:patient_id>/unarchive")
@role_required(*CLINICAL_STAFF)
def unarchive(patient_id: int):
    patient = get_patient(patient_id)
    services.unarchive_patient(patient)
    flash(f"{patient.full_name} is active again.", "success")
    return redirect(_chart_url(patient))


@bp.post("/<int:patient_id>/invite")
@role_required(*CLINICAL_STAFF)
def invite(patient_id: int):
    """Create the patient's portal account (or reuse it) and e-mail a single-use link to set a password."""
    patient = get_patient(patient_id)
    try:
        account = services.invite_to_portal(patient)
        send_invitation(account)
    except services.PortalInviteError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(_chart_url(patient))
    flash(f"An invitation to the portal was e-mailed to {account.email}.", "success")
    return redirect(_chart_url(patient))
