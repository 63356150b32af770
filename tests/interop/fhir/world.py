"""The demo clinic (`flask seed-demo`'s data) plus what the demo leaves out: an amended session with an adverse
event, a photograph on disk, a reminder sent and a staff access; and a second clinic."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.consents.models import Consent
from clinic.consents.services import revoke_consent
from clinic.db import now_utc
from clinic.demo import DEMO_PASSWORD, seed
from clinic.extensions import db
from clinic.photos.models import Photo
from clinic.reminders.models import OutboxMessage
from clinic.treatments.amendments import amend_session
from clinic.treatments.models import TreatmentSession
from tests.factories import PASSWORD, make_clinic, make_patient, make_user

DEMO_DAY = date(2026, 11, 26)
ADVERSE = "Transient swelling of the left cheek for two days"


def jpeg(colour=(200, 150, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def add_photo(
    patient_id: int, clinic_id: int, by: User, folder: Path, taken_on: date, view: str = "face_front"
) -> Photo:
    data = jpeg()
    name = hashlib.sha256(f"{patient_id}-{taken_on}-{view}".encode()).hexdigest()[:32] + ".jpg"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    photo = Photo(
        clinic_id=clinic_id,
        patient_id=patient_id,
        view=view,
        phase="before",
        taken_on=taken_on,
        storage_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        width=64,
        height=48,
        size_bytes=len(data),
        uploaded_by_id=by.id,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def build_world(photo_folder: Path) -> dict:
    """Seed the demo, enrich its first treated patient, and return the ids the tests need."""
    seed(DEMO_DAY)
    clinic = db.session.scalar(sa.select(Clinic).order_by(Clinic.id))
    clinic.totp_required_roles = ""  # the tests log in with passwords only
    treated = db.session.scalars(
        sa.select(TreatmentSession.patient_id).distinct().order_by(TreatmentSession.patient_id)
    ).all()
    patient_id, other_id = treated[0], treated[1]
    derm = db.session.scalar(sa.select(User).where(User.clinic_id == clinic.id, User.role == "dermatologist"))
    session = db.session.scalar(
        sa.select(TreatmentSession).where(TreatmentSession.patient_id == patient_id).order_by(TreatmentSession.id)
    )
    amend_session(session, derm, field="adverse_events", new_value=ADVERSE, reason="Reported at the follow-up call")
    revoked = db.session.scalars(
        sa.select(Consent)
        .where(Consent.patient_id == patient_id, Consent.kind == "treatment")
        .order_by(Consent.id.desc())
    ).first()
    revoke_consent(revoked, derm, "The patient withdrew this consent")
    photo = add_photo(patient_id, clinic.id, derm, photo_folder, DEMO_DAY - timedelta(days=30))
    add_photo(other_id, clinic.id, derm, photo_folder, DEMO_DAY - timedelta(days=20), view="scalp_vertex")
    now = now_utc()
    db.session.add(
        OutboxMessage(
            clinic_id=clinic.id,
            patient_id=patient_id,
            kind="routine_am",
            dedupe_key=f"test:sent:{patient_id}",
            recipient="patient@example.test",
            due_at=now,
            status="sent",
            sent_at=now,
        )
    )
    record("patient.view", patient_id=patient_id, object_type="patient", object_id=patient_id, user=derm)
    patient_row = type(session.patient)
    portal_user = _portal_user(clinic, db.session.get(patient_row, patient_id))
    other_user = _portal_user(clinic, db.session.get(patient_row, other_id))
    elsewhere = make_clinic("Another Clinic")
    world = {
        "clinic_id": clinic.id,
        "patient_id": patient_id,
        "other_id": other_id,
        "session_id": session.id,
        "photo_id": photo.id,
        "revoked_consent_id": revoked.id,
        "derm": (derm, DEMO_PASSWORD),
        "aesthetician": (make_user("aesthetician", clinic=clinic), PASSWORD),
        "admin": (make_user("admin", clinic=clinic), PASSWORD),
        "portal_user": portal_user,
        "other_user": other_user,
        "elsewhere_derm": (make_user("dermatologist", clinic=elsewhere), PASSWORD),
        "elsewhere_patient_id": make_patient(elsewhere).id,
    }
    db.session.commit()
    return world


def _portal_user(clinic: Clinic, patient) -> tuple[User, str]:
    """The patient's portal account (the demo gives some patients one) and its password."""
    user = db.session.scalar(sa.select(User).where(User.patient_id == patient.id))
    if user is not None:
        return user, DEMO_PASSWORD
    return make_user("patient", clinic=clinic, patient=patient), PASSWORD
