"""A copied cookie must stop working once its login session ends, however it ends."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clinic.auth.models import LoginSession
from clinic.extensions import db
from tests.auth.helpers import events, is_login_redirect, replay_cookie, session_cookie
from tests.factories import PASSWORD

NEW_PASSWORD = "a fresh and long passphrase 42"


def _stolen_cookie(login_as, role="dermatologist"):
    client, user = login_as(role)
    home = "/portal" if role == "patient" else "/patients"
    assert client.get(home).status_code == 200
    return client, user, session_cookie(client), home


@pytest.mark.parametrize("role", ["dermatologist", "patient"])
def test_old_cookie_is_useless_after_logout(app, login_as, role):
    client, user, cookie, home = _stolen_cookie(login_as, role)
    assert replay_cookie(app, cookie).get(home).status_code == 200
    client.post("/logout", data={})
    assert is_login_redirect(replay_cookie(app, cookie).get(home))


def test_old_cookie_is_useless_after_password_change(app, login_as):
    client, user, cookie, home = _stolen_cookie(login_as)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert is_login_redirect(response)
    assert is_login_redirect(replay_cookie(app, cookie).get(home))
    assert is_login_redirect(client.get(home))
    assert len(events("auth.password_changed", user_id=user.id)) == 1


def test_password_change_needs_the_current_password(app, login_as):
    client, user, cookie, home = _stolen_cookie(login_as)
    response = client.post(
        "/account/password",
        data={"current_password": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 200 and "current password is not correct" in response.text
    assert replay_cookie(app, cookie).get(home).status_code == 200


def test_old_cookie_is_useless_after_deactivation(app, login_as):
    admin_client, _ = login_as("admin")
    _, user, cookie, home = _stolen_cookie(login_as)
    response = admin_client.post(f"/admin/users/{user.id}/deactivate", data={})
    assert response.status_code == 302
    assert is_login_redirect(replay_cookie(app, cookie).get(home))


def test_old_cookie_is_useless_after_admin_ends_sessions(app, login_as):
    admin_client, _ = login_as("admin")
    client, user, cookie, home = _stolen_cookie(login_as)
    admin_client.post(f"/admin/users/{user.id}/end-sessions", data={})
    assert is_login_redirect(replay_cookie(app, cookie).get(home))
    assert is_login_redirect(client.get(home))
    assert events("user.sessions_ended", object_id=str(user.id))[0].detail == "sessions_ended=1"


def test_idle_timeout_after_30_minutes_without_activity(app, login_as):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        client, user = login_as("aesthetician")
        for _ in range(4):  # activity keeps the session alive well past 30 minutes in total
            traveller.shift(timedelta(minutes=25))
            assert client.get("/patients").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert is_login_redirect(client.get("/patients"))
    login = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)).one()
    assert login.end_reason == "idle_timeout"
    assert len(events("auth.session_expired", user_id=user.id)) == 1


def test_absolute_timeout_after_12_hours_even_with_activity(app, login_as):
    with time_machine.travel(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), tick=False) as traveller:
        client, user = login_as("dermatologist")
        for _ in range(11 * 3):
            traveller.shift(timedelta(minutes=20))
            assert client.get("/patients").status_code == 200
        for _ in range(2):  # 11 h 58 min after login
            traveller.shift(timedelta(minutes=29))
            assert client.get("/patients").status_code == 200
        traveller.shift(timedelta(minutes=3))
        assert is_login_redirect(client.get("/patients"))
    db.session.expire_all()
    login = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)).one()
    assert login.end_reason == "absolute_timeout"


def test_timeouts_are_per_clinic_settings(app, login_as):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        client, user = login_as("aesthetician")
        user.clinic.idle_timeout_minutes = 5
        db.session.commit()
        traveller.shift(timedelta(minutes=6))
        assert is_login_redirect(client.get("/patients"))
