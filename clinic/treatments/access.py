"""Scoped lookups for sessions and lots: out of the user's clinic (or not their own record) is not found."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import deny
from clinic.auth.roles import Role
from clinic.extensions import db
from clinic.treatments.models import Amendment, SessionProduct, TreatmentSession


def get_session(session_id: int) -> TreatmentSession:
    """The session, with what its page shows, if it is in the user's clinic; else 404.

    Patients never reach staff pages (the views allow staff roles only); this also keeps them to their own.
    """
    query = (
        sa.select(TreatmentSession)
        .where(TreatmentSession.id == session_id, TreatmentSession.clinic_id == current_user.clinic_id)
        .options(
            selectinload(TreatmentSession.areas),
            selectinload(TreatmentSession.injection_sites),
            selectinload(TreatmentSession.products).selectinload(SessionProduct.lot),
            selectinload(TreatmentSession.products).selectinload(SessionProduct.product),
            selectinload(TreatmentSession.aftercare),
            selectinload(TreatmentSession.amendments).selectinload(Amendment.author),
        )
    )
    if current_user.role == Role.PATIENT:
        query = query.where(TreatmentSession.patient_id == current_user.patient_id)
    session = db.session.scalar(query)
    if session is None:
        deny(404, detail=f"treatment session {session_id} out of scope")
    return session
