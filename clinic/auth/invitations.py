"""Single-use links by e-mail: invitations (staff and patients) and password resets.

The request only queues an outbox row (`clinic.messaging.queue_email`); the dispatcher sends it. The link's
token is issued when the dispatcher renders the e-mail (`link_context`), so no usable token ever sits in
the outbox, and the link is built from `CLINIC_BASE_URL`, never from the request's `Host`.

"Forgot password" does the same work for an unknown address as for a known one (look up, queue a row,
audit), so neither the answer nor its timing tells whether an account exists; the dispatcher cancels the
unknown address's row instead of sending it.
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.auth.services import find_user_by_email, issue_token, normalize_email
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.messaging import queue_email
from clinic.urls import external_url

#: What a failed SMTP delivery raises; kept for callers that still send directly.
MAIL_ERRORS = (smtplib.SMTPException, OSError)

PURPOSES = {
    # purpose: (endpoint of the link, config key of its lifetime in hours)
    "invitation": ("auth.accept_invitation", "INVITATION_HOURS"),
    "password_reset": ("auth.reset_password", "PASSWORD_RESET_HOURS"),
}


def _queue(purpose: str, *, recipient: str, clinic_id: int, user_id: int | None) -> None:
    queue_email(
        purpose,
        recipient=recipient,
        clinic_id=clinic_id,
        user_id=user_id,
        payload={},
        dedupe_key=f"{purpose}:{uuid.uuid4().hex}",
    )


def send_invitation(user: User) -> None:
    """Queue an invitation e-mail; the dispatcher issues the link (earlier links then stop working)."""
    _queue("invitation", recipient=user.email, clinic_id=user.clinic_id, user_id=user.id)
    record("auth.invitation_sent", patient_id=user.patient_id, object_type="user", object_id=user.id)


def request_password_reset(email: str) -> None:
    """Queue a reset e-mail for `email`, or a row the dispatcher cancels when no active account has it."""
    user = find_user_by_email(email)
    if user is not None and user.active:
        _queue("password_reset", recipient=user.email, clinic_id=user.clinic_id, user_id=user.id)
        record("auth.password_reset_sent", user=user, patient_id=user.patient_id)
        return
    clinic_id = db.session.scalar(sa.select(sa.func.min(Clinic.id)))
    if clinic_id is not None:
        _queue("password_reset", recipient=normalize_email(email)[:254], clinic_id=clinic_id, user_id=None)
    record("auth.password_reset_sent", outcome="failure", detail=f"email={normalize_email(email)[:100]}")


def link_unwanted(purpose: str, user_id: int | None) -> str | None:
    """Why the dispatcher should not send this account e-mail (None: send it)."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        return "no account with this address"
    if not user.active:
        return "the account is deactivated"
    if purpose == "invitation" and user.password_hash is not None:
        return "the password is already set"
    return None


def link_context(purpose: str, user_id: int) -> dict:
    """Template context for an account e-mail, issuing its single-use token now (at send time)."""
    endpoint, hours_key = PURPOSES[purpose]
    user = db.session.get(User, user_id)
    hours = current_app.config[hours_key]
    token = issue_token(user, purpose, timedelta(hours=hours))
    return {"user": user, "clinic": user.clinic, "hours": hours, "link": external_url(endpoint, token=token)}
