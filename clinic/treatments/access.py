"""Scoped lookups for sessions and lots: out of the user's clinic (or not their own record) is not found."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from clinic.access import scoped_get
from clinic.treatments.models import Amendment, SessionProduct, TreatmentSession


def get_session(session_id: int) -> TreatmentSession:
    """The session, with what its page shows, if it is in the user's clinic; else 404.

    Patients never reach staff pages (the views allow staff roles only); this also keeps them to their own.
    """
    return scoped_get(
        TreatmentSession,
        session_id,
        selectinload(TreatmentSession.areas),
        selectinload(TreatmentSession.injection_sites),
        selectinload(TreatmentSession.products).selectinload(SessionProduct.lot),
        selectinload(TreatmentSession.products).selectinload(SessionProduct.product),
        selectinload(TreatmentSession.aftercare),
        selectinload(TreatmentSession.amendments).selectinload(Amendment.author),
    )
