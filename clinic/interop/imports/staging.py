"""Keeping an uploaded file between the dry run and the import: a random token, bound to the admin who
uploaded it and to their clinic, good for STAGED_FOR and for one import."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.db import now_utc
from clinic.extensions import db
from clinic.interop.imports.models import ImportUpload

STAGED_FOR = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def stage(user: User, kind: str, filename: str, content: bytes) -> str:
    """Keep the file; return the token the confirm form carries. Expired uploads are removed meanwhile."""
    db.session.execute(sa.delete(ImportUpload).where(ImportUpload.created_at < now_utc() - STAGED_FOR))
    token = secrets.token_urlsafe(32)
    upload = ImportUpload(
        token_hash=_hash(token),
        user_id=user.id,
        clinic_id=user.clinic_id,
        kind=kind,
        filename=filename[:255],
        content=content,
    )
    db.session.add(upload)
    db.session.flush()
    return token


def take(user: User, token: str) -> ImportUpload | None:
    """The upload this user staged under `token`, if it has not expired or been used; it is used up now."""
    upload = db.session.scalar(
        sa.select(ImportUpload).where(
            ImportUpload.token_hash == _hash(token or ""),
            ImportUpload.user_id == user.id,
            ImportUpload.clinic_id == user.clinic_id,
            ImportUpload.created_at >= now_utc() - STAGED_FOR,
        )
    )
    if upload is not None:
        db.session.delete(upload)
    return upload
