"""Password rules and hashing (argon2id via argon2-cffi)."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, *, email: str | None = None, name: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None. Whole password counts: nothing is truncated."""
    if len(password) < MIN_LENGTH:
        return gettext("Use at least %(num)d characters.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return gettext("Use at most %(num)d characters.", num=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords():
        return gettext("This password is too common; choose one that is harder to guess.")
    for personal in (email, email.split("@")[0] if email else None, name):
        if personal and len(personal) >= 4 and lowered == personal.lower():
            return gettext("Do not use your e-mail address or name as your password.")
    return None


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password. With no hash (invited, not yet set) a dummy hash is checked so timing is the same."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("clinic_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = _hasher().hash("not-a-real-password-just-for-timing")
    return cache["hash"]
