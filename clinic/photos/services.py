"""Adding photos to a session (draft only, with photo consent) and listing a patient's photos by view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
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
    photo = _store(
        upload,
        clinic_id=session.clinic_id,
        patient_id=session.patient_id,
        session_id=session.id,
        view=view,
        phase=phase,
        taken_on=session.started_at.date(),
        user=user,
    )
    record(
        "photo.add",
        patient_id=session.patient_id,
        object_type="photo",
        object_id=photo.id,
        detail=f"session {session.id} {view} {phase}",
    )
    return photo


def _store(upload, *, user, **fields) -> Photo:
    """Check, clean (Pillow, no metadata) and store an upload with its row; Invalid({"photo": ...}) if refused."""
    try:
        storage.check_filename(getattr(upload, "filename", None))
        limit = current_app.config.get("CLINIC_PHOTO_MAX_BYTES", storage.MAX_BYTES)
        cleaned = storage.clean(storage.read_capped(upload.stream, limit))
    except storage.BadPhoto as error:
        raise Invalid({"photo": str(error)}) from None
    name = storage.store(cleaned)
    photo = Photo(
        **fields,
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
    return photo


def add_patient_photo(patient, user, *, upload, view: str, taken_on: date) -> Photo:
    """A photo the patient sends with an aftercare check-in: stored and protected like the clinic's own
    (same folder, same cleaning), phase "after", no session. Sending it is the patient's own choice, so the
    clinic's photo consent is not asked for."""
    if view not in STANDARD_VIEWS:
        raise Invalid({"view": "Choose a standard view."})
    photo = _store(
        upload,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        session_id=None,
        view=view,
        phase="after",
        taken_on=taken_on,
        user=user,
    )
    record("photo.add", patient_id=patient.id, object_type="photo", object_id=photo.id, detail=f"check-in {view}")
    return photo


def discard_photo(photo: Photo) -> None:
    """Take back a photo stored in this transaction that is not wanted after all (a check-in that lost a race)."""
    db.session.delete(photo)
    db.session.flush()
    storage.remove(photo.storage_name)


def share_with_patient(photo: Photo, shared: bool, by) -> None:
    """Staff show (or stop showing) a photo on the patient's progress page."""
    photo.shared_with_patient = shared
    record(
        "photo.share" if shared else "photo.unshare",
        patient_id=photo.patient_id,
        object_type="photo",
        object_id=photo.id,
        user=by,
    )


def shared_photos(patient_id: int) -> Sequence[Photo]:
    return db.session.scalars(
        sa.select(Photo)
        .where(Photo.patient_id == patient_id, Photo.shared_with_patient.is_(True))
        .order_by(Photo.view, Photo.taken_on, Photo.id)
    ).all()


#: Features above photos add a line under each photo of the comparison page (e.g. the check-in answers sent
#: with it): a function of the patient id giving {photo id: text}.
_PHOTO_NOTES: dict[str, Callable[[int], dict[int, str]]] = {}


def register_photo_notes(name: str, notes: Callable[[int], dict[int, str]]) -> None:
    _PHOTO_NOTES[name] = notes


def photo_notes(patient_id: int) -> dict[int, list[str]]:
    merged: dict[int, list[str]] = {}
    for notes in _PHOTO_NOTES.values():
        for photo_id, text in notes(patient_id).items():
            merged.setdefault(photo_id, []).append(text)
    return merged


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
