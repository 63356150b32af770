"""Second factor for login: TOTP (RFC 6238, pyotp) with a QR code (segno), single-use recovery codes, a
remembered device for at most 12 hours, and an admin reset.

- Mandatory for the staff roles in the clinic's `totp_required_roles` (dermatologists and admins by
  default); anyone else, patients included, may opt in. A user who must but has not enrolled is sent to the
  enrolment page on login and cannot reach any other page until done.
- A code is accepted once: the time step it belongs to is stored and older or equal steps are refused.
- Recovery codes: ten, 60 random bits each, shown once, stored as SHA-256, each usable once.
- "Remember this device": a signed, HttpOnly cookie bound to the user and to the moment the factor was
  enrolled (a reset voids it), valid at most `REMEMBER_HOURS`.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from clinic.audit.services import record
from clinic.auth.models import RecoveryCode, User
from clinic.db import now_utc
from clinic.extensions import db
from clinic.roles import Role

ISSUER = "Clinic"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes
REMEMBER_HOURS = 12
REMEMBER_COOKIE = "clinic_2fa_device"
#: The login session key of a password checked and a code still to come, and how long it waits.
PENDING = "two_factor_pending"
PENDING_SECONDS = 300


def required_roles(user: User) -> set[str]:
    return {r.strip() for r in (user.clinic.totp_required_roles or "").split(",") if r.strip()}


def is_enabled(user: User) -> bool:
    return bool(user.totp_secret and user.totp_enabled_at)


def must_enrol(user: User) -> bool:
    return user.role != Role.PATIENT and user.role in required_roles(user) and not is_enabled(user)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=f"{ISSUER} {user.clinic.name}")


def qr_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG data URI (allowed by the CSP's img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step (of the current one and its two neighbours) whose code is `code`, or None."""
    totp = pyotp.TOTP(secret)
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == totp.digits):
        return None
    now_step = totp.timecode(at)
    for step in (now_step, now_step - 1, now_step + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(user: User, code: str, *, secret: str | None = None) -> bool:
    """A valid TOTP code not used before (replays are refused); records the step it used."""
    step = _matching_step(secret or user.totp_secret or "", code or "", now_utc())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; returns them in clear text, to show once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code (a conditional UPDATE: two simultaneous uses cannot both win)."""
    return bool(
        db.session.execute(
            sa.update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash(code or ""),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now_utc())
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def enable(user: User, secret: str) -> list[str]:
    user.totp_secret, user.totp_enabled_at = secret, now_utc()
    return new_recovery_codes(user)


def disable(user: User) -> None:
    """Remove the second factor (admin reset): the user enrols again at the next login."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _remember_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="two-factor-device")


def remember_token(user: User) -> str:
    return _remember_serializer().dumps({"u": user.id, "e": user.totp_enabled_at.isoformat()})


def remembered(user: User) -> bool:
    """This browser passed the second factor for this user within REMEMBER_HOURS (and no reset since)."""
    token = request.cookies.get(REMEMBER_COOKIE)
    if not token or not is_enabled(user):
        return False
    try:
        data = _remember_serializer().loads(token, max_age=int(timedelta(hours=REMEMBER_HOURS).total_seconds()))
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("u") == user.id and data.get("e") == user.totp_enabled_at.isoformat()


def start_second_step(user: User, next_url: str) -> None:
    """The password was right; the login finishes on the code page (nothing is logged in yet)."""
    session.clear()
    session[PENDING] = {"uid": user.id, "next": next_url, "at": int(time.time())}
    record("auth.password_ok", user=user, detail="second factor pending")
