"""The consent names the exosome sources; a lot of another source blocks signing until a new consent."""

from __future__ import annotations

import pytest

from clinic.catalog.default_data import PRODUCTS
from clinic.catalog.models import EXOSOME_SOURCES
from clinic.extensions import db
from clinic.treatments.signing import sign_session
from clinic.validation import Invalid
from tests.consents.factories import make_consent
from tests.factories import make_patient, make_user
from tests.treatments.factories import exosome_product, make_lot, procedure, recorded_session


def test_demo_catalogue_invents_no_source():
    """The seed article names no manufacturer's source for any product."""
    assert {p["exosome_source"] for p in PRODUCTS if p.get("exosome_source")} == {"undisclosed"}
    assert "bovine_milk" in EXOSOME_SOURCES


def _session_with_consent(lot_source: str | None, consent_first: bool = True):
    derm = make_user("dermatologist")
    patient = make_patient()
    product = exosome_product()
    if consent_first:
        consent = make_consent(patient, procedure())
        lot = make_lot(product, source=lot_source or product.exosome_source)
    else:
        lot = make_lot(product, source=lot_source or product.exosome_source)
        consent = make_consent(patient, procedure())
    session = recorded_session(patient, derm, lot)
    session.consent_id = consent.id
    db.session.flush()
    db.session.refresh(session)
    return session, derm, consent


def test_consent_records_the_sources_it_names(app):
    session, _, consent = _session_with_consent(None)
    assert consent.product_sources == ["undisclosed"]
    assert "Not disclosed by the manufacturer" in consent.text


def test_same_source_signs(app):
    session, derm, _ = _session_with_consent(None)
    sign_session(session, derm, loaded_version=session.version)
    assert session.is_signed


def test_lot_of_another_source_blocks_signing(app):
    session, derm, _ = _session_with_consent("human_umbilical_msc")
    with pytest.raises(Invalid) as error:
        sign_session(session, derm, loaded_version=session.version)
    message = error.value.problems["consent"]
    assert "human umbilical-cord stem-cell derived" in message
    assert "must sign a new consent" in message
    assert not session.is_signed


def test_a_new_consent_naming_the_lot_source_unblocks(app):
    session, derm, _ = _session_with_consent("human_umbilical_msc", consent_first=False)
    assert "human_umbilical_msc" in session.consent.product_sources
    sign_session(session, derm, loaded_version=session.version)
    assert session.is_signed


def test_sign_view_shows_the_message(app, login_as):
    session, derm, _ = _session_with_consent("bovine_milk")
    db.session.commit()
    client, _ = login_as(user=derm)
    response = client.post(f"/treatments/{session.id}/sign", data={"version": session.version}, follow_redirects=True)
    assert "must sign a new consent" in response.text
