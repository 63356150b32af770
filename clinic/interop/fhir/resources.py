"""Builders: one clinic row (with what it needs loaded) in, one validated FHIR R4B resource out.

The mapping they follow, and every code system, is the table in `mapping.py`.
"""

from __future__ import annotations

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.media import Media
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource

from clinic.audit.models import AuditEvent
from clinic.auth.models import User
from clinic.catalog.models import ProductLot
from clinic.clinics.models import Clinic
from clinic.interop.fhir.mapping import (
    APPOINTMENT_STATUSES,
    AUDIT_EVENT_TYPE,
    DICOM,
    GENDERS,
    OBSERVATION_CATEGORY,
    build,
    coded,
    day,
    extension_url,
    identifier_system,
    instant,
    ref,
    system,
)
from clinic.patients.models import CONCERNS, FITZPATRICK, MedicalHistory, Patient
from clinic.photos.models import Photo
from clinic.reminders.models import OutboxMessage
from clinic.scheduling.models import Appointment


def organization(clinic: Clinic) -> Resource:
    telecom = [{"system": "email", "value": clinic.email}, {"system": "phone", "value": clinic.phone}]
    return build(
        Organization,
        {
            "id": str(clinic.id),
            "active": True,
            "name": clinic.name,
            "telecom": [t for t in telecom if t["value"]],
            "address": [{"text": clinic.address}] if clinic.address else [],
        },
    )


def practitioner(user: User) -> Resource:
    return build(
        Practitioner,
        {
            "id": str(user.id),
            "active": user.active,
            "name": [{"text": user.full_name}],
            "telecom": [{"system": "email", "value": user.email, "use": "work"}],
            "qualification": [{"code": coded(system("role"), user.role, user.role.capitalize())}],
        },
    )


def patient(row: Patient) -> Resource:
    telecom = [{"system": "email", "value": row.email}, {"system": "phone", "value": row.phone}]
    return build(
        FhirPatient,
        {
            "id": str(row.id),
            "identifier": [{"system": identifier_system("record-number"), "value": row.record_number}],
            "active": not row.is_archived,
            "name": [{"use": "official", "family": row.last_name, "given": [row.first_name], "text": row.full_name}],
            "gender": GENDERS[row.sex],
            "birthDate": day(row.date_of_birth),
            "telecom": [t for t in telecom if t["value"]],
            "address": [{"text": row.address}] if row.address else [],
            "managingOrganization": ref("Organization", row.clinic_id),
            "extension": [
                {
                    "url": extension_url("concern"),
                    "valueCoding": {"system": system("concern"), "code": c, "display": CONCERNS.get(c, c)},
                }
                for c in row.concerns
            ],
        },
    )


def fitzpatrick(row: Patient) -> Resource | None:
    if not row.fitzpatrick:
        return None
    label = FITZPATRICK[row.fitzpatrick]
    return build(
        Observation,
        {
            "id": f"fitzpatrick-{row.id}",
            "status": "final",
            "category": [coded(OBSERVATION_CATEGORY, "exam", "Exam")],
            "code": coded(system("finding"), "fitzpatrick", "Fitzpatrick skin type"),
            "subject": ref("Patient", row.id),
            "valueCodeableConcept": coded(system("fitzpatrick"), label, f"Type {label}"),
        },
    )


def medical_history(history: MedicalHistory, row: Patient) -> Resource:
    skip = {"patient_id", "confirmed_at", "confirmed_by_id", "version", "created_at", "updated_at"}
    items = []
    for column in MedicalHistory.__table__.columns:
        value = getattr(history, column.key)
        if column.key in skip or value is None:
            continue
        key = (
            "valueBoolean" if isinstance(value, bool) else "valueDate" if hasattr(value, "isoformat") else "valueString"
        )
        items.append(
            {
                "linkId": column.key,
                "text": column.key.replace("_", " ").capitalize(),
                "answer": [{key: day(value) if key == "valueDate" else value}],
            }
        )
    for name in ("allergies", "medications"):
        if getattr(row, name):
            items.append({"linkId": name, "text": name.capitalize(), "answer": [{"valueString": getattr(row, name)}]})
    return build(
        QuestionnaireResponse,
        {
            "id": str(row.id),
            "status": "completed",
            "subject": ref("Patient", row.id),
            "authored": instant(history.confirmed_at or history.updated_at),
            "author": ref("Practitioner", history.confirmed_by_id) if history.confirmed_by_id else None,
            "item": items,
        },
    )


def appointment(row: Appointment) -> Resource:
    return build(
        FhirAppointment,
        {
            "id": str(row.id),
            "status": APPOINTMENT_STATUSES[row.status],
            "serviceType": [coded(system("appointment-type"), str(row.appointment_type_id), row.appointment_type.name)],
            "start": instant(row.starts_at),
            "end": instant(row.ends_at),
            "created": instant(row.created_at),
            "cancelationReason": {"text": row.cancel_reason} if row.cancel_reason else None,
            "participant": [
                {"actor": ref("Patient", row.patient_id), "status": "accepted"},
                {"actor": ref("Practitioner", row.provider_id), "status": "accepted"},
                {"actor": {"display": row.room.name}, "status": "accepted"},
            ],
        },
    )


def medication(lot: ProductLot) -> Resource:
    product = lot.product
    return build(
        Medication,
        {
            "id": str(lot.id),
            "code": coded(system("product"), str(product.id), product.display_name),
            "status": "active" if product.active else "inactive",
            "manufacturer": {"display": lot.manufacturer} if lot.manufacturer else None,
            "batch": {"lotNumber": lot.lot_number, "expirationDate": day(lot.expires_on)},
        },
    )


def media(photo: Photo, url: str | None = None) -> Resource:
    return build(
        Media,
        {
            "id": str(photo.id),
            "status": "completed",
            "subject": ref("Patient", photo.patient_id),
            "partOf": [ref("Procedure", photo.session_id)] if photo.session_id else [],
            "view": coded(system("photo-view"), photo.view, photo.view_label),
            "createdDateTime": day(photo.taken_on),
            "height": photo.height,
            "width": photo.width,
            "note": [{"text": f"{photo.phase}; sha256 {photo.sha256}"}],
            "content": {
                "contentType": _content_type(photo.storage_name),
                "url": url,
                "size": photo.size_bytes,
                "title": photo.view_label,
            },
        },
    )


def _content_type(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp"}.get(suffix, "image/jpeg")


def communication(message: OutboxMessage) -> Resource:
    return build(
        Communication,
        {
            "id": str(message.id),
            "status": "completed",
            "category": [coded(system("reminder-kind"), message.kind)],
            "medium": [coded(system("channel"), message.channel)],
            "subject": ref("Patient", message.patient_id),
            "recipient": [ref("Patient", message.patient_id)],
            "sent": instant(message.sent_at),
        },
    )


def audit_event(event: AuditEvent, who: str | None, words: str) -> Resource:
    verb = event.action.rsplit(".", 1)[-1]
    return build(
        FhirAuditEvent,
        {
            "id": str(event.id),
            "type": {"system": DICOM, "code": "110110", "display": "Patient Record"},
            "subtype": [{"system": AUDIT_EVENT_TYPE, "code": "rest", "display": words}],
            "action": {"create": "C"}.get(verb, "R" if verb in ("view", "list", "export") else "U"),
            "recorded": instant(event.occurred_at),
            "outcome": "0",
            "outcomeDesc": words,
            "agent": [{"who": {"display": who or event.role}, "requestor": True}],
            "source": {"observer": ref("Organization", event.clinic_id)},
            "entity": [{"what": ref("Patient", event.patient_id)}],
        },
    )
