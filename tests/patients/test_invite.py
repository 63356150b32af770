"""Inviting a patient to the portal, end to end through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from tests.factories import make_patient, make_user
from tests.fixtures.mail import body_text

NEW_PASSWORD = "sunlit-orchard-4471"


def invitation_path(message) -> str:
    link = re.search(r"https?://\S+/invitation/\S+", body_text(message)).group(0)
    return urlsplit(link).path


def test_invite_set_password_log_in_and_see_own_record(app, mailbox, login_as):
    staff, _ = login_as("aesthetician")
    patient = make_patient(first_name="Ines", last_name="Portal", email="ines.portal@example.test")
    other = make_patient(first_name="Otto", last_name="Elsewhere")
    db.session.commit()
    assert "No portal account" in staff.get(f"/patients/{patient.id}").text

    response = staff.post(f"/patients/{patient.id}/invite", data={}, follow_redirects=True)
    assert "invitation to the portal was e-mailed to ines.portal@example.test" in response.text
    assert "not set a password yet" in response.text
    [message] = mailbox
    assert message["To"] == "ines.portal@example.test"

    # Re-sending makes a new link; the first one stops working.
    first_path = invitation_path(message)
    staff.post(f"/patients/{patient.id}/invite", data={})
    assert len(mailbox) == 2
    second_path = invitation_path(mailbox[1])
    assert second_path != first_path

    visitor = app.test_client()
    assert visitor.get(first_path).status_code == 404
    assert visitor.get(second_path).status_code == 200
    response = visitor.post(second_path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    response = visitor.post("/login", data={"email": "ines.portal@example.test", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal")
    home = visitor.get("/portal").text
    assert "Ines Portal" in home and patient.record_number in home
    assert "Elsewhere" not in home and other.record_number not in home
    assert visitor.get(f"/patients/{other.id}").status_code == 403

    # Once the patient has a password, the chart says so and offers no more invitations.
    chart = staff.get(f"/patients/{patient.id}").text
    assert "Active portal account" in chart and "invite" not in chart.lower().split("patient portal")[1][:400]
    response = staff.post(f"/patients/{patient.id}/invite", data={}, follow_redirects=True)
    assert "already has an active portal account" in response.text
    assert len(mailbox) == 2


def test_invite_refused_without_email_or_when_address_taken(app, mailbox, login_as):
    staff, _ = login_as("dermatologist")
    no_email = make_patient(email=None)
    make_user("aesthetician", email="shared@example.test")
    clash = make_patient(email="shared@example.test")
    db.session.commit()
    response = staff.post(f"/patients/{no_email.id}/invite", data={}, follow_redirects=True)
    assert "Add the patient&#39;s e-mail address" in response.text
    response = staff.post(f"/patients/{clash.id}/invite", data={}, follow_redirects=True)
    assert "An account with this e-mail address already exists." in response.text
    assert mailbox == []
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == "patient"))
    assert count == 0


def test_invite_is_queued_even_when_mail_is_down(app, login_as):
    """The invitation leaves through the outbox: an SMTP outage does not fail the request."""
    staff, _ = login_as("dermatologist")
    patient = make_patient(email="nomail@example.test")
    db.session.commit()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    from clinic.extensions import mail

    mail.init_app(app)
    response = staff.post(f"/patients/{patient.id}/invite", data={}, follow_redirects=True)
    assert "An invitation to the portal was e-mailed" in response.text
    account = db.session.scalar(sa.select(User).where(User.patient_id == patient.id))
    queued = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "invitation"))
    assert queued.user_id == account.id and queued.status == "pending"
