"""When the SMTP server is down, nothing half-done is saved and nothing tells whether an account exists."""

import socket

import pytest
import sqlalchemy as sa

from clinic.auth.models import OneTimeToken, User
from clinic.extensions import db, mail
from tests.factories import make_user


@pytest.fixture
def smtp_down(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=closed_port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
    )
    mail.init_app(app)


def test_invitation_is_not_saved_when_mail_fails(app, login_as, smtp_down):
    client, admin = login_as("admin")
    response = client.post(
        "/admin/users/invite",
        data={"full_name": "Nora Nomail", "email": "nora@example.com", "role": "aesthetician"},
    )
    assert response.status_code == 200
    assert "could not be sent" in response.text and 'value="Nora Nomail"' in response.text
    assert db.session.scalar(sa.select(User).where(User.email == "nora@example.com")) is None


def test_forgot_password_answers_as_usual_when_mail_fails(app, client, smtp_down):
    make_user("aesthetician", email="known.down@example.com")
    db.session.commit()
    known = client.post("/password/forgot", data={"email": "known.down@example.com"})
    unknown = client.post("/password/forgot", data={"email": "unknown.down@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeToken)) == 0
