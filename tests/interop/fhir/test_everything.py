"""GET /fhir/Patient/<id>/$everything: a searchset Bundle of everything about one patient, for clinical staff."""

from __future__ import annotations

import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle

from clinic.audit.models import AuditEvent
from clinic.consents.models import Consent
from clinic.extensions import db
from clinic.scheduling.models import Appointment
from clinic.treatments.models import OutcomeScore, TreatmentSession
from tests.interop.fhir.helpers import references, validate
from tests.interop.fhir.world import ADVERSE


def _url(patient_id) -> str:
    return f"/fhir/Patient/{patient_id}/$everything"


def _ids(model, patient_id) -> set[str]:
    return {str(i) for i in db.session.scalars(sa.select(model.id).where(model.patient_id == patient_id))}


def test_everything_holds_the_patients_sessions_scores_consents_and_appointments(world, client_for):
    pid = world["patient_id"]
    response = client_for(world["derm"]).get(_url(pid))
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    body = response.get_json(force=True)
    bundle = Bundle.model_validate(body)
    assert bundle.type == "searchset" and bundle.total == len(bundle.entry)
    by_type: dict[str, set[str]] = {}
    for entry in body["entry"]:
        resource = entry["resource"]
        validate(resource)
        assert entry["fullUrl"].endswith(f"/fhir/{resource['resourceType']}/{resource['id']}")
        by_type.setdefault(resource["resourceType"], set()).add(resource["id"])
    assert by_type["Patient"] == {str(pid)}
    assert by_type["Procedure"] == _ids(TreatmentSession, pid) != set()
    assert {f"score-{i}" for i in _ids(OutcomeScore, pid)} <= by_type["Observation"]
    assert by_type["Consent"] == _ids(Consent, pid) != set()
    assert by_type["Appointment"] == _ids(Appointment, pid)
    assert by_type["AdverseEvent"] == {str(world["session_id"])}
    assert {"Organization", "Practitioner", "Medication", "CarePlan", "Media", "Communication"} <= set(by_type)
    assert "AuditEvent" not in by_type  # the staff view; the patient's own download carries the access log


def test_everything_names_nothing_of_another_patient_and_resolves_its_references(world, client_for):
    body = client_for(world["derm"]).get(_url(world["patient_id"])).get_json(force=True)
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in body["entry"]}
    pointed_at = set().union(*(references(e["resource"]) for e in body["entry"]))
    assert f"Patient/{world['other_id']}" not in pointed_at
    assert {r for r in pointed_at if r.startswith("Patient/")} == {f"Patient/{world['patient_id']}"}
    assert pointed_at <= present, pointed_at - present  # every reference resolves inside the Bundle
    others = _ids(TreatmentSession, world["other_id"])
    assert not {e["resource"]["id"] for e in body["entry"] if e["resource"]["resourceType"] == "Procedure"} & others


def test_adverse_event_and_amendment_are_mapped(world, client_for):
    body = client_for(world["derm"]).get(_url(world["patient_id"])).get_json(force=True)
    resources = {(e["resource"]["resourceType"], e["resource"]["id"]): e["resource"] for e in body["entry"]}
    sid = str(world["session_id"])
    event = resources[("AdverseEvent", sid)]
    assert (
        event["event"]["text"] == ADVERSE and event["suspectEntity"][0]["instance"]["reference"] == f"Procedure/{sid}"
    )
    procedure = resources[("Procedure", sid)]
    assert procedure["status"] == "completed"
    assert procedure["complication"] == [{"text": ADVERSE}]
    assert any(n["text"].startswith("Amended:") for n in procedure["note"])
    assert any(site.get("coding", [{}])[0].get("system") == "http://snomed.info/sct" for site in procedure["bodySite"])
    assert procedure["usedReference"][0]["reference"].startswith("Medication/")
    medication = resources[("Medication", procedure["usedReference"][0]["reference"].split("/")[1])]
    assert medication["batch"]["lotNumber"] and medication["batch"]["expirationDate"]


def test_the_read_is_audited(world, client_for):
    client_for(world["derm"]).get(_url(world["patient_id"]))
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.patient_id == world["patient_id"]).order_by(AuditEvent.id.desc())
    ).first()
    assert event.action == "patient.view" and "$everything" in event.detail and event.user_id == world["derm"][0].id


def test_wrong_roles_are_refused_and_other_clinics_get_404(world, client_for):
    url = _url(world["patient_id"])
    assert client_for(world["aesthetician"]).get(url).status_code == 200
    assert client_for(world["admin"]).get(url).status_code == 403
    assert client_for(world["portal_user"]).get(url).status_code == 403
    assert client_for(world["portal_user"]).get(_url(world["portal_user"][0].patient_id)).status_code == 403
    assert client_for(world["elsewhere_derm"]).get(url).status_code == 404
    denial = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert denial.outcome != "success" and denial.user_id == world["elsewhere_derm"][0].id
    assert client_for(world["derm"]).get(_url(world["elsewhere_patient_id"])).status_code == 404
    assert client_for(world["derm"]).get(_url(2_147_483_647)).status_code == 404
    assert client_for(world["derm"]).get("/fhir/Patient/abc/$everything").status_code == 404


def test_anonymous_is_sent_to_login(app, world):
    response = app.test_client().get(_url(world["patient_id"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_revoked_consent_is_inactive_and_ends_when_revoked(world, client_for):
    body = client_for(world["derm"]).get(_url(world["patient_id"])).get_json(force=True)
    consents = {e["resource"]["id"]: e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "Consent"}
    revoked = consents.pop(str(world["revoked_consent_id"]))
    row = db.session.get(Consent, world["revoked_consent_id"])
    assert revoked["status"] == "inactive"
    assert revoked["extension"][0]["valueCode"] == "revoked"
    assert validate(revoked).provision.period.end == row.revoked_at  # not the expiry: it ended when revoked
    assert {c["status"] for c in consents.values()} == {"active"}
