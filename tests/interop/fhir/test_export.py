"""`flask fhir export --out DIR`: the whole demo clinic as NDJSON, every line a valid R4B resource that survives a
round trip; and the mapping's codes where they matter."""

from __future__ import annotations

import json

import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.consents.models import Consent
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.treatments.models import OutcomeScore, TreatmentSession
from tests.interop.fhir.helpers import references, validate

EXPECTED_TYPES = {
    "Organization",
    "Practitioner",
    "Patient",
    "QuestionnaireResponse",
    "Observation",
    "Appointment",
    "Procedure",
    "AdverseEvent",
    "Medication",
    "CarePlan",
    "Consent",
    "Media",
    "Communication",
}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_export_writes_one_valid_ndjson_file_per_type(app, world, tmp_path):
    out = tmp_path / "export"
    result = app.test_cli_runner().invoke(args=["fhir", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = {path.stem: path for path in out.iterdir()}
    assert set(files) == EXPECTED_TYPES and all(p.suffix == ".ndjson" for p in files.values())
    seen: dict[str, set[str]] = {}
    pointed_at: set[str] = set()
    for kind, path in files.items():
        for line in path.read_text().splitlines():  # one resource per line, nothing else
            resource = json.loads(line)
            assert resource["resourceType"] == kind
            validate(resource)
            assert resource["id"] not in seen.setdefault(kind, set()), f"{kind}/{resource['id']} twice"
            seen[kind].add(resource["id"])
            pointed_at |= references(resource)
    in_clinic = sa.select(sa.func.count(Patient.id)).where(Patient.clinic_id == world["clinic_id"])
    assert len(seen["Patient"]) == db.session.scalar(in_clinic)  # the other clinic's patient is not in it
    assert str(world["elsewhere_patient_id"]) not in seen["Patient"]
    assert len(seen["Procedure"]) == _count(TreatmentSession)
    assert len(seen["Consent"]) == _count(Consent)
    assert {f"score-{i}" for i in db.session.scalars(sa.select(OutcomeScore.id))} <= seen["Observation"]
    present = {f"{kind}/{rid}" for kind, ids in seen.items() for rid in ids}
    assert pointed_at <= present, sorted(pointed_at - present)[:5]
    assert f"Patient.ndjson: {len(seen['Patient'])}" in result.output
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "clinic.fhir_export")).one()
    assert event.clinic_id == world["clinic_id"] and "Patient" in event.detail


def test_export_of_an_unknown_clinic_fails_and_writes_nothing(app, tmp_path):
    out = tmp_path / "export"
    result = app.test_cli_runner().invoke(args=["fhir", "export", "--out", str(out), "--clinic-id", "999"])
    assert result.exit_code != 0 and "no such clinic" in result.output
    assert not out.exists()


def _lines(folder, kind: str) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (folder / f"{kind}.ndjson").read_text().splitlines())}


def test_scores_consents_and_lots_keep_their_meaning(app, world, tmp_path):
    import base64

    from clinic.catalog.models import ProductLot
    from clinic.treatments.scores import SCALES

    out = tmp_path / "export"
    assert app.test_cli_runner().invoke(args=["fhir", "export", "--out", str(out)]).exit_code == 0
    observations = _lines(out, "Observation")
    for score in db.session.scalars(sa.select(OutcomeScore)):
        resource = observations[f"score-{score.id}"]
        assert resource["code"]["coding"][0]["code"] == score.scale
        assert resource["effectiveDateTime"] == score.recorded_on.isoformat()
        if SCALES[score.scale].is_categorical:
            assert resource["valueCodeableConcept"]["coding"][0]["code"] == score.label
        else:
            assert resource["valueQuantity"]["value"] == float(score.value)
    consents = _lines(out, "Consent")
    for consent in db.session.scalars(sa.select(Consent).limit(20)):
        resource = consents[str(consent.id)]
        assert base64.b64decode(resource["sourceAttachment"]["data"]).decode() == consent.text
        assert resource["status"] == ("active" if consent.status(now_utc()) == "valid" else "inactive")
        assert resource["provision"]["period"]["start"].startswith(consent.signed_at.date().isoformat())
    medications = _lines(out, "Medication")
    for lot in db.session.scalars(sa.select(ProductLot)):
        batch = medications[str(lot.id)]["batch"]
        assert batch == {"lotNumber": lot.lot_number, "expirationDate": lot.expires_on.isoformat()}
