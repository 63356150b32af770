"""Personal API tokens: issuing, hashed storage, expiry, revocation, who may have one, the settings page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from clinic.api import tokens
from clinic.api.models import ApiToken
from clinic.db import now_utc
from clinic.extensions import db
from clinic.validation import Invalid
from tests.api.conftest import bearer
from tests.api.helpers import assert_problem, events
from tests.factories import make_clinic, make_user


def test_the_secret_is_shown_once_and_only_its_sha256_is_stored(app):
    user = make_user("dermatologist")
    token, secret = tokens.issue(user, name="Reports", scope="read", lifetime_days=30)
    db.session.commit()
    assert re.fullmatch(r"clinic_pat_[A-Za-z0-9_-]{43}", secret)
    row = db.session.get(ApiToken, token.id)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in db.session.execute(sa.select(ApiToken.__table__)).one())
    assert secret not in stored and secret[len(tokens.PREFIX) :] not in stored
    assert row.hint == secret[len(tokens.PREFIX) : len(tokens.PREFIX) + 4]
    assert row.expires_at - row.created_at == timedelta(days=30)
    assert events("api_token.create", object_id=str(token.id))


def test_two_tokens_never_share_a_secret(app):
    user = make_user("aesthetician")
    secrets = {tokens.issue(user, name=f"t{i}", scope="read", lifetime_days=1)[1] for i in range(5)}
    assert len(secrets) == 5


@pytest.mark.parametrize(
    ("role", "scope", "days", "field"),
    [
        ("patient", "read", 30, "name"),
        ("dermatologist", "admin", 30, "scope"),
        ("dermatologist", "read", 0, "lifetime_days"),
        ("dermatologist", "read", 366, "lifetime_days"),
    ],
)
def test_refused_tokens(app, role, scope, days, field):
    user = make_user(role)
    with pytest.raises(Invalid) as error:
        tokens.issue(user, name="x", scope=scope, lifetime_days=days)
    assert field in error.value.problems


def test_expired_revoked_and_deactivated_tokens_are_refused_with_401(app, client, issue_token):
    user, secret = issue_token("dermatologist")
    assert client.get("/api/v1/patients", headers=bearer(secret)).status_code == 200
    token = tokens.find(secret)
    token.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert_problem(client.get("/api/v1/patients", headers=bearer(secret)), 401)

    token.expires_at = now_utc() + timedelta(days=1)
    tokens.revoke(token, by=user)
    db.session.commit()
    assert_problem(client.get("/api/v1/patients", headers=bearer(secret)), 401)

    _, live = issue_token(user=user)
    user.active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/patients", headers=bearer(live)), 401)
    refused = events("access.denied", object_type="api_token")
    assert refused and refused[-1].user_id == user.id and "401" in refused[-1].detail


def test_unknown_and_malformed_tokens_are_401(client, app):
    for header in ("Bearer clinic_pat_" + "A" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", ""):
        body = assert_problem(client.get("/api/v1/patients", headers={"Authorization": header}), 401)
        assert "Bearer" in body["detail"]


def test_last_used_is_recorded(app, client, issue_token):
    _, secret = issue_token("aesthetician")
    assert tokens.find(secret).last_used_at is None
    client.get("/api/v1/patients", headers=bearer(secret))
    db.session.expire_all()
    assert tokens.find(secret).last_used_at is not None


# --- The settings page ------------------------------------------------------------------------------------


def test_staff_create_a_token_see_it_once_then_revoke_it(app, login_as):
    client, user = login_as("aesthetician")
    page = client.get("/account/api-tokens")
    assert page.status_code == 200 and 'for="name"' in page.text
    created = client.post("/account/api-tokens", data={"name": "Spreadsheet", "scope": "read", "lifetime_days": "30"})
    assert created.status_code == 201
    secret = re.search(r'value="(clinic_pat_[^"]+)"', created.text).group(1)
    assert tokens.find(secret).user_id == user.id
    again = client.get("/account/api-tokens")
    assert secret not in again.text and "Spreadsheet" in again.text and "Active" in again.text
    api = app.test_client()
    assert api.get("/api/v1/patients", headers=bearer(secret)).status_code == 200

    token = tokens.find(secret)
    revoked = client.post(f"/account/api-tokens/{token.id}/revoke", data={})
    assert revoked.status_code == 302
    assert "Revoked" in client.get("/account/api-tokens").text
    assert_problem(api.get("/api/v1/patients", headers=bearer(secret)), 401)
    assert events("api_token.revoke", object_id=str(token.id))


def test_the_form_shows_errors_beside_its_fields_and_keeps_input(login_as):
    client, _ = login_as("dermatologist")
    response = client.post("/account/api-tokens", data={"name": "", "scope": "write-all", "lifetime_days": "9"})
    assert response.status_code == 422
    assert 'id="name-error"' in response.text and 'aria-invalid="true"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_the_page_needs_a_csrf_token(app, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    client, _ = login_as("dermatologist")
    response = client.post(
        "/account/api-tokens", data={"name": "x", "scope": "read", "lifetime_days": "30"}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_nobody_revokes_another_persons_token(app, login_as, issue_token):
    owner, secret = issue_token("dermatologist")
    client, _ = login_as("dermatologist")
    token = tokens.find(secret)
    assert client.post(f"/account/api-tokens/{token.id}/revoke", data={}).status_code == 404
    db.session.expire_all()
    assert tokens.find(secret).revoked_at is None


def test_patients_have_no_token_page(login_as):
    client, _ = login_as("patient")
    assert client.get("/account/api-tokens").status_code == 403
    assert (
        client.post("/account/api-tokens", data={"name": "x", "scope": "read", "lifetime_days": "7"}).status_code == 403
    )


def test_a_token_acts_only_in_its_owners_clinic(app, client, issue_token):
    other = make_clinic("Elsewhere")
    user, secret = issue_token("dermatologist", clinic=other)
    body = client.get("/api/v1/patients", headers=bearer(secret)).get_json()
    assert body["meta"]["total"] == 0
    assert user.clinic_id == other.id
