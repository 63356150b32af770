"""Account rules: creating users, logging in and out, server-side login sessions, single-use tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import request, session
from sqlalchemy.orm import joinedload

from clinic.audit.people import register_staff_lister
from clinic.audit.services import record
from clinic.auth.models import LoginSession, OneTimeToken, User
from clinic.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from clinic.db import now_utc
from clinic.extensions import db
from clinic.roles import Role

SESSION_KEY = "sid"
LAST_SEEN_GRANULARITY = timedelta(seconds=60)


class AccountError(ValueError):
    """A rule about accounts was broken; the message is safe to show."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(
    *,
    clinic_id: int,
    email: str,
    full_name: str,
    role: Role | str,
    password: str | None = None,
    patient_id: int | None = None,
) -> User:
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError("An account with this e-mail address already exists.")
    user = User(
        clinic_id=clinic_id,
        email=email,
        full_name=full_name.strip(),
        role=Role(role).value,
        patient_id=patient_id,
        active=True,
    )
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, email=user.email, name=user.full_name)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None. Unknown, wrong and inactive look the same."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        record(
            "auth.login",
            outcome="failure",
            user=user,
            detail=f"email={normalize_email(email)[:100]}",
            clinic_id=user.clinic_id if user else None,
        )
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_login_session(user: User) -> None:
    """Begin a fresh session: the old cookie contents are dropped, a new random identifier is issued."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=_sha256(token),
            user_id=user.id,
            ip=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:300],
        )
    )
    session[SESSION_KEY] = token
    session.permanent = False
    user.last_login_at = now_utc()
    record("auth.login", user=user)


def current_login_session() -> LoginSession | None:
    """The cookie's login session with its user and the user's clinic: one query (every request runs it)."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    return db.session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == _sha256(token)).options(joinedload(LoginSession.user))
    )


def _expired(login: LoginSession, user: User, now: datetime) -> str | None:
    clinic = user.clinic
    if now - login.last_seen_at > timedelta(minutes=clinic.idle_timeout_minutes):
        return "idle_timeout"
    if now - login.started_at > timedelta(hours=clinic.absolute_session_hours):
        return "absolute_timeout"
    return None


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the cookie's user, only while its login session is live on the server."""
    login = current_login_session()
    if login is None or login.ended_at is not None or str(login.user_id) != str(user_id):
        return None
    user = login.user
    if not user.active:
        return None
    now = now_utc()
    reason = _expired(login, user, now)
    if reason:
        login.ended_at, login.end_reason = now, reason
        record("auth.session_expired", user=user, detail=reason)
        db.session.commit()
        return None
    if now - login.last_seen_at >= LAST_SEEN_GRANULARITY:
        login.last_seen_at = now
        db.session.commit()
    return user


def end_current_session(user: User) -> None:
    login = current_login_session()
    if login is not None and login.ended_at is None:
        login.ended_at, login.end_reason = now_utc(), "logout"
    record("auth.logout", user=user)
    session.clear()


def end_all_sessions(user: User, reason: str) -> int:
    """End every live login of a user (password change, deactivation, an admin's "end sessions")."""
    result = db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now_utc(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def issue_token(user: User, purpose: str, lifetime: timedelta) -> str:
    """A new single-use link token (256 random bits); earlier unused tokens of the same purpose die."""
    now = now_utc()
    db.session.execute(
        sa.update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(OneTimeToken(token_hash=_sha256(token), user_id=user.id, purpose=purpose, expires_at=now + lifetime))
    return token


def find_live_token(token: str, purpose: str) -> OneTimeToken | None:
    row = db.session.scalar(
        sa.select(OneTimeToken).where(OneTimeToken.token_hash == _sha256(token), OneTimeToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or row.expires_at <= now_utc() or not row.user.active:
        return None
    return row


def redeem_token(token: str, purpose: str, new_password: str) -> User:
    """Use a reset or invitation link to set a password. The link works once; all old logins end.

    The row is marked used with a conditional UPDATE so two simultaneous uses cannot both succeed.
    """
    row = find_live_token(token, purpose)
    if row is None:
        raise AccountError("This link is invalid or has expired. Ask for a new one.")
    set_password(row.user, new_password)
    claimed = db.session.execute(
        sa.update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise AccountError("This link has already been used.")
    end_all_sessions(row.user, "password_set")
    record(f"auth.{purpose}_used", user=row.user, patient_id=row.user.patient_id)
    return row.user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not correct.")
    set_password(user, new_password)
    end_all_sessions(user, "password_changed")
    record("auth.password_changed", user=user)


def audit_log_people(clinic_id: int) -> list[tuple[int, str]]:
    """The clinic's accounts as the audit log's user filter lists them."""
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.email)
        .where(User.clinic_id == clinic_id)
        .order_by(User.full_name, User.id)
    )
    return [(row.id, f"{row.full_name} <{row.email}>") for row in rows]


register_staff_lister(audit_log_people)
