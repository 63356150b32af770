"""The adverse-events list and the signature check command."""

from __future__ import annotations

import sqlalchemy as sa

from clinic.extensions import db
from clinic.treatments.amendments import amend_session
from clinic.treatments.models import TreatmentSession
from tests.factories import make_clinic, make_patient, make_user
from tests.treatments.factories import exosome_product, make_lot, recorded_session, signed_session


def test_adverse_events_list_shows_recorded_and_amended_events(app, login_as):
    derm = make_user("dermatologist")
    quiet = signed_session(make_patient(last_name="Quiet"), derm)
    amended = signed_session(make_patient(last_name="Amended"), derm)
    amend_session(amended, derm, field="adverse_events", new_value="Urticaria at 2 h", reason="Called in")
    recorded = recorded_session(make_patient(last_name="Recorded"), derm)
    recorded.adverse_events = "Vasovagal episode"
    other = make_clinic("Other")
    elsewhere = recorded_session(
        make_patient(other, last_name="Elsewhere"),
        make_user("dermatologist", clinic=other),
        make_lot(exosome_product(other)),
    )
    elsewhere.adverse_events = "Happened in another clinic"
    db.session.commit()
    client, _ = login_as("aesthetician")
    page = client.get("/treatments/adverse-events")
    assert page.status_code == 200
    assert "Urticaria at 2 h" in page.text and "Vasovagal episode" in page.text
    assert "Quiet" not in page.text and "another clinic" not in page.text
    assert quiet.id and elsewhere.id
    for role in ("patient", "admin"):
        other, _ = login_as(role)
        assert other.get("/treatments/adverse-events").status_code == 403


def test_verify_signatures_command_finds_tampering(app):
    derm = make_user("dermatologist")
    session = signed_session(make_patient(), derm)
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["treatments", "verify-signatures"])
    assert ok.exit_code == 0 and "1 signed session(s) checked, 0 mismatch(es)." in ok.output
    db.session.execute(sa.update(TreatmentSession).values(device="Another device"))
    db.session.commit()
    bad = runner.invoke(args=["treatments", "verify-signatures"])
    assert bad.exit_code == 1 and f"MISMATCH session {session.id}" in bad.output
