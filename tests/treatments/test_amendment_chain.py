"""Issue 14 item 17: amendments are inside the signature's reach. Each records a hash over its content and the
hash before it (a chain from the signed record); `flask treatments verify-signatures` checks the chain; any
recorded field can be corrected, rows included."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.treatments.amendments import amend_session, amendable_fields, chain_problem, current_value
from clinic.treatments.models import Amendment, TreatmentSession
from clinic.treatments.signing import content_hash
from clinic.validation import Invalid
from tests.factories import make_patient, make_user
from tests.treatments.factories import signed_session


@pytest.fixture
def derm(app):
    return make_user("dermatologist")


@pytest.fixture
def signed(derm):
    session = signed_session(make_patient(), derm)
    db.session.commit()
    return session


def _reload(session_id: int) -> TreatmentSession:
    db.session.expire_all()
    return db.session.get(TreatmentSession, session_id)


def test_each_amendment_is_chained_to_the_signature_and_the_one_before(derm, signed):
    first = amend_session(signed, derm, field="notes", new_value="Late note.", reason="Added after review")
    second = amend_session(signed, derm, field="notes", new_value="Later note.", reason="Corrected again")
    db.session.commit()
    assert first.previous_sha256 == signed.signature_sha256
    assert second.previous_sha256 == first.sha256 != second.sha256
    assert len(first.sha256) == 64 and chain_problem(_reload(signed.id)) is None


def test_any_recorded_field_can_be_corrected_rows_and_times_included(derm, signed):
    keys = set(amendable_fields(signed))
    assert {
        "started_at",
        "ended_at",
        "areas-0-passes",
        "areas-0-laser_spot_size_mm",
        "areas-0-needle_depth_mm",
        "areas-0-area",
        "products-0-volume_ml",
    } <= keys
    amend_session(signed, derm, field="areas-0-needle_depth_mm", new_value="1.125", reason="Depth misread")
    amend_session(signed, derm, field="areas-0-passes", new_value="4", reason="Counted again")
    amend_session(signed, derm, field="ended_at", new_value="2026-01-05 10:45", reason="Clock was wrong")
    db.session.commit()
    session = _reload(signed.id)
    assert current_value(session, "areas-0-needle_depth_mm") == "1.125"
    assert session.areas[0].needle_depth_mm != Decimal("1.125")  # the signed record is unchanged
    assert current_value(session, "areas-0-passes") == "4"
    assert "passes" not in keys  # session-wide settings only where a record signed before 0053 has them
    assert current_value(session, "ended_at") == "2026-01-05T15:45:00+00:00"  # New York time, stored in UTC
    assert chain_problem(session) is None


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("areas-0-needle_depth_mm", "3.5", "between"),
        ("areas-0-needle_depth_mm", "1.0005", "decimal places"),
        ("areas-0-passes", "three", "whole number"),
        ("ended_at", "yesterday", "YYYY-MM-DD"),
        ("ended_at", "2099-01-01 10:00", "future"),
        ("areas-0-area", "", "keeps a name"),
        ("areas-7-area", "Forehead", None),
    ],
)
def test_corrections_are_validated_like_the_record(derm, signed, field, value, message):
    with pytest.raises(Invalid) as invalid:
        amend_session(signed, derm, field=field, new_value=value, reason="Correction")
    problems = invalid.value.problems
    assert message in problems["new_value"] if message else "field" in problems


def test_tampering_with_an_amendment_breaks_the_chain_and_the_command_fails(app, derm, signed):
    amend_session(signed, derm, field="adverse_events", new_value="Urticaria at 2 h.", reason="Patient called")
    amend_session(signed, derm, field="notes", new_value="Reviewed.", reason="Review")
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["treatments", "verify-signatures"])
    assert ok.exit_code == 0 and "2 amendment(s) checked in their chains." in ok.output
    first = db.session.scalars(sa.select(Amendment).order_by(Amendment.id)).first()
    db.session.execute(sa.update(Amendment).where(Amendment.id == first.id).values(reason="Nothing happened"))
    db.session.commit()
    assert "no longer matches its hash" in chain_problem(_reload(signed.id))
    bad = runner.invoke(args=["treatments", "verify-signatures"])
    assert bad.exit_code == 1 and f"BROKEN AMENDMENT CHAIN session {signed.id}" in bad.output


def test_a_removed_or_rehashed_amendment_is_found(derm, signed):
    amend_session(signed, derm, field="notes", new_value="One.", reason="First one")
    second = amend_session(signed, derm, field="notes", new_value="Two.", reason="Second one")
    third = amend_session(signed, derm, field="notes", new_value="Three.", reason="Third one")
    db.session.commit()
    # The third amendment still points at the removed second one: the walk from the signature stops early.
    db.session.execute(sa.delete(Amendment).where(Amendment.id == second.id))
    db.session.commit()
    assert "does not follow" in chain_problem(_reload(signed.id))
    assert third.id


def test_amend_page_posts_a_row_field_and_shows_the_chain(derm, signed, login_as):
    client, _ = login_as(user=derm)
    url = f"/treatments/{signed.id}/amend"
    page = client.get(f"/treatments/{signed.id}").text
    assert '<option value="areas-0-needle_depth_mm">Area 1: needle depth (mm)</option>' in page
    bad = client.post(url, data={"field": "areas-0-needle_depth_mm", "new_value": "9", "reason": "Misread"})
    assert bad.status_code == 422 and 'id="new_value-error"' in bad.text
    ok = client.post(
        url, data={"field": "areas-0-needle_depth_mm", "new_value": "1.125", "reason": "Misread"}, follow_redirects=True
    )
    assert "Area 1: needle depth (mm)" in ok.text and "<ins>1.125</ins>" in ok.text
    assert "verified from the signature" in ok.text
    amendment = db.session.scalars(sa.select(Amendment)).one()
    content = {
        "session_id": signed.id,
        "author_id": derm.id,
        "created_at": amendment.created_at.isoformat(),
        "reason": "Misread",
        "changes": amendment.changes,
        "previous_sha256": signed.signature_sha256,
    }
    assert amendment.sha256 == content_hash(content)


def test_amend_refuses_other_roles_and_other_clinics(signed, login_as):
    from tests.factories import make_clinic

    data = {"field": "notes", "new_value": "x y z", "reason": "Because of it"}
    for role in ("aesthetician", "patient", "admin"):
        client, _ = login_as(role)
        assert client.post(f"/treatments/{signed.id}/amend", data=data).status_code == 403
    outsider, _ = login_as(user=make_user("dermatologist", clinic=make_clinic("Elsewhere")))
    assert outsider.post(f"/treatments/{signed.id}/amend", data=data).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Amendment.id))) == 0
