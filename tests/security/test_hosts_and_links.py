"""Finding 1 of issue 15: links in e-mails come from CLINIC_BASE_URL; a forged Host is refused.

These tests run without SERVER_NAME (as production does), so the request's Host header is what Flask would
otherwise use to build absolute links.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from tests.factories import make_patient, make_user
from tests.fixtures.mail import body_text

LINK = re.compile(r"https?://[^/\s]+/password/reset/[A-Za-z0-9_-]+")


@pytest.fixture
def app_config(app_config):
    # CSRF off: an attacker fetches the form under the forged Host first and posts a valid token anyway.
    return {
        **app_config,
        "SERVER_NAME": None,
        "CLINIC_BASE_URL": "https://clinic.example.org",
        "CLINIC_TRUSTED_HOSTS": "localhost",
        "WTF_CSRF_ENABLED": False,
    }


def _outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def test_forged_host_is_refused_and_nothing_is_queued(app, client, mailbox):
    make_user("dermatologist", email="victim@example.com")
    db.session.commit()
    response = client.post("/password/forgot", data={"email": "victim@example.com"}, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert _outbox_count() == 0 and len(mailbox) == 0


def test_forged_host_header_is_refused(app, client):
    response = client.get("/login", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_reset_link_uses_the_configured_address_not_the_request(app, client, mailbox):
    make_user("dermatologist", email="staff@example.com")
    db.session.commit()
    response = client.post(
        "/password/forgot", data={"email": "staff@example.com"}, headers={"X-Forwarded-Host": "evil.example"}
    )
    assert response.status_code == 302
    [message] = mailbox
    [link] = LINK.findall(body_text(message))
    assert link.startswith("https://clinic.example.org/password/reset/")
    assert "evil.example" not in message.as_string() and "localhost" not in body_text(message)


class TestBehindOneProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "TRUSTED_PROXIES": 1}

    def test_forwarded_host_is_honoured_only_when_trusted(self, app, client, mailbox):
        make_user("dermatologist", email="staff2@example.com")
        db.session.commit()
        forged = client.post(
            "/password/forgot", data={"email": "staff2@example.com"}, headers={"X-Forwarded-Host": "evil.example"}
        )
        assert forged.status_code == 400
        ok = client.post(
            "/password/forgot",
            data={"email": "staff2@example.com"},
            headers={
                "X-Forwarded-Host": "clinic.example.org",
                "X-Forwarded-Proto": "https",
                "Referer": "https://clinic.example.org/password/forgot",
            },
        )
        assert ok.status_code == 302
        [message] = mailbox
        assert LINK.findall(body_text(message))[0].startswith("https://clinic.example.org/")


def test_invitation_link_uses_the_configured_address(app, login_as, mailbox):
    client, _ = login_as("dermatologist")
    patient = make_patient(email="patient.link@example.test")
    db.session.commit()
    client.post(f"/patients/{patient.id}/invite", data={}, headers={"X-Forwarded-Host": "evil.example"})
    [message] = mailbox
    assert "https://clinic.example.org/invitation/" in body_text(message)


def test_calendar_feed_address_uses_the_configured_address(app, login_as):
    client, _ = login_as("aesthetician")
    page = client.post("/schedule/my-feed", data={}, headers={"X-Forwarded-Host": "evil.example"})
    assert page.status_code == 200
    assert "https://clinic.example.org/calendar/" in page.text or "https://clinic.example.org/" in page.text
    assert "http://localhost" not in page.text and "evil.example" not in page.text
