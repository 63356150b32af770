"""Personal API tokens: issuing (the secret is returned once), finding a live one, revoking.

The secret is `clinic_pat_` + 43 URL-safe characters (256 random bits); only its SHA-256 is stored, like the
login sessions' identifiers, so a copy of the database holds no usable token. The prefix lets secret scanners
and people recognise a leaked token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from clinic.api.models import SCOPES, ApiToken
from clinic.audit.services import record
from clinic.auth.models import User
from clinic.db import now_utc
from clinic.extensions import db
from clinic.roles import STAFF
from clinic.validation import Invalid

PREFIX = "clinic_pat_"
HINT_LENGTH = 4
MAX_LIFETIME_DAYS = 365
LIFETIME_CHOICES = (7, 30, 90, 365)
#: last_used_at is written at most this often per token (a busy integration would otherwise write every call).
LAST_USED_GRANULARITY = timedelta(seconds=60)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    user: User, *, name: str, scope: str, lifetime_days: int, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for a staff user: the row and the secret (which is never stored or shown again)."""
    problems = {}
    if user.role not in STAFF:
        problems["name"] = "Only staff accounts can have API tokens."
    if scope not in SCOPES:
        problems["scope"] = "Choose read or read-write."
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        problems["lifetime_days"] = f"A token lives between 1 and {MAX_LIFETIME_DAYS} days."
    if not name.strip():
        problems["name"] = "Give the token a name (what it is for)."
    if problems:
        raise Invalid(problems)
    now = now or now_utc()
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        clinic_id=user.clinic_id,
        user_id=user.id,
        name=name.strip()[:80],
        token_hash=token_hash(secret),
        hint=secret[len(PREFIX) : len(PREFIX) + HINT_LENGTH],
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    db.session.add(token)
    db.session.flush()
    record("api_token.create", user=user, object_type="api_token", object_id=token.id, detail=f"{scope} {token.name}")
    return token, secret


def find(secret: str) -> ApiToken | None:
    """The token with this secret, live or not (None for anything that is not one of ours)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))


def usable(token: ApiToken, now: datetime | None = None) -> bool:
    """Live (not expired, not revoked) and owned by an active staff user of the token's clinic."""
    owner = token.user
    return (
        token.is_live(now or now_utc()) and owner.active and owner.role in STAFF and owner.clinic_id == token.clinic_id
    )


def touch(token: ApiToken, now: datetime | None = None) -> None:
    now = now or now_utc()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        token.last_used_at = now


def find_live(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The usable token with this secret, or None (unknown, expired, revoked, owner deactivated or a patient)."""
    token = find(secret)
    return token if token is not None and usable(token, now) else None


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first (revoked and expired ones too: the list is also their history)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def own_token(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens (nobody revokes another person's token through this page)."""
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))


def revoke(token: ApiToken, *, by: User, now: datetime | None = None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = now or now_utc()
    db.session.flush()
    record("api_token.revoke", user=by, object_type="api_token", object_id=token.id, detail=token.name)
