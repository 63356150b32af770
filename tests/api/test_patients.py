"""/api/v1/patients: the patient pages' search, rules and audit, through a token."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from clinic.api import patients as api_patients
from clinic.extensions import db
from clinic.patients.models import Patient
from tests.api.helpers import assert_problem, events
from tests.auth.helpers import shown_patients
from tests.factories import make_patient


def test_search_pages_are_capped_and_sorted_by_an_allow_listed_column(api):
    client, headers, _ = api
    for name in ("Cole", "Abbot", "Baker"):
        make_patient(last_name=name)
    db.session.commit()
    body = client.get("/api/v1/patients?sort=name&page_size=2", headers=headers).get_json()
    assert [p["last_name"] for p in body["items"]] == ["Abbot", "Baker"]
    assert body["meta"] == {"page": 1, "page_size": 2, "total": 3, "pages": 2}
    second = client.get("/api/v1/patients?sort=name&page_size=2&page=2", headers=headers).get_json()
    assert [p["last_name"] for p in second["items"]] == ["Cole"]
    desc = client.get("/api/v1/patients?sort=name&dir=desc", headers=headers).get_json()
    assert desc["items"][0]["last_name"] == "Cole"
    assert_problem(client.get("/api/v1/patients?page_size=101", headers=headers), 422)
    assert_problem(client.get("/api/v1/patients?page_size=0", headers=headers), 422)
    assert_problem(client.get("/api/v1/patients?sort=first_name;drop", headers=headers), 422)
    assert client.get("/api/v1/patients?page_size=100", headers=headers).status_code == 200


def test_search_uses_the_pages_search_and_audits_each_patient_listed(api):
    client, headers, user = api
    ana = make_patient(first_name="Ana", last_name="Smith")
    make_patient(first_name="Bob", last_name="Jones")
    db.session.commit()
    body = client.get("/api/v1/patients?q=smi", headers=headers).get_json()
    assert [p["id"] for p in body["items"]] == [ana.id]
    [listed] = events("patient.list", user_id=user.id)
    assert shown_patients(listed) == [ana.id]


def test_read_is_audited_and_carries_an_etag(api):
    client, headers, user = api
    patient = make_patient()
    db.session.commit()
    response = client.get(f"/api/v1/patients/{patient.id}", headers=headers)
    assert response.status_code == 200 and response.headers["ETag"]
    assert response.get_json()["record_number"] == patient.record_number
    assert events("patient.view", patient_id=patient.id, user_id=user.id)
    again = client.get(f"/api/v1/patients/{patient.id}", headers={**headers, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_create_uses_the_clinics_time_zone_and_audits(api):
    client, headers, user = api
    response = client.post(
        "/api/v1/patients",
        headers=headers,
        json={"first_name": " Ana ", "last_name": "Silva", "date_of_birth": "1990-04-01", "concerns": ["rosacea"]},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/patients/{body['id']}")
    assert body["first_name"] == "Ana" and body["concerns"] == ["rosacea"]
    assert body["timezone"] == user.clinic.timezone
    assert events("patient.create", patient_id=body["id"], user_id=user.id)


def test_update_needs_the_current_etag(api):
    client, headers, _ = api
    patient = make_patient(first_name="Ana", allergies="latex")
    db.session.commit()
    etag = client.get(f"/api/v1/patients/{patient.id}", headers=headers).headers["ETag"]
    changed = client.patch(
        f"/api/v1/patients/{patient.id}", headers={**headers, "If-Match": etag}, json={"first_name": "Anna"}
    )
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["first_name"] == "Anna" and body["allergies"] == "latex" and body["version"] == 2
    assert changed.headers["ETag"] != etag
    # A second writer still holding the first ETag is refused, and nothing of theirs is saved.
    stale = client.patch(
        f"/api/v1/patients/{patient.id}", headers={**headers, "If-Match": etag}, json={"first_name": "Stale"}
    )
    assert_problem(stale, 412)
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).first_name == "Anna"
    assert events("patient.update", patient_id=patient.id)


def test_update_validates_like_create(api):
    client, headers, _ = api
    patient = make_patient()
    db.session.commit()
    etag = client.get(f"/api/v1/patients/{patient.id}", headers=headers).headers["ETag"]
    future = date.today().replace(year=date.today().year + 1).isoformat()
    for body in ({"date_of_birth": future}, {"timezone": "Mars/Olympus"}, {"fitzpatrick": 7}, {"id": 5}):
        response = client.patch(f"/api/v1/patients/{patient.id}", headers={**headers, "If-Match": etag}, json=body)
        assert_problem(response, 422)


def test_a_write_that_loses_a_race_is_409_problem_json(api, monkeypatch):
    """Two writers pass the If-Match check at the same moment; the second one's UPDATE finds the version moved
    (SQLAlchemy's version check) and the API answers 409, changed meanwhile, with nothing saved."""
    client, headers, _ = api
    patient = make_patient(first_name="Ana")
    db.session.commit()
    etag = client.get(f"/api/v1/patients/{patient.id}", headers=headers).headers["ETag"]
    real_update = api_patients.services.update_patient

    def racing_update(target, details, *, loaded_version):
        with db.engine.begin() as other_writer:  # another request commits first
            other_writer.execute(
                sa.update(Patient).where(Patient.id == target.id).values(version=Patient.version + 1, notes="theirs")
            )
        return real_update(target, details, loaded_version=loaded_version)

    monkeypatch.setattr(api_patients.services, "update_patient", racing_update)
    response = client.patch(
        f"/api/v1/patients/{patient.id}", headers={**headers, "If-Match": etag}, json={"first_name": "Mine"}
    )
    body = assert_problem(response, 409)
    assert body["type"].endswith("/changed-meanwhile")
    db.session.expire_all()
    saved = db.session.get(Patient, patient.id)
    assert (saved.first_name, saved.notes) == ("Ana", "theirs")
