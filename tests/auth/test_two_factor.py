"""Staff two-factor login (issue 15): TOTP enrolment with a QR code, ten hashed single-use recovery codes,
the clinic's policy (dermatologists and admins by default), a remembered device for at most 12 hours,
throttling, audit, and an admin reset that needs the admin's own second factor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from clinic.auth import totp
from clinic.auth.models import RecoveryCode, User
from clinic.extensions import db
from tests.auth.helpers import events
from tests.factories import PASSWORD, default_clinic, make_user

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _password(client, user, **extra):
    return client.post("/login", data={"email": user.email, "password": PASSWORD, **extra})


def _enrol(client, when: datetime) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).at(when)})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</li>", done.text)
    return secret, codes


@pytest.fixture
def required(app):
    clinic = default_clinic()
    clinic.totp_required_roles = "dermatologist,admin"
    db.session.commit()
    return clinic


def test_default_policy_is_dermatologists_and_admins(app):
    from clinic.clinics.models import Clinic

    clinic = Clinic(name="Fresh")
    db.session.add(clinic)
    db.session.flush()
    assert clinic.totp_required_roles == "dermatologist,admin"


def test_first_login_leads_to_enrolment_then_code_then_recovery_code(app, client, required):
    user = make_user("dermatologist")
    db.session.commit()
    with time_machine.travel(START, tick=False) as traveller:
        first = _password(client, user)
        assert first.headers["Location"].endswith("/account/two-factor")
        assert client.get("/patients").headers["Location"].endswith("/account/two-factor")  # no way around
        secret, codes = _enrol(client, START)
        assert len(codes) == 10 and len(set(codes)) == 10
        stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
        assert client.get("/patients").status_code == 200
        client.post("/logout", data={})

        traveller.shift(timedelta(minutes=1))
        step = _password(client, user)
        assert step.headers["Location"].endswith("/login/two-factor")
        assert client.get("/patients").status_code == 302  # the password alone logs nobody in
        wrong = client.post("/login/two-factor", data={"code": "000000"})
        assert wrong.status_code == 200 and "not correct" in wrong.text
        code = pyotp.TOTP(secret).at(START + timedelta(minutes=1))
        assert client.post("/login/two-factor", data={"code": code}).status_code == 302
        assert client.get("/patients").status_code == 200
        client.post("/logout", data={})

        _password(client, user)
        assert client.post("/login/two-factor", data={"code": code}).status_code == 200  # a code works once
        assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 302
        assert client.get("/patients").status_code == 200
        client.post("/logout", data={})
        _password(client, user)
        assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 200  # used up
    assert events("auth.second_factor_enabled", user_id=user.id)
    assert {e.detail for e in events("auth.second_factor", user_id=user.id, outcome="success")} == {
        "totp",
        "recovery code",
    }
    assert len(events("auth.second_factor", user_id=user.id, outcome="failure")) == 3


def test_aestheticians_are_not_forced_but_may_opt_in(app, client, required):
    user = make_user("aesthetician")
    db.session.commit()
    assert _password(client, user).headers["Location"].endswith("/patients")


def test_remembered_device_for_at_most_12_hours(app, client, required):
    user = make_user("admin")
    db.session.commit()
    with time_machine.travel(START, tick=False) as traveller:
        _password(client, user)
        secret, _ = _enrol(client, START)
        client.post("/logout", data={})
        traveller.shift(timedelta(minutes=1))
        _password(client, user)
        client.post(
            "/login/two-factor", data={"code": pyotp.TOTP(secret).at(START + timedelta(minutes=1)), "remember": "y"}
        )
        client.post("/logout", data={})
        traveller.shift(timedelta(hours=11))
        assert _password(client, user).headers["Location"].endswith("/admin/users")  # remembered
        client.post("/logout", data={})
        traveller.shift(timedelta(hours=1, minutes=1))
        assert _password(client, user).headers["Location"].endswith("/login/two-factor")  # 12 h are over


def test_codes_are_throttled_like_the_password(app, client, required):
    user = make_user("dermatologist")
    db.session.commit()
    with time_machine.travel(START, tick=False):
        _password(client, user)
        _enrol(client, START)
        client.post("/logout", data={})
        _password(client, user)
        statuses = [client.post("/login/two-factor", data={"code": "123456"}).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429


def test_admin_reset_needs_the_admins_own_code(app, required, login_as):
    derm = make_user("dermatologist")
    db.session.commit()
    with time_machine.travel(START, tick=False) as traveller:
        derm_client = app.test_client()
        _password(derm_client, derm)
        _enrol(derm_client, START)
        admin = make_user("admin")
        db.session.commit()
        admin_client = app.test_client()
        _password(admin_client, admin)
        admin_secret, _ = _enrol(admin_client, START)
        traveller.shift(timedelta(minutes=1))
        refused = admin_client.post(f"/admin/users/{derm.id}/two-factor/reset", data={"code": "000000"})
        assert refused.status_code == 302
        db.session.expire_all()
        assert totp.is_enabled(db.session.get(User, derm.id))
        code = pyotp.TOTP(admin_secret).at(START + timedelta(minutes=1))
        admin_client.post(f"/admin/users/{derm.id}/two-factor/reset", data={"code": code})
        db.session.expire_all()
        assert not totp.is_enabled(db.session.get(User, derm.id))
        assert derm_client.get("/patients").status_code == 302  # their sessions ended
        assert _password(derm_client, derm).headers["Location"].endswith("/account/two-factor")
    assert [e.outcome for e in events("user.second_factor_reset")] == ["failure", "success"]


def test_patients_may_opt_in(app, client):
    patient = make_user("patient")
    db.session.commit()
    with time_machine.travel(START, tick=False) as traveller:
        assert _password(client, patient).headers["Location"].endswith("/portal")
        secret, _ = _enrol(client, START)
        client.post("/logout", data={})
        traveller.shift(timedelta(minutes=1))
        assert _password(client, patient).headers["Location"].endswith("/login/two-factor")


def test_policy_page_changes_who_must_enrol(app, login_as):
    client, admin = login_as("admin")
    response = client.post("/admin/users/two-factor-policy", data={"aesthetician": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert default_clinic().totp_required_roles == "aesthetician"
    assert events("clinic.second_factor_policy")
