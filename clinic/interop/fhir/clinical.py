"""Clinical builders: a session, score, routine or consent row in, one validated FHIR R4B resource out.

The mapping they follow, and every code system, is the table in `mapping.py`.
"""

from __future__ import annotations

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.resource import Resource

from clinic.auth.models import User
from clinic.consents.models import Consent
from clinic.interop.fhir.mapping import (
    ACT_CODE,
    CONSENT_SCOPE,
    LOINC,
    OBSERVATION_CATEGORY,
    body_site,
    build,
    coded,
    day,
    extension_url,
    instant,
    number,
    ref,
    system,
    text_attachment,
)
from clinic.patients.models import CONCERNS
from clinic.routines.models import AdherenceLog, Routine
from clinic.treatments.amendments import current_value
from clinic.treatments.models import OutcomeScore, TreatmentSession
from clinic.treatments.scores import CHECKPOINTS, SCALES


def _note(text: str | None, label: str, author: User | None = None, at=None) -> dict | None:
    if not text:
        return None
    note = {"text": f"{label}: {text}", "time": instant(at)}
    return note | ({"authorReference": ref("Practitioner", author.id, author.full_name)} if author else {})


def procedure(session: TreatmentSession) -> Resource:
    """A session: signed = completed; a draft is in progress. Amendments are dated notes with their author."""
    performers = [{"actor": ref("Practitioner", session.provider_id, session.provider.full_name)}]
    if session.assistant_id:
        performers.append({"actor": ref("Practitioner", session.assistant_id, session.assistant.full_name)})
    notes = [
        _note(session.device, "Device"),
        _note(session.anaesthetic, "Anaesthetic"),
        _note(session.skin_response, "Skin response"),
        _note(session.notes, "Notes"),
        *(
            _note(f"{p.product.display_name}, lot {p.lot.lot_number}, {p.volume_ml} ml", "Product")
            for p in session.products
        ),
        *(
            _note(f"{a.area}, depth {a.needle_depth_mm} mm, {a.passes} passes", "Area")
            for a in session.areas
            if a.needle_depth_mm
        ),
        *(_note(f"{s.site}, {s.volume_ml} ml", "Injection") for s in session.injection_sites),
    ]
    if session.is_signed:
        notes.append(_note(f"sha256 {session.signature_sha256}", "Signed", session.signed_by, session.signed_at))
    for amendment in session.amendments:
        changes = "; ".join(f"{c['field']}: {c.get('old')!r} -> {c.get('new')!r}" for c in amendment.changes)
        notes.append(
            _note(f"{changes} (reason: {amendment.reason})", "Amended", amendment.author, amendment.created_at)
        )
    adverse = current_value(session, "adverse_events") if session.is_signed else session.adverse_events
    return build(
        Procedure,
        {
            "id": str(session.id),
            "status": "completed" if session.is_signed else "in-progress",
            "code": coded(system("procedure"), session.procedure.code, session.procedure.name),
            "subject": ref("Patient", session.patient_id),
            "performedPeriod": {"start": instant(session.started_at), "end": instant(session.ended_at)},
            "performer": performers,
            "bodySite": [body_site(a.area) for a in session.areas]
            + [body_site(s.site) for s in session.injection_sites],
            "usedReference": [
                ref("Medication", p.lot_id, f"{p.product.display_name} lot {p.lot.lot_number}")
                for p in session.products
            ],
            "complication": [{"text": adverse}] if adverse else [],
            "note": [n for n in notes if n],
            "extension": [{"url": extension_url("amended"), "valueBoolean": bool(session.amendments)}],
        },
    )


def adverse_event(session: TreatmentSession) -> Resource | None:
    text = current_value(session, "adverse_events") if session.is_signed else session.adverse_events
    if not text:
        return None
    return build(
        AdverseEvent,
        {
            "id": str(session.id),
            "actuality": "actual",
            "event": {"text": text},
            "subject": ref("Patient", session.patient_id),
            "date": instant(session.started_at),
            "recorder": ref("Practitioner", session.provider_id),
            "suspectEntity": [{"instance": ref("Procedure", session.id, session.procedure.name)}],
        },
    )


