import re

from clinic.extensions import db
from tests.auth.helpers import events, is_login_redirect, session_cookie, session_data
from tests.factories import PASSWORD, make_user

FAILURE_MESSAGE = "E-mail or password is incorrect."


def _without_token(html: str, email: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html).replace(email, "EMAIL")


def test_login_success_goes_home_and_is_audited(app, client):
    user = make_user("dermatologist")
    db.session.commit()
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/patients")
    assert client.get("/patients").status_code == 200
    [event] = events("auth.login", user_id=user.id)
    assert event.outcome == "success" and event.ip == "127.0.0.1" and event.role == "dermatologist"


def test_unknown_email_and_wrong_password_look_the_same(app, client):
    user = make_user("aesthetician")
    db.session.commit()
    unknown = client.post("/login", data={"email": "nobody@example.test", "password": PASSWORD})
    wrong = client.post("/login", data={"email": user.email, "password": PASSWORD + "x"})
    assert unknown.status_code == wrong.status_code == 200
    assert FAILURE_MESSAGE in unknown.text and FAILURE_MESSAGE in wrong.text
    assert _without_token(unknown.text, "nobody@example.test") == _without_token(wrong.text, user.email)
    failures = events("auth.login", outcome="failure")
    assert [e.user_id for e in failures] == [None, user.id]
    assert "nobody@example.test" in failures[0].detail


def test_inactive_user_cannot_log_in(app, client):
    user = make_user("dermatologist", active=False)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200 and FAILURE_MESSAGE in response.text
    assert is_login_redirect(client.get("/patients"))
    assert [e.outcome for e in events("auth.login", user_id=user.id)] == ["failure"]


def test_invited_user_without_password_cannot_log_in(app, client):
    user = make_user("dermatologist", password=None)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert FAILURE_MESSAGE in response.text


def test_login_issues_a_new_session_identifier(app, client):
    user = make_user("dermatologist")
    db.session.commit()
    client.get("/login")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    first = session_data(app, client)["sid"]
    client.post("/logout", data={})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    second = session_data(app, client)
    assert second["sid"] != first
    assert session_cookie(client) is not None


def test_session_cookie_carries_no_patient_data(app, login_as):
    client, user = login_as("patient")
    client.get("/portal")
    data = session_data(app, client)
    assert set(data) <= {"sid", "_user_id", "_fresh", "_id", "_permanent", "csrf_token", "_flashes"}
    assert user.patient.last_name not in str(data)


def test_logout_is_audited(app, login_as):
    client, user = login_as("aesthetician")
    response = client.post("/logout", data={})
    assert is_login_redirect(response)
    assert len(events("auth.logout", user_id=user.id)) == 1
