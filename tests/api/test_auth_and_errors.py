"""Token login on /api/v1 and its errors: problem+json for every status, no cookies, scopes, roles, limits."""

from __future__ import annotations

import sqlalchemy as sa

from clinic import create_app
from clinic.auth.models import LoginSession
from clinic.extensions import db
from clinic.patients.models import Patient
from tests.api.conftest import bearer
from tests.api.helpers import assert_problem, events
from tests.factories import make_clinic, make_patient

NEW = {"first_name": "Ana", "last_name": "Silva", "date_of_birth": "1990-04-01"}


def _patients() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Patient.id)))


def test_a_login_cookie_is_not_accepted_on_the_api(login_as):
    client, _ = login_as("dermatologist")
    assert client.get("/patients").status_code == 200  # the cookie works on the pages
    assert_problem(client.get("/api/v1/patients"), 401)
    assert_problem(client.post("/api/v1/patients", json=NEW), 401)
    assert _patients() == 0


def test_token_requests_create_no_session(app, api):
    client, headers, _ = api
    sessions = db.session.scalar(sa.select(sa.func.count(LoginSession.id)))
    response = client.get("/api/v1/patients", headers=headers)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert db.session.scalar(sa.select(sa.func.count(LoginSession.id))) == sessions
    assert "Set-Cookie" not in client.post("/api/v1/patients", headers=headers, json=NEW).headers


def test_the_api_never_redirects_to_the_login_page(client):
    for method in ("get", "post", "patch"):
        response = getattr(client, method)("/api/v1/patients/1", json={})
        assert response.status_code in (401, 405) and "Location" not in response.headers
        assert response.mimetype == "application/problem+json"


def test_token_writes_need_no_csrf_but_pages_still_do(app, issue_token, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    _, secret = issue_token("dermatologist")
    created = app.test_client().post("/api/v1/patients", headers=bearer(secret), json=NEW)
    assert created.status_code == 201
    client, _ = login_as("dermatologist")
    form = {"first_name": "Eve", "last_name": "Page", "date_of_birth": "1990-01-01", "timezone": "UTC"}
    assert client.post("/patients/new", data=form, csrf=False).status_code == 400
    assert _patients() == 1


def test_a_read_token_cannot_write(app, issue_token):
    _, secret = issue_token("dermatologist", scope="read")
    client = app.test_client()
    assert client.get("/api/v1/patients", headers=bearer(secret)).status_code == 200
    body = assert_problem(client.post("/api/v1/patients", headers=bearer(secret), json=NEW), 403)
    assert body["title"] == "Forbidden"
    assert _patients() == 0
    assert events("access.denied")[-1].detail.startswith("403 POST /api/v1/patients")


def test_a_wrong_role_is_403(app, issue_token):
    _, secret = issue_token("admin")  # admins manage the clinic; they do not open charts
    assert_problem(app.test_client().get("/api/v1/patients", headers=bearer(secret)), 403)
    assert app.test_client().get("/api/v1/openapi.json", headers=bearer(secret)).status_code == 200


def test_another_clinics_patient_is_404_and_audited(app, api):
    client, headers, _ = api
    stranger = make_patient(make_clinic("Other clinic"))
    db.session.commit()
    body = assert_problem(client.get(f"/api/v1/patients/{stranger.id}", headers=headers), 404)
    assert "Other clinic" not in str(body)
    assert_problem(
        client.patch(f"/api/v1/patients/{stranger.id}", headers={**headers, "If-Match": '"x"'}, json={}), 404
    )
    assert events("access.denied")[-1].detail.startswith("404")


def test_problem_json_for_each_error(app, api):
    client, headers, _ = api
    patient = make_patient()
    db.session.commit()
    bad_json = client.post("/api/v1/patients", headers=headers, data="{oops", content_type="application/json")
    assert "JSON" in assert_problem(bad_json, 400)["detail"]
    assert_problem(client.get("/api/v1/no-such-thing", headers=headers), 404)
    assert_problem(client.get("/api/v1/patients/99999999999999", headers=headers), 404)
    not_allowed = client.delete(f"/api/v1/patients/{patient.id}", headers=headers)
    assert_problem(not_allowed, 405)
    assert "PATCH" in not_allowed.headers["Allow"]
    assert_problem(client.post("/api/v1/patients", headers=headers, data="first_name=A"), 415)
    huge = client.post("/api/v1/patients", headers=headers, json={**NEW, "notes": "x" * 2_000_000})
    assert_problem(huge, 413)
    unknown = assert_problem(client.post("/api/v1/patients", headers=headers, json={**NEW, "ssn": "1"}), 422)
    assert unknown["errors"] == {"ssn": "Unknown field."}
    invalid = assert_problem(
        client.post("/api/v1/patients", headers=headers, json={**NEW, "date_of_birth": "1850-01-01", "sex": "x"}), 422
    )
    assert set(invalid["errors"]) == {"date_of_birth", "sex"}
    assert_problem(client.get("/api/v1/patients?colour=red", headers=headers), 422)
    assert_problem(client.patch(f"/api/v1/patients/{patient.id}", headers=headers, json={"notes": "x"}), 428)
    stale = client.patch(f"/api/v1/patients/{patient.id}", headers={**headers, "If-Match": '"0"'}, json={"notes": "x"})
    assert_problem(stale, 412)
    assert _patients() == 1


def test_control_characters_are_refused_not_stored(api):
    client, headers, _ = api
    body = assert_problem(client.post("/api/v1/patients", headers=headers, json={**NEW, "last_name": "Nul\u0000"}), 422)
    assert "last_name" in body["errors"]
    assert_problem(client.get("/api/v1/patients?q=a%00b", headers=headers), 422)
    assert_problem(client.post("/api/v1/patients", headers=headers, json={**NEW, "first_name": "   "}), 422)


def test_rate_limited_per_token(app_config, issue_token):
    _, first = issue_token("dermatologist")
    _, second = issue_token("aesthetician")
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "CLINIC_API_RATE_LIMIT": "3/minute"})
    client = limited.test_client()
    statuses = [client.get("/api/v1/patients", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert_problem(client.get("/api/v1/patients", headers=bearer(first)), 429)
    assert client.get("/api/v1/patients", headers=bearer(second)).status_code == 200  # its own budget


def test_guessing_tokens_from_one_address_is_limited_too(app_config):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "CLINIC_API_ADDRESS_RATE_LIMIT": "3/minute"})
    client = limited.test_client()
    statuses = [
        client.get("/api/v1/patients", headers=bearer(f"clinic_pat_guess{i:039d}")).status_code for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
