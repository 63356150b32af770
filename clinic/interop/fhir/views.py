"""FHIR read endpoints for clinical staff: `GET /fhir/Patient/<id>/$everything`.

Answers `application/fhir+json`. The Bundle is written to a temporary file entry by entry and sent from
there, so a patient with years of history costs disk, not memory. Out-of-clinic ids are an audited 404
(the patients' scoped lookup); other roles 403.
"""

from __future__ import annotations

import tempfile

from flask import Blueprint, send_file

from clinic.access import role_required
from clinic.audit.services import record
from clinic.interop.fhir.bundle import FHIR_JSON, server_base, write_bundle
from clinic.interop.fhir.record import Scope, resources
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF

bp = Blueprint("fhir", __name__, url_prefix="/fhir")


@bp.get("/Patient/<int:patient_id>/$everything")
@role_required(*CLINICAL_STAFF)
def everything(patient_id: int):
    patient = get_patient(patient_id)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it when the response ends
    count = write_bundle(out, resources(Scope(patient.clinic_id, patient.id)), server_base())
    out.seek(0)
    record(
        "patient.view",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        detail=f"FHIR $everything, {count} resources",
    )
    return send_file(out, mimetype=FHIR_JSON, download_name=f"Patient-{patient.id}-everything.json")
