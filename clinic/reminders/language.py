"""The language a reminder is written in: the recipient patient's, not the request's (the dispatcher has no
request; a staff member's click that queues a patient's e-mail must not write it in English)."""

from __future__ import annotations

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.extensions import db
from clinic.i18n import LANGUAGES, default_language
from clinic.patients.models import Patient
from clinic.reminders.batch import memoized, remember
from clinic.reminders.models import OutboxMessage


def remember_languages(rows: list[OutboxMessage]) -> None:
    """Every recipient patient's saved language for the batch, in one query."""
    ids = {row.patient_id for row in rows if row.patient_id is not None}
    if ids:
        for patient_id, language in db.session.execute(
            sa.select(Patient.id, Patient.language).where(Patient.id.in_(ids))
        ).tuples():
            remember(("patient_language", patient_id), language)


def recipient_language(row: OutboxMessage) -> str:
    """'es' for a patient who chose Spanish (also for their account e-mails, queued for their user); the clinic
    default for others and for staff messages."""
    language = None
    if row.patient_id is not None:
        language = memoized(
            ("patient_language", row.patient_id),
            lambda: db.session.scalar(sa.select(Patient.language).where(Patient.id == row.patient_id)),
        )
    elif row.user_id is not None:
        language = db.session.scalar(
            sa.select(Patient.language).join(User, User.patient_id == Patient.id).where(User.id == row.user_id)
        )
    return language if language in LANGUAGES else default_language()
