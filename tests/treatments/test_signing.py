"""Signing: only dermatologists, one winner, read-only afterwards everywhere, amendments, hash check."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from clinic.db import now_utc
from clinic.extensions import db
from clinic.treatments.amendments import amend_session, current_value
from clinic.treatments.errors import SessionSigned, StaleSession
from clinic.treatments.models import SessionArea, SessionProduct, TreatmentSession
from clinic.treatments.services import SessionDetails, save_session
from clinic.treatments.signing import NotAllowed, sign_session, verify_signature
from clinic.treatments.windows import apply_aftercare
from clinic.validation import Invalid
from tests.factories import make_patient, make_user
from tests.treatments.factories import recorded_session, signed_session


@pytest.fixture
def derm(app):
    return make_user("dermatologist")


def test_signing_stores_a_hash_that_verifies(derm):
    session = signed_session(make_patient(), derm)
    assert session.status == "signed" and session.signed_by_id == derm.id
    assert len(session.signature_sha256) == 64
    assert verify_signature(session)


def test_tampering_with_the_stored_row_breaks_verification(derm):
    session = signed_session(make_patient(), derm)
    db.session.commit()
    db.session.execute(
        sa.update(TreatmentSession)
        .where(TreatmentSession.id == session.id)
        .values(notes="changed behind the app's back")
    )
    db.session.expire_all()
    assert not verify_signature(db.session.get(TreatmentSession, session.id))


def test_only_a_dermatologist_signs(derm):
    session = recorded_session(make_patient(), derm)
    with pytest.raises(NotAllowed):
        sign_session(session, make_user("aesthetician"), loaded_version=session.version)
    assert session.status == "draft"


def test_a_session_without_an_end_cannot_be_signed(derm):
    from tests.treatments.factories import make_session

    session = make_session(make_patient(), derm)
    with pytest.raises(Invalid):
        sign_session(session, derm, loaded_version=session.version)


def test_second_signer_with_the_same_version_loses(derm):
    session = recorded_session(make_patient(), derm)
    version = session.version
    other = make_user("dermatologist")
    sign_session(session, derm, loaded_version=version)
    with pytest.raises(StaleSession):
        _sign_draft_copy(session.id, other, version)
    db.session.expire_all()
    assert db.session.get(TreatmentSession, session.id).signed_by_id == derm.id


def _sign_draft_copy(session_id, user, version):
    """The loser still holds the page it loaded as a draft: simulate its stale view of the row."""
    row = db.session.get(TreatmentSession, session_id)
    db.session.expire(row)
    row = db.session.get(TreatmentSession, session_id)
    # The loser's in-memory copy says draft; the database says signed.
    sa.orm.attributes.set_committed_value(row, "status", "draft")
    sign_session(row, user, loaded_version=version)


def test_signing_an_edited_draft_with_an_old_version_is_refused(derm):
    session = recorded_session(make_patient(), derm)
    old = session.version
    save_session(
        session,
        SessionDetails(started_at=session.started_at, ended_at=session.ended_at, notes="x"),
        loaded_version=session.version,
        user=derm,
    )
    with pytest.raises(StaleSession):
        sign_session(session, derm, loaded_version=old)


def test_signed_sessions_refuse_every_service(derm):
    session = signed_session(make_patient(), derm)
    with pytest.raises(SessionSigned):
        save_session(session, SessionDetails(started_at=session.started_at), loaded_version=session.version, user=derm)
    with pytest.raises(SessionSigned):
        sign_session(session, derm, loaded_version=session.version)


@pytest.mark.parametrize("change", ["field", "add_area", "delete_product", "aftercare", "delete"])
def test_signed_sessions_refuse_any_flush(derm, change):
    session = signed_session(make_patient(), derm)
    db.session.commit()
    with pytest.raises(SessionSigned):
        if change == "field":
            session.notes = "sneaky"
        elif change == "add_area":
            db.session.add(SessionArea(session_id=session.id, area="Neck", needle_depth_mm=Decimal("1")))
        elif change == "delete_product":
            db.session.delete(db.session.scalar(sa.select(SessionProduct)))
        elif change == "aftercare":
            session.ended_at = now_utc() - timedelta(minutes=1)
            apply_aftercare(session)
        else:
            db.session.delete(session)
        db.session.flush()
    db.session.rollback()
    assert verify_signature(db.session.get(TreatmentSession, session.id))


def test_amendments_keep_the_original_and_list_changes(derm):
    session = signed_session(make_patient(), derm)
    db.session.commit()
    amend_session(session, derm, field="notes", new_value="Mild erythema resolved at 2 h.", reason="Late note")
    amend_session(session, derm, field="notes", new_value="Erythema resolved at 3 h.", reason="Corrected time")
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(TreatmentSession, session.id)
    assert session.notes is None  # the signed record itself is unchanged
    assert [a.reason for a in session.amendments] == ["Late note", "Corrected time"]
    assert session.amendments[1].changes == [
        {"field": "notes", "old": "Mild erythema resolved at 2 h.", "new": "Erythema resolved at 3 h."}
    ]
    assert current_value(session, "notes") == "Erythema resolved at 3 h."
    assert verify_signature(session)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(field="notes", new_value="x", reason=""), "reason"),
        (dict(field="status", new_value="draft", reason="Reopen it"), "field"),
        (dict(field="device", new_value="Dermapen 4", reason="Same value"), "new_value"),
    ],
)
def test_bad_amendments_are_refused(derm, kwargs, field):
    session = signed_session(make_patient(), derm)
    with pytest.raises(Invalid) as invalid:
        amend_session(session, derm, **kwargs)
    assert field in invalid.value.problems


def test_drafts_are_not_amended_and_aestheticians_cannot_amend(derm):
    draft = recorded_session(make_patient(), derm)
    with pytest.raises(Invalid):
        amend_session(draft, derm, field="notes", new_value="x", reason="Because")
    signed = signed_session(make_patient(), derm)
    with pytest.raises(NotAllowed):
        amend_session(signed, make_user("aesthetician"), field="notes", new_value="x", reason="Because")


def test_two_dermatologists_signing_at_the_same_moment_one_wins(app, derm):
    """Two threads, two database connections, one barrier: exactly one signature lands."""
    import threading

    session_id = recorded_session(make_patient(), derm).id
    signers = [derm.id, make_user("dermatologist").id]
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def sign_as(user_id: int) -> None:
        from clinic.auth.models import User

        with app.app_context():
            try:
                session = db.session.get(TreatmentSession, session_id)
                user = db.session.get(User, user_id)
                version = session.version
                _ = (session.areas, session.products, session.aftercare, session.injection_sites)
                barrier.wait(timeout=10)
                sign_session(session, user, loaded_version=version)
                db.session.commit()
                outcomes[user_id] = "signed"
            except (StaleSession, SessionSigned):
                db.session.rollback()
                outcomes[user_id] = "refused"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_as, args=(uid,)) for uid in signers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "signed"]
    db.session.expire_all()
    row = db.session.get(TreatmentSession, session_id)
    winner = next(uid for uid, outcome in outcomes.items() if outcome == "signed")
    assert row.signed_by_id == winner and verify_signature(row)
