"""Shared fixtures of the safety tests: two patients who received one lot, from a dermatologist."""

from __future__ import annotations

import pytest

from clinic.extensions import db
from tests.factories import make_patient, make_user
from tests.treatments.factories import catalog, make_lot, recorded_session


@pytest.fixture
def world(app):
    catalog()
    admin = make_user("admin")
    derm = make_user("dermatologist")
    lot = make_lot(lot_number="EXO-RC-1", quantity=10)
    first, second = make_patient(), make_patient()
    sessions = [
        recorded_session(first, derm, lot),
        recorded_session(first, derm, lot),
        recorded_session(second, derm, lot),
    ]
    db.session.commit()
    return dict(admin=admin, derm=derm, lot=lot, patients=[first, second], sessions=sessions)
