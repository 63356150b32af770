"""Password reset and invitation links, delivered through a real SMTP server."""

import base64
import re
from datetime import UTC, datetime, timedelta

import time_machine

from clinic.extensions import db
from tests.auth.helpers import events, is_login_redirect, replay_cookie, session_cookie
from tests.factories import PASSWORD, make_user
from tests.fixtures.mail import body_text

# Forms check addresses with email-validator, which rightly refuses the reserved .test domain.
NEW_PASSWORD = "violet tram under seven bridges"
LINK = re.compile(r"http://clinic\.test(/(?:password/reset|invitation)/[A-Za-z0-9_-]+)")


def _link_path(message) -> str:
    return LINK.search(body_text(message)).group(1)


def _ask_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email})


def _set_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def test_reset_link_works_once_and_ends_other_sessions(app, client, login_as, mailbox):
    logged_in, user = login_as("dermatologist", email="reset.once@example.com")
    cookie = session_cookie(logged_in)
    _ask_reset(client, user.email)
    [message] = mailbox
    assert message["To"] == user.email and "Reset your password" in message["Subject"]
    path = _link_path(message)
    token = path.rsplit("/", 1)[1]
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    assert client.get(path).status_code == 200
    response = _set_password(client, path)
    assert is_login_redirect(response)
    assert client.get(path).status_code == 404
    assert _set_password(client, path, "another good passphrase 9").status_code == 404
    assert is_login_redirect(replay_cookie(app, cookie).get("/patients"))
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    assert len(events("auth.password_reset_used", user_id=user.id)) == 1


def test_reset_link_expires(app, client, mailbox):
    user = make_user("aesthetician", email="expiring@example.com")
    db.session.commit()
    start = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        _ask_reset(client, user.email)
        path = _link_path(mailbox[0])
        traveller.shift(timedelta(hours=1, minutes=59))
        assert client.get(path).status_code == 200
        traveller.shift(timedelta(minutes=2))
        assert client.get(path).status_code == 404
        assert _set_password(client, path).status_code == 404


def test_a_new_reset_link_kills_the_earlier_one(app, client, mailbox):
    user = make_user("aesthetician", email="twice@example.com")
    db.session.commit()
    _ask_reset(client, user.email)
    _ask_reset(client, user.email)
    first, second = (_link_path(m) for m in mailbox)
    assert first != second
    assert client.get(first).status_code == 404
    assert is_login_redirect(_set_password(client, second))


def test_forgot_password_answers_the_same_for_unknown_addresses(app, client, mailbox):
    user = make_user("aesthetician", email="known@example.com")
    db.session.commit()
    known = _ask_reset(client, user.email)
    known_page = client.get("/login").text
    unknown = _ask_reset(client, "nobody@example.com")
    unknown_page = client.get("/login").text
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert "If that address belongs to an account" in known_page
    assert "If that address belongs to an account" in unknown_page
    assert len(mailbox) == 1


def test_reset_form_keeps_rules(app, client, mailbox):
    user = make_user("aesthetician", email="rules@example.com")
    db.session.commit()
    _ask_reset(client, user.email)
    path = _link_path(mailbox[0])
    response = _set_password(client, path, "short")
    assert response.status_code == 200 and "at least 8" in response.text
    assert client.get(path).status_code == 200  # a refused attempt does not use up the link


def test_staff_invitation_by_email(app, login_as, client, mailbox):
    admin_client, admin = login_as("admin")
    response = admin_client.post(
        "/admin/users/invite",
        data={"full_name": "Dana Derm", "email": "Dana.Derm@Example.com", "role": "dermatologist"},
    )
    assert response.status_code == 302
    [message] = mailbox
    assert message["To"] == "dana.derm@example.com"
    path = _link_path(message)
    assert path.startswith("/invitation/")
    assert "Welcome, Dana Derm" in client.get(path).text
    assert is_login_redirect(_set_password(client, path))
    assert client.get(path).status_code == 404
    login = client.post("/login", data={"email": "dana.derm@example.com", "password": NEW_PASSWORD})
    assert login.headers["Location"].endswith("/patients")
    assert len(events("user.invited")) == 1 and len(events("auth.invitation_used")) == 1


def test_invitation_expires(app, login_as, client, mailbox):
    start = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        admin_client, admin = login_as("admin")
        admin_client.post(
            "/admin/users/invite",
            data={"full_name": "Ari Aesthetic", "email": "ari@example.com", "role": "aesthetician"},
        )
        path = _link_path(mailbox[0])
        traveller.shift(timedelta(hours=72, minutes=1))
        assert client.get(path).status_code == 404
