"""/api/v1 home routines and adherence (read only), as the patient's routine page shows them; audited as
`routine.view` like that page."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.api.spec import documents
from clinic.audit.services import record
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF
from clinic.routines.models import Routine
from clinic.routines.services import local_today
from clinic.routines.stats import adherence_pct, adherence_series

blp = Blueprint("api_routines", __name__, url_prefix="/api/v1", description="Home routines and adherence")
MAX_DAYS = 90


class StepSchema(ma.Schema):
    id = ma.fields.Integer()
    product_id = ma.fields.Integer(allow_none=True)
    label = ma.fields.String(allow_none=True)
    slot = ma.fields.String(metadata={"description": "am or pm"})
    position = ma.fields.Integer()
    frequency = ma.fields.String()
    weekdays = ma.fields.String(allow_none=True)
    start_offset_days = ma.fields.Integer()
    ends_on = ma.fields.Date(allow_none=True)
    instructions = ma.fields.String(allow_none=True)


class RoutineSchema(ma.Schema):
    id = ma.fields.Integer()
    patient_id = ma.fields.Integer()
    concern = ma.fields.String()
    goal = ma.fields.String()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True)
    steps = ma.fields.List(ma.fields.Nested(StepSchema))


class DaySchema(ma.Schema):
    day = ma.fields.Date()
    expected = ma.fields.Integer()
    done = ma.fields.Integer()
    status = ma.fields.String()


class AdherenceSchema(ma.Schema):
    patient_id = ma.fields.Integer()
    percent = ma.fields.Integer(allow_none=True, metadata={"description": "Done ÷ expected; null if none expected"})
    days = ma.fields.List(ma.fields.Nested(DaySchema))


class AdherenceQuery(ma.Schema):
    days = ma.fields.Integer(load_default=30, validate=validate.Range(min=1, max=MAX_DAYS))


@blp.get("/patients/<int:patient_id>/routines")
@role_required(*CLINICAL_STAFF)
@blp.etag
@blp.response(200, RoutineSchema(many=True))
@documents(blp, 404)
def list_routines(patient_id: int):
    """The patient's routines, newest first, with their steps."""
    patient = get_patient(patient_id)
    record("routine.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="api")
    return db.session.scalars(
        sa.select(Routine)
        .where(Routine.patient_id == patient.id)
        .options(selectinload(Routine.steps))
        .order_by(Routine.starts_on.desc(), Routine.id)
    ).all()


@blp.get("/patients/<int:patient_id>/adherence")
@role_required(*CLINICAL_STAFF)
@blp.arguments(AdherenceQuery, location="query", unknown=ma.RAISE)
@blp.etag
@blp.response(200, AdherenceSchema)
@documents(blp, 404)
def adherence(args, patient_id: int):
    """Steps expected and done per day over the last `days` days (the patient's own calendar days)."""
    patient = get_patient(patient_id)
    record("routine.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="api adherence")
    series = adherence_series(patient.id, local_today(patient, now_utc()), days=args["days"])
    days = [{"day": d.day, "expected": d.expected, "done": d.done, "status": d.status} for d in series]
    return {"patient_id": patient.id, "percent": adherence_pct(series), "days": days}