def outcome_score(score: OutcomeScore) -> Resource:
    scale = SCALES.get(score.scale)
    label = scale.label if scale else score.scale
    if scale and scale.is_categorical:
        value = {"valueCodeableConcept": coded(system(f"scale-{score.scale}"), score.label, f"{label} {score.label}")}
    else:
        value = {
            "valueQuantity": {"value": number(score.value)} | ({"unit": scale.unit} if scale and scale.unit else {})
        }
    components = [
        {"code": coded(system("scale"), f"{score.scale}.{region}.{part}"), "valueInteger": int(points)}
        for region, parts in (score.components or {}).items()
        for part, points in parts.items()
    ]
    return build(
        Observation,
        {
            "id": f"score-{score.id}",
            "status": "final",
            "category": [coded(OBSERVATION_CATEGORY, "exam", "Exam")],
            "code": coded(system("scale"), score.scale, label),
            "subject": ref("Patient", score.patient_id),
            "effectiveDateTime": day(score.recorded_on),
            "issued": instant(score.created_at),
            "performer": [ref("Practitioner", score.recorded_by_id)],
            "partOf": [ref("Procedure", score.session_id)] if score.session_id else [],
            "component": components,
            "extension": [
                {
                    "url": extension_url("checkpoint"),
                    "valueCoding": {
                        "system": system("checkpoint"),
                        "code": score.checkpoint,
                        "display": CHECKPOINTS.get(score.checkpoint, score.checkpoint),
                    },
                }
            ],
            **value,
        },
    )


def _timing(step) -> dict:
    repeat = {"when": ["MORN" if step.slot == "am" else "EVE"], "frequency": 1, "period": 1, "periodUnit": "d"}
    if step.frequency == "every_other_day":
        repeat["period"] = 2
    if step.frequency == "weekdays":
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        repeat |= {"period": 1, "periodUnit": "wk", "frequency": len(step.weekday_numbers)}
        repeat["dayOfWeek"] = [days[n] for n in sorted(step.weekday_numbers)]
    return {"repeat": repeat}


def care_plan(routine: Routine, logs: list[AdherenceLog], today) -> Resource:
    """A home routine; each step is an activity, each ticked or skipped day a progress note of that step."""
    by_step: dict[int, list[AdherenceLog]] = {}
    for log in logs:
        by_step.setdefault(log.step_id, []).append(log)
    activities = [
        {
            "detail": {
                "status": "scheduled",
                "description": f"{step.slot.upper()}: {step.name}"
                + (f" ({step.instructions})" if step.instructions else ""),
                "productCodeableConcept": coded(system("product"), str(step.product_id), step.product.display_name)
                if step.product
                else None,
                "scheduledTiming": _timing(step),
            },
            "progress": [
                {"time": instant(log.at), "text": f"{log.local_date.isoformat()} {log.slot}: {log.status}"}
                for log in by_step.get(step.id, [])
            ],
        }
        for step in routine.steps
    ]
    ended = routine.ends_on is not None and routine.ends_on < today
    return build(
        CarePlan,
        {
            "id": str(routine.id),
            "status": "completed" if ended else "active",
            "intent": "plan",
            "title": f"Home routine: {CONCERNS.get(routine.concern, routine.concern)}",
            "description": routine.goal,
            "subject": ref("Patient", routine.patient_id),
            "period": {"start": day(routine.starts_on), "end": day(routine.ends_on)},
            "author": ref("Practitioner", routine.created_by_id) if routine.created_by_id else None,
            "activity": activities,
        },
    )


def consent(row: Consent, now) -> Resource:
    status = row.status(now)
    scope = ("patient-privacy", "Privacy Consent") if row.kind == "photo" else ("treatment", "Treatment")
    return build(
        FhirConsent,
        {
            "id": str(row.id),
            "status": "active" if status == "valid" else "inactive",
            "scope": coded(CONSENT_SCOPE, *scope),
            "category": [coded(LOINC, "59284-0", "Patient Consent", text=row.title)],
            "patient": ref("Patient", row.patient_id),
            "dateTime": instant(row.signed_at),
            "performer": [ref("Patient", row.patient_id, row.signer_name)],
            "organization": [ref("Organization", row.clinic_id)],
            "sourceAttachment": text_attachment(row.text, f"{row.title} (version {row.form_version})"),
            "policyRule": coded(ACT_CODE, "OPTIN", "opt-in"),
            "provision": {
                "type": "permit",
                "period": {"start": instant(row.signed_at), "end": instant(row.revoked_at or row.expires_at)},
            },
            "extension": [{"url": extension_url("consent-status"), "valueCode": status}],
        },
    )
