"""/api/v1 treatment sessions (read only: a signed session is frozen, a draft is edited on its page) and
outcome scores (read, and record through the same service as the patient's treatments page).

Audit as the pages: a patient's sessions and scores are `treatment.list`, one session is `treatment.view`,
a new score is `outcome.record` (by the service).
"""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import validate
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.api.schemas import DecimalString, PageQuery, page_of, paged, text
from clinic.api.spec import BODY_ERRORS, documents
from clinic.audit.services import record
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.limits import FIRST_DAY, LAST_DAY
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF, Role
from clinic.treatments.access import get_session
from clinic.treatments.models import OutcomeScore, TreatmentSession
from clinic.treatments.scores import CHECKPOINTS, MASI_REGIONS, SCALES, record_score
from clinic.validation import Invalid

blp = Blueprint("api_clinical", __name__, url_prefix="/api/v1", description="Treatment sessions and outcome scores")


class AreaSchema(ma.Schema):
    area = ma.fields.String()
    needle_depth_mm = DecimalString(allow_none=True)
    passes = ma.fields.Integer(allow_none=True)
    laser_wavelength_nm = ma.fields.Integer(allow_none=True)
    laser_fluence_j_cm2 = DecimalString(allow_none=True)
    laser_spot_size_mm = DecimalString(allow_none=True)


class InjectionSiteSchema(ma.Schema):
    site = ma.fields.String()
    volume_ml = DecimalString()
    depth_mm = DecimalString(allow_none=True)


class ProductUsedSchema(ma.Schema):
    product_id = ma.fields.Integer()
    lot_id = ma.fields.Integer()
    lot_number = ma.fields.String(attribute="lot.lot_number")
    volume_ml = DecimalString()
    units_used = ma.fields.Integer()


class AmendmentSchema(ma.Schema):
    created_at = ma.fields.AwareDateTime()
    author_id = ma.fields.Integer()
    reason = ma.fields.String()
    changes = ma.fields.List(ma.fields.Dict())


class SessionSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    patient_id = ma.fields.Integer()
    procedure_id = ma.fields.Integer()
    procedure = ma.fields.String(attribute="procedure.name")
    provider_id = ma.fields.Integer()
    appointment_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(metadata={"enum": ["draft", "signed"]})
    started_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    signed_at = ma.fields.AwareDateTime(allow_none=True)
    signed_by_id = ma.fields.Integer(allow_none=True)
    signature_sha256 = ma.fields.String(allow_none=True)


class SessionSchema(SessionSummarySchema):
    device = ma.fields.String(allow_none=True)
    anaesthetic = ma.fields.String(allow_none=True)
    skin_response = ma.fields.String(allow_none=True)
    adverse_events = ma.fields.String(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    areas = ma.fields.List(ma.fields.Nested(AreaSchema))
    injection_sites = ma.fields.List(ma.fields.Nested(InjectionSiteSchema))
    products = ma.fields.List(ma.fields.Nested(ProductUsedSchema))
    amendments = ma.fields.List(ma.fields.Nested(AmendmentSchema))


class MasiRegionSchema(ma.Schema):
    area = ma.fields.Integer(strict=True, required=True, validate=validate.Range(0, 6))
    darkness = ma.fields.Integer(strict=True, required=True, validate=validate.Range(0, 4))
    homogeneity = ma.fields.Integer(strict=True, validate=validate.Range(0, 4), metadata={"description": "MASI"})


MasiSchema = ma.Schema.from_dict(
    {region: ma.fields.Nested(MasiRegionSchema, required=True) for region in MASI_REGIONS}, name="MasiComponents"
)


class ScoreSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    patient_id = ma.fields.Integer(dump_only=True)
    session_id = ma.fields.Integer(dump_only=True, allow_none=True)
    scale = ma.fields.String(required=True, validate=validate.OneOf(list(SCALES)))
    checkpoint = ma.fields.String(required=True, validate=validate.OneOf(list(CHECKPOINTS)))
    recorded_on = ma.fields.Date(required=True, validate=validate.Range(FIRST_DAY, LAST_DAY))
    value = DecimalString(dump_only=True, metadata={"description": "The number charts use"})
    label = ma.fields.String(dump_only=True, metadata={"description": "The value as recorded"})
    raw_value = text(
        20, load_only=True, metadata={"description": "Glogau I–IV, Norwood, Ludwig, a number; not for MASI"}
    )
    components = ma.fields.Nested(MasiSchema, allow_none=True, metadata={"description": "MASI/mMASI only"})
    recorded_by_id = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


SessionPage = paged(SessionSummarySchema, "TreatmentSessionPage")
ScorePage = paged(ScoreSchema, "OutcomeScorePage")


@blp.get("/patients/<int:patient_id>/treatment-sessions")
@role_required(*CLINICAL_STAFF)
@blp.arguments(PageQuery, location="query", unknown=ma.RAISE)
@blp.etag
@blp.response(200, SessionPage)
@documents(blp, 404)
def list_sessions(args, patient_id: int):
    """A patient's treatment sessions, newest first."""
    patient = get_patient(patient_id)
    record("treatment.list", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="api")
    select = (
        sa.select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient.id)
        .options(selectinload(TreatmentSession.procedure))
        .order_by(TreatmentSession.started_at.desc(), TreatmentSession.id.desc())
    )
    items, meta = page_of(select, args, db)
    return {"items": items, "meta": meta}


@blp.get("/treatment-sessions/<int:session_id>")
@role_required(*CLINICAL_STAFF)
@blp.etag
@blp.response(200, SessionSchema)
@documents(blp, 404)
def read_session(session_id: int):
    """One session with its areas, injection sites, products and lot numbers, signature and amendments."""
    session = get_session(session_id)
    record("treatment.view", patient_id=session.patient_id, object_type="treatment_session", object_id=session.id)
    return session


@blp.get("/patients/<int:patient_id>/scores")
@role_required(*CLINICAL_STAFF)
@blp.arguments(PageQuery, location="query", unknown=ma.RAISE)
@blp.etag
@blp.response(200, ScorePage)
@documents(blp, 404)
def list_scores(args, patient_id: int):
    """A patient's outcome scores, oldest first (the order of the charts)."""
    patient = get_patient(patient_id)
    record("treatment.list", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="api scores")
    select = (
        sa.select(OutcomeScore)
        .where(OutcomeScore.patient_id == patient.id)
        .order_by(OutcomeScore.recorded_on, OutcomeScore.id)
    )
    items, meta = page_of(select, args, db)
    return {"items": items, "meta": meta}


@blp.post("/patients/<int:patient_id>/scores")
@role_required(Role.DERMATOLOGIST)
@blp.arguments(ScoreSchema)
@blp.response(201, ScoreSchema)
@documents(blp, 404, *BODY_ERRORS)
def add_score(data, patient_id: int):
    """Record a score (dermatologists, like the page). MASI/mMASI take `components`, other scales `raw_value`."""
    patient = get_patient(patient_id)
    try:
        return record_score(
            patient,
            current_user,
            scale_code=data["scale"],
            checkpoint=data["checkpoint"],
            recorded_on=data["recorded_on"],
            today=clinic_today(),
            raw_value=data.get("raw_value"),
            components=data.get("components"),
        ), 201
    except Invalid as error:
        db.session.rollback()
        abort(422, errors={"raw_value" if k == "value" else k: v for k, v in error.problems.items()})
