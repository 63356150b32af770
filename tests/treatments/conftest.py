"""Shared fixtures of the treatments tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from clinic.extensions import db
from tests.consents.factories import make_consent
from tests.factories import make_patient, make_user
from tests.treatments.factories import catalog, make_lot, procedure, recorded_session, signed_session


@pytest.fixture
def world(app):
    catalog()
    derm = make_user("dermatologist")
    patient = make_patient(
        history={
            "isotretinoin": "stopped",
            "isotretinoin_stopped_on": datetime.now().date() - timedelta(days=60),
        }
    )
    make_consent(patient, procedure())
    draft = recorded_session(patient, derm)
    signed = signed_session(make_patient(), derm)
    lot = make_lot(lot_number="EXO-2026-01", quantity=4)
    db.session.commit()
    return dict(derm=derm, patient=patient, draft=draft, signed=signed, lot=lot)
