"""The FHIR R4 (R4B models) mapping of the clinic's records, written down in one place.

Code systems. SNOMED CT only where the code is well known; everything that is the clinic's own vocabulary uses
a code system under `CLINIC_FHIR_SYSTEM_BASE` (config), e.g. `https://clinic.example/fhir/CodeSystem/scale`.

| What (clinic)                  | FHIR resource         | Codes                                                       |
|--------------------------------|-----------------------|-------------------------------------------------------------|
| Clinic                         | Organization          | -                                                           |
| User (staff)                   | Practitioner          | qualification: CodeSystem/role                              |
| Patient                        | Patient               | identifier: sid/record-number; gender: AdministrativeGender |
| Patient.fitzpatrick            | Observation           | CodeSystem/finding#fitzpatrick; value: .../fitzpatrick      |
| MedicalHistory                 | QuestionnaireResponse | linkId = the answer's name                                  |
| Appointment                    | Appointment           | serviceType: CodeSystem/appointment-type                    |
| TreatmentSession               | Procedure             | code: CodeSystem/procedure; bodySite: SNOMED CT, BODY_SITES |
| SessionProduct's ProductLot    | Medication            | code: CodeSystem/product; batch: lot number + expiry        |
| TreatmentSession.adverse_events| AdverseEvent          | suspectEntity: the Procedure                                |
| OutcomeScore                   | Observation           | code: CodeSystem/scale; category value: CodeSystem/scale-X  |
| Routine (+ steps, adherence)   | CarePlan              | activity per step; adherence as activity.progress notes     |
| Consent                        | Consent               | scope: consentscope; category: LOINC 59284-0; rule: OPTIN   |
| Photo                          | Media                 | view: CodeSystem/photo-view                                 |
| OutboxMessage (sent)           | Communication         | category: CodeSystem/reminder-kind; medium: .../channel     |
| AuditEvent (staff access)      | AuditEvent            | type: DICOM 110110 Patient Record                           |

Every builder returns a validated `fhir.resources` model; ids are the row ids, prefixed where two tables
produce the same resource type (Observation: `score-12`, `fitzpatrick-3`).
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.resource import Resource
from flask import current_app

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
#: Body sites by a word in the recorded area ("Cheeks" -> cheek): SNOMED CT body structures.
BODY_SITES: dict[str, tuple[str, str]] = {
    "forehead": ("52795006", "Forehead structure"),
    "cheek": ("60819002", "Cheek structure"),
    "chin": ("30291003", "Chin structure"),
    "scalp": ("41695006", "Scalp structure"),
    "neck": ("45048000", "Neck structure"),
    "face": ("89545001", "Face structure"),
}
#: The clinic's own code systems (under CLINIC_FHIR_SYSTEM_BASE/CodeSystem/).
CLINIC_CODE_SYSTEMS = (
    "role",
    "procedure",
    "product",
    "appointment-type",
    "scale",
    "checkpoint",
    "finding",
    "fitzpatrick",
    "photo-view",
    "reminder-kind",
    "channel",
    "concern",
)
GENDERS = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
APPOINTMENT_STATUSES = {
    "booked": "booked",
    "checked_in": "checked-in",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}


def base() -> str:
    return current_app.config["CLINIC_FHIR_SYSTEM_BASE"].rstrip("/")


def system(name: str) -> str:
    """The URL of one of the clinic's own code systems (CLINIC_CODE_SYSTEMS)."""
    if name not in CLINIC_CODE_SYSTEMS and not name.startswith("scale-"):
        raise ValueError(f"{name!r} is not one of the clinic's code systems; add it to CLINIC_CODE_SYSTEMS")
    return f"{base()}/CodeSystem/{name}"


def identifier_system(name: str) -> str:
    return f"{base()}/sid/{name}"


def extension_url(name: str) -> str:
    return f"{base()}/StructureDefinition/{name}"


def coded(system_url: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    coding = {"system": system_url, "code": code} | ({"display": display} if display else {})
    return {"coding": [coding], "text": text or display or code}


def ref(resource_type: str, row_id: Any, display: str | None = None) -> dict:
    return {"reference": f"{resource_type}/{row_id}"} | ({"display": display} if display else {})


def instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def text_attachment(text: str, title: str) -> dict:
    data = base64.b64encode(text.encode()).decode()
    return {"contentType": "text/plain; charset=utf-8", "data": data, "title": title}


def body_site(area: str) -> dict:
    word = next((key for key in BODY_SITES if key in area.lower()), None)
    return coded(SNOMED, *BODY_SITES[word], text=area) if word else {"text": area}


def drop_empty(data: dict) -> dict:
    """FHIR forbids empty values: leave out None, "" and empty lists/dicts (recursively)."""
    clean = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = drop_empty(value)
        elif isinstance(value, list):
            value = [drop_empty(v) if isinstance(v, dict) else v for v in value]
            value = [v for v in value if v not in (None, "", {}, [])]
        if value not in (None, "", {}, []):
            clean[key] = value
    return clean


def build(model: type[Resource], data: dict) -> Resource:
    """Validate `data` as `model` (raises pydantic.ValidationError on a mapping bug)."""
    return model.model_validate(drop_empty({"resourceType": model.get_resource_type(), **data}))
