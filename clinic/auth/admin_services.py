"""Rules for administering accounts: invite, change role, deactivate, reactivate, end sessions.

Each function flushes and audits; the request commits. Admins may not lock themselves out: they cannot
deactivate or demote their own account (another admin must do it).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.auth.invitations import send_invitation
from clinic.auth.models import LoginSession, User
from clinic.auth.services import AccountError, create_user, end_all_sessions
from clinic.db import now_utc
from clinic.extensions import db
from clinic.roles import STAFF, Role


def invite_staff(admin: User, *, full_name: str, email: str, role: Role | str) -> User:
    """Create a staff account without a password and e-mail it a single-use invitation link."""
    role = Role(role)
    if role not in STAFF:
        raise AccountError("Patients are invited from their chart, not from here.")
    user = create_user(clinic_id=admin.clinic_id, email=email, full_name=full_name, role=role)
    record("user.invited", object_type="user", object_id=user.id, detail=f"role={role.value}")
    _send_invitation(user)
    return user


def _send_invitation(user: User) -> None:
    send_invitation(user)  # queued in the outbox with the account; the dispatcher sends it


def resend_invitation(admin: User, user: User) -> None:
    """A fresh invitation link for someone who has not set a password yet (the old link dies)."""
    if user.password_hash is not None:
        raise AccountError(f"{user.full_name} has already set a password.")
    if not user.active:
        raise AccountError("Reactivate the account before inviting again.")
    _send_invitation(user)


def change_role(admin: User, user: User, role: Role | str) -> None:
    role = Role(role)
    if user.role == Role.PATIENT or role not in STAFF:
        raise AccountError("Only staff roles can be changed here; a patient account stays a patient account.")
    if user.id == admin.id and role != Role.ADMIN:
        raise AccountError("You cannot remove your own admin role. Ask another admin to do it.")
    if user.role == role:
        return
    old = user.role
    user.role = role.value
    db.session.flush()
    record(
        "user.role_changed",
        object_type="user",
        object_id=user.id,
        patient_id=user.patient_id,
        detail=f"{old} -> {role.value}",
    )


def deactivate(admin: User, user: User) -> int:
    """Block the account and end all its sessions at once; returns how many sessions ended."""
    if user.id == admin.id:
        raise AccountError("You cannot deactivate your own account. Ask another admin to do it.")
    if not user.active:
        return 0
    user.active = False
    ended = end_all_sessions(user, "deactivated")
    db.session.flush()
    record(
        "user.deactivated",
        object_type="user",
        object_id=user.id,
        patient_id=user.patient_id,
        detail=f"sessions_ended={ended}",
    )
    return ended


def reactivate(admin: User, user: User) -> None:  # noqa: ARG001 - same signature as the other actions
    if user.active:
        return
    user.active = True
    db.session.flush()
    record("user.reactivated", object_type="user", object_id=user.id, patient_id=user.patient_id)


def end_sessions(admin: User, user: User) -> int:  # noqa: ARG001
    """Log the user out everywhere (a lost phone, a shared computer)."""
    ended = end_all_sessions(user, "ended_by_admin")
    record(
        "user.sessions_ended",
        object_type="user",
        object_id=user.id,
        patient_id=user.patient_id,
        detail=f"sessions_ended={ended}",
    )
    return ended


def live_session_count(user: User) -> int:
    """Sessions that would still let someone in: not ended and within the clinic's timeouts."""
    now = now_utc()
    clinic = user.clinic
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.ended_at.is_(None),
            LoginSession.last_seen_at > now - timedelta(minutes=clinic.idle_timeout_minutes),
            LoginSession.started_at > now - timedelta(hours=clinic.absolute_session_hours),
        )
    )
