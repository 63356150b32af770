"""E-mail leaves through the outbox, so an SMTP outage never shows in a page (finding 4 of issue 15).

"Forgot password" does the same work for an unknown address as for a known one: one outbox row each, no
SMTP inside the request, no token issued until the dispatcher sends; the unknown address's row is
cancelled by the dispatcher instead of sent.
"""

import socket
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from clinic.auth.models import OneTimeToken, User
from clinic.extensions import db, mail
from clinic.reminders.dispatcher import send_due
from clinic.reminders.models import OutboxMessage
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


def _rows(kind: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def test_invitation_is_queued_and_retried_when_mail_fails(app, login_as, smtp_down):
    client, admin = login_as("admin")
    response = client.post(
        "/admin/users/invite",
        data={"full_name": "Nora Nomail", "email": "nora@example.com", "role": "aesthetician"},
    )
    assert response.status_code == 302  # no SMTP inside the request, so an outage cannot fail it
    user = db.session.scalar(sa.select(User).where(User.email == "nora@example.com"))
    [row] = _rows("invitation")
    assert (row.user_id, row.recipient, row.status) == (user.id, "nora@example.com", "pending")
    result = send_due(datetime.now(UTC))
    assert result.failed == 1
    [row] = _rows("invitation")
    assert row.status == "pending" and row.attempts == 1  # retried later with backoff


def test_forgot_password_does_the_same_work_for_unknown_addresses(app, client, smtp_down):
    make_user("aesthetician", email="known.down@example.com")
    db.session.commit()
    known = client.post("/password/forgot", data={"email": "known.down@example.com"})
    unknown = client.post("/password/forgot", data={"email": "unknown.down@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    rows = _rows("password_reset")
    assert [r.recipient for r in rows] == ["known.down@example.com", "unknown.down@example.com"]
    assert [r.status for r in rows] == ["pending", "pending"]
    # No token exists until the dispatcher renders the e-mail: the request did no token work for either.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeToken)) == 0


def test_the_dispatcher_cancels_the_unknown_address_and_sends_the_known(app, client, mailbox):
    make_user("aesthetician", email="known@example.com")
    db.session.commit()
    client.post("/password/forgot", data={"email": "known@example.com"})
    client.post("/password/forgot", data={"email": "nobody@example.com"})
    assert mailbox.handler.messages == []  # nothing was sent inside the requests
    assert [m["To"] for m in mailbox] == ["known@example.com"]
    statuses = {r.recipient: r.status for r in _rows("password_reset")}
    assert statuses == {"known@example.com": "sent", "nobody@example.com": "cancelled"}
