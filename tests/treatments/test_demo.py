"""The demo data: lots, signed sessions that verify, scores, consents; a second run adds nothing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from clinic.catalog.models import ProductLot
from clinic.consents.models import Consent
from clinic.extensions import db
from clinic.treatments.models import OutcomeScore, SessionAftercare, TreatmentSession
from clinic.treatments.signing import verify_signature


def test_demo_seed_creates_signed_sessions_and_is_idempotent(app):
    from clinic.demo import seed

    seed(date(2026, 11, 26))
    db.session.commit()
    sessions = db.session.scalars(sa.select(TreatmentSession)).all()
    in_session = [s for s in sessions if s.appointment_id is not None]  # today's visit under way (the calendar)
    assert len(in_session) == 1 and not in_session[0].is_signed
    signed = [s for s in sessions if s.appointment_id is None]
    assert signed and all(s.is_signed and verify_signature(s) for s in signed)
    assert db.session.scalar(sa.select(sa.func.count(ProductLot.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(OutcomeScore.id))) > 0
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) > 0
    assert db.session.scalar(sa.select(sa.func.count(SessionAftercare.id))) > 0
    counts = [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (TreatmentSession, OutcomeScore, Consent)]
    seed(date(2026, 11, 26))
    db.session.commit()
    assert [
        db.session.scalar(sa.select(sa.func.count(m.id))) for m in (TreatmentSession, OutcomeScore, Consent)
    ] == counts
