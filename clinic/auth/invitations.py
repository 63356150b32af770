"""E-mailing single-use links: invitations (staff and patients) and password resets."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from flask import current_app, url_for

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.auth.services import issue_token
from clinic.mailer import send_email

#: What a failed SMTP delivery raises (refused connection, timeout, rejected recipient).
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def _link_scheme() -> str | None:
    """https for links when the site is served over HTTPS, even if a proxy hands us plain http:
    a link token must never travel in clear text, not even to be redirected."""
    return "https" if current_app.config["CLINIC_HTTPS"] else None


def send_invitation(user: User) -> None:
    hours = current_app.config["INVITATION_HOURS"]
    token = issue_token(user, "invitation", timedelta(hours=hours))
    link = url_for("auth.accept_invitation", token=token, _external=True, _scheme=_link_scheme())
    send_email(user.email, "invitation", f"Your account at {user.clinic.name}",
               user=user, link=link, hours=hours, clinic=user.clinic)
    record("auth.invitation_sent", patient_id=user.patient_id, object_type="user", object_id=user.id)


def send_password_reset(user: User) -> None:
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    token = issue_token(user, "password_reset", timedelta(hours=hours))
    link = url_for("auth.reset_password", token=token, _external=True, _scheme=_link_scheme())
    send_email(user.email, "password_reset", f"Reset your password at {user.clinic.name}",
               user=user, link=link, hours=hours, clinic=user.clinic)
    record("auth.password_reset_sent", user=user, patient_id=user.patient_id)
