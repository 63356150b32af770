"""/api/v1/patients: search (paged, allow-listed sorts), read, create, update with If-Match.

The same services, search and scoped lookup as the patient pages (patients.services, patients.search,
patients.access.get_patient), and the same audit events: a list records one `patient.list` per patient
shown, a read records `patient.view`.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import available_timezones

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.api.schemas import PageQuery, page_of, paged, text
from clinic.api.spec import BODY_ERRORS, documents
from clinic.audit.services import record
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.patients import services
from clinic.patients.access import get_patient
from clinic.patients.models import CONCERNS, FITZPATRICK, SEXES, Patient
from clinic.patients.search import DIRECTIONS, SORTS, ListQuery, patient_list_query
from clinic.roles import CLINICAL_STAFF

blp = Blueprint("api_patients", __name__, url_prefix="/api/v1/patients", description="Patients of your clinic")
PHONE = r"^[\d\s()+.\-]*\d[\d\s()+.\-]*$"


def _born_on_a_sane_day(day: date) -> None:
    if not date(1900, 1, 1) <= day <= clinic_today():
        raise ma.ValidationError("Enter a date of birth from 1900 to today.")


class PatientSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    record_number = ma.fields.String(dump_only=True)
    first_name = text(80, required=True, blank=False)
    last_name = text(80, required=True, blank=False)
    date_of_birth = ma.fields.Date(required=True, validate=_born_on_a_sane_day)
    sex = ma.fields.String(load_default="unknown", validate=validate.OneOf(list(SEXES)))
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=[validate.Length(max=40), validate.Regexp(PHONE)])
    address = text(500, allow_none=True)
    timezone = ma.fields.String(validate=validate.OneOf(sorted(available_timezones())))
    fitzpatrick = ma.fields.Integer(strict=True, allow_none=True, validate=validate.OneOf(list(FITZPATRICK)))
    concerns = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(list(CONCERNS))), validate=validate.Length(max=len(CONCERNS))
    )
    allergies = text(2000, allow_none=True)
    medications = text(2000, allow_none=True)
    notes = text(2000, allow_none=True)
    archived = ma.fields.Boolean(attribute="is_archived", dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class PatientUpdateSchema(PatientSchema):
    """The fields to change (all optional); the others keep their stored values."""


class PatientQuery(PageQuery):
    q = text(100, load_default="", metadata={"description": "Name, record number, e-mail, phone or date of birth"})
    sort = ma.fields.String(load_default="name", validate=validate.OneOf(list(SORTS)))
    dir = ma.fields.String(load_default="asc", validate=validate.OneOf(list(DIRECTIONS)))
    archived = ma.fields.Boolean(load_default=False, metadata={"description": "Include archived patients"})


PatientPage = paged(PatientSchema, "PatientPage")


def _details(patient: Patient | None, data: dict) -> services.PatientDetails:
    """The details to save: the stored ones (on update) with the fields sent replacing them."""
    current = {}
    if patient is not None:
        current = {name: getattr(patient, name) for name in services.PatientDetails.__dataclass_fields__}
        current["concerns"] = list(patient.concerns)
    else:
        current = {"timezone": current_user.clinic.timezone}
    return services.PatientDetails(**{**current, **data})


@blp.get("")
@role_required(*CLINICAL_STAFF)
@blp.arguments(PatientQuery, location="query", unknown=ma.RAISE)
@blp.etag
@blp.response(200, PatientPage)
@documents(blp)
def search_patients(args):
    """Search the clinic's patients (the patient list's search box and sorts)."""
    query = ListQuery(q=args["q"].strip(), sort=args["sort"], direction=args["dir"], archived=args["archived"])
    select = patient_list_query(current_user.clinic_id, query).options(selectinload(Patient.concern_rows))
    items, meta = page_of(select, args, db)
    services.audit_listed(items, detail=f"api q={query.q!r} page={meta['page']} archived={query.archived}")
    return {"items": items, "meta": meta}


@blp.post("")
@role_required(*CLINICAL_STAFF)
@blp.arguments(PatientSchema)
@blp.etag
@blp.response(201, PatientSchema)
@documents(blp, *BODY_ERRORS)
def create_patient(data):
    """Add a patient (record number assigned by the clinic)."""
    patient = services.create_patient(current_user.clinic, _details(None, data))
    return patient, 201, {"Location": url_for("api_patients.read_patient", patient_id=patient.id)}


@blp.get("/<int:patient_id>")
@role_required(*CLINICAL_STAFF)
@blp.etag
@blp.response(200, PatientSchema)
@documents(blp, 404)
def read_patient(patient_id: int):
    """One patient's record (audited as a chart view)."""
    patient = get_patient(patient_id, selectinload(Patient.concern_rows))
    record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="api")
    return patient


@blp.patch("/<int:patient_id>")
@role_required(*CLINICAL_STAFF)
@blp.arguments(PatientUpdateSchema(partial=True))
@blp.etag
@blp.response(200, PatientSchema)
@documents(blp, 404, 409, *BODY_ERRORS)
def update_patient(data, patient_id: int):
    """Change some fields. Send `If-Match` with the ETag you read: a stale copy is refused with 412."""
    patient = get_patient(patient_id, selectinload(Patient.concern_rows))
    blp.check_etag(patient, PatientSchema)
    services.update_patient(patient, _details(patient, data), loaded_version=patient.version)
    return patient
