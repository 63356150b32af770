"""The portal's "Download my data": a ZIP holding a FHIR Bundle that validates, an HTML summary and the photos,
with nothing of another patient; audited; patients only."""

from __future__ import annotations

import html
import io
import json
import zipfile
from pathlib import Path

import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from flask import current_app

from clinic.audit.models import AuditEvent
from clinic.consents.models import Consent
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.photos.models import Photo
from tests.interop.fhir.helpers import references, validate
from tests.interop.fhir.world import ADVERSE

URL = "/portal/my-record.zip"


def _download(client) -> zipfile.ZipFile:
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_zip_holds_a_valid_bundle_the_summary_and_the_photos(world, client_for):
    archive = _download(client_for(world["portal_user"]))
    assert archive.testzip() is None
    names = set(archive.namelist())
    photo = db.session.get(Photo, world["photo_id"])
    photo_file = f"photos/{photo.taken_on.isoformat()}_face_front_before_{photo.id}.jpg"
    assert names == {"record.fhir.json", "summary.html", photo_file}
    body = json.loads(archive.read("record.fhir.json"))
    Bundle.model_validate(body)
    kinds = {}
    for entry in body["entry"]:
        validate(entry["resource"])
        kinds.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    assert {
        "Patient",
        "QuestionnaireResponse",
        "Procedure",
        "Consent",
        "CarePlan",
        "AuditEvent",
        "Communication",
    } <= set(kinds)
    (media,) = kinds["Media"]
    assert media["content"]["url"] == photo_file
    assert archive.read(photo_file) == (Path(current_app.config["CLINIC_PHOTO_DIR"]) / photo.storage_name).read_bytes()
    consent = db.session.scalars(sa.select(Consent).where(Consent.patient_id == world["patient_id"])).first()
    summary = archive.read("summary.html").decode()
    assert "<link" not in summary and "<script" not in summary and "src=" not in summary  # self-contained
    patient = db.session.get(Patient, world["patient_id"])
    for text in (patient.record_number, ADVERSE, "Reported at the follow-up call", consent.title, photo_file):
        assert text in summary, text
    assert consent.text.splitlines()[0] in html.unescape(summary)  # the frozen text, as signed


def test_nothing_of_another_patient_is_in_it(world, client_for):
    archive = _download(client_for(world["portal_user"]))
    body = json.loads(archive.read("record.fhir.json"))
    pointed_at = set().union(*(references(e["resource"]) for e in body["entry"]))
    assert {r for r in pointed_at if r.startswith("Patient/")} == {f"Patient/{world['patient_id']}"}
    other = db.session.get(Patient, world["other_id"])
    everything = archive.read("record.fhir.json").decode() + archive.read("summary.html").decode()
    assert other.record_number not in everything and other.last_name not in everything
    assert not [n for n in archive.namelist() if "scalp_vertex" in n]  # the other patient's photo


def test_each_patient_gets_their_own_and_the_download_is_audited(world, client_for):
    mine = json.loads(_download(client_for(world["portal_user"])).read("record.fhir.json"))
    theirs = json.loads(_download(client_for(world["other_user"])).read("record.fhir.json"))
    assert [e["resource"]["id"] for e in mine["entry"] if e["resource"]["resourceType"] == "Patient"] == [
        str(world["patient_id"])
    ]
    assert [e["resource"]["id"] for e in theirs["entry"] if e["resource"]["resourceType"] == "Patient"] == [
        str(world["other_id"])
    ]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "patient.export")).all()
    assert {(e.patient_id, e.user_id) for e in events} == {
        (world["patient_id"], world["portal_user"][0].id),
        (world["other_id"], world["other_user"][0].id),
    }
    assert all(e.detail.startswith("zip:") for e in events)


def test_staff_cannot_download_and_the_record_page_offers_it(world, client_for):
    assert client_for(world["derm"]).get(URL).status_code == 403
    page = client_for(world["portal_user"]).get("/portal")
    assert "Download my data" in page.text and URL in page.text
    assert client_for(world["portal_user"]).get("/portal/my-data.json").status_code == 200  # still there
