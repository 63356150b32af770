"""Adding photos to a session (draft only, with photo consent) and listing a patient's photos by view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from flask import current_app

from clinic.audit.services import record
from clinic.consents.services import valid_consent
from clinic.db import now_utc
from clinic.extensions import db
from clinic.photos import storage
from clinic.photos.models import PHASES, STANDARD_VIEWS, Photo
from clinic.validation import Invalid

NO_PHOTO_CONSENT = "The patient has no valid photo consent; sign it first."


def has_photo_consent(patient_id: int) -> bool:
    """Whether photos may be taken of the patient now; the session page says so before anyone uploads."""
    return valid_consent(patient_id, kind="photo", procedure_id=None, at=now_utc()) is not None


class PhotographedSession(Protocol):
    """What a photo needs of the treatment session it belongs to (treatments sits above photos)."""

    id: int
    clinic_id: int
    patient_id: int
    started_at: datetime


def add_photo(session: PhotographedSession, user, *, upload, view: str, phase: str) -> Photo:
    """Check the upload, strip its metadata and store it for the session's patient; Invalid on any problem,
    in which case nothing is written. Whether the session still takes photos (a draft) is the caller's rule."""
    problems = {}
    if view not in STANDARD_VIEWS:
        problems["view"] = "Choose a standard view."
    if phase not in PHASES:
        problems["phase"] = "Choose before or after."
    if not has_photo_consent(session.patient_id):
        problems["photo"] = NO_PHOTO_CONSENT
    if problems:
        raise Invalid(problems)
    try:
        storage.check_filename(getattr(upload, "filename", None))
        limit = current_app.config.get("CLINIC_PHOTO_MAX_BYTES", storage.MAX_BYTES)
        cleaned = storage.clean(storage.read_capped(upload.stream, limit))
    except storage.BadPhoto as error:
        raise Invalid({"photo": str(error)}) from None
    name = storage.store(cleaned)
    photo = Photo(
        clinic_id=session.clinic_id,
        patient_id=session.patient_id,
        session_id=session.id,
        view=view,
        phase=phase,
        taken_on=session.started_at.date(),
        storage_name=name,
        sha256=cleaned.sha256,
        width=cleaned.width,
        height=cleaned.height,
        size_bytes=len(cleaned.data),
        uploaded_by_id=user.id,
    )
    db.session.add(photo)
    try:
        db.session.flush()
    except Exception:
        storage.remove(name)  # keep disk and database in step: no file without its row
        raise
    record(
        "photo.add",
        patient_id=session.patient_id,
        object_type="photo",
        object_id=photo.id,
        detail=f"session {session.id} {view} {phase}",
    )
    return photo


def session_photos(session_id: int) -> Sequence[Photo]:
    return db.session.scalars(
        sa.select(Photo).where(Photo.session_id == session_id).order_by(Photo.view, Photo.phase.desc(), Photo.id)
    ).all()


def patient_photos(patient_id: int) -> dict[str, list[Photo]]:
    """The patient's photos grouped by view, oldest first."""
    grouped: dict[str, list[Photo]] = {}
    for photo in db.session.scalars(
        sa.select(Photo).where(Photo.patient_id == patient_id).order_by(Photo.taken_on, Photo.id)
    ):
        grouped.setdefault(photo.view, []).append(photo)
    return grouped
