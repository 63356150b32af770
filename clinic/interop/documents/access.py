"""Which documents a user may have: the treatments and consents features' scoped lookups (another clinic's,
or for a patient another patient's, is an audited 404), plus what each document needs to exist."""

from __future__ import annotations

from clinic.access import deny
from clinic.consents.access import get_consent
from clinic.consents.models import Consent
from clinic.treatments.access import get_session
from clinic.treatments.models import TreatmentSession


def ended_session(session_id: int) -> TreatmentSession:
    """A session whose end is recorded: only then has it an aftercare sheet."""
    session = get_session(session_id)
    if session.ended_at is None:
        deny(
            404,
            detail=f"treatment_session {session_id} has not ended: no aftercare sheet",
            patient_id=session.patient_id,
        )
    return session


def signed_session(session_id: int) -> TreatmentSession:
    """A signed session: a visit summary leaves the clinic only once the note is signed."""
    session = get_session(session_id)
    if not session.is_signed:
        deny(
            404, detail=f"treatment_session {session_id} is not signed: no visit summary", patient_id=session.patient_id
        )
    return session


def signed_consent(consent_id: int) -> Consent:
    return get_consent(consent_id)
