"""Issue 14 item 15: settings per area (passes, laser), depth per injection site, and as many rows as needed,
added by a "more rows" submit that works without JavaScript and keeps what was typed."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.treatments.models import TreatmentSession
from clinic.treatments.signing import sign_session, verify_signature
from tests.factories import make_patient
from tests.treatments.factories import make_session
from tests.treatments.test_views import _record_form


@pytest.fixture
def laser(world):
    session = make_session(world["patient"], world["derm"], code="laser_exosome")
    db.session.commit()
    return session


def _reload(session_id: int) -> TreatmentSession:
    db.session.expire_all()
    return db.session.get(TreatmentSession, session_id)


def test_edit_form_shows_saved_rows_then_one_empty_row_and_more_row_buttons(world, login_as):
    client, _ = login_as(user=world["derm"])
    page = client.get(f"/treatments/{world['draft'].id}/edit").text
    assert 'name="areas-0-area"' in page and 'value="Cheeks"' in page and 'name="areas-0-passes"' in page
    assert 'name="areas-1-area"' in page and 'name="areas-2-area"' not in page
    assert 'name="more_areas"' in page and 'name="more_products"' in page


def test_more_rows_without_javascript_keeps_what_was_typed_and_saves_nothing(world, laser, login_as):
    client, _ = login_as(user=world["derm"])
    version = laser.version
    data = _record_form(
        laser,
        "exo-2026-01",
        **{
            "areas-0-area": "Forehead",
            "areas-0-passes": "2",
            "areas-0-laser_fluence_j_cm2": "8.5",
            "areas-1-area": "Cheeks",
            "areas-1-passes": "4",
            "areas-1-laser_spot_size_mm": "0.135",
            "more_areas": "Add an area row",
        },
    )
    response = client.post(f"/treatments/{laser.id}/edit", data=data)
    assert response.status_code == 200 and "invalid-feedback" not in response.text
    for typed in ('value="Forehead"', 'value="Cheeks"', 'value="8.5"', 'value="0.135"', 'value="4"'):
        assert typed in response.text
    assert 'name="areas-2-area"' in response.text and 'name="areas-3-area"' not in response.text
    saved = _reload(laser.id)
    assert saved.version == version and saved.areas == []


def test_each_area_keeps_its_own_passes_and_laser_settings(world, laser, login_as):
    client, _ = login_as(user=world["derm"])
    rows = {}
    for i, (name, passes, fluence, spot) in enumerate(
        [
            ("Forehead", 2, "8.5", "0.135"),
            ("Cheeks", 4, "12", "0.25"),
            ("Chin", 3, "10.25", "0.3"),
            ("Neck", 1, "6", "0.5"),
            ("Decolletage", 2, "7.5", "1"),
            ("Hands", 3, "9", "0.75"),
        ]
    ):
        rows.update(
            {
                f"areas-{i}-area": name,
                f"areas-{i}-passes": passes,
                f"areas-{i}-laser_wavelength_nm": 1550,
                f"areas-{i}-laser_fluence_j_cm2": fluence,
                f"areas-{i}-laser_spot_size_mm": spot,
            }
        )
    rows["areas-0-needle_depth_mm"] = ""  # a laser needles nothing
    response = client.post(f"/treatments/{laser.id}/edit", data=_record_form(laser, "exo-2026-01", **rows))
    assert response.status_code == 302, response.text
    saved = _reload(laser.id)
    assert [(a.area, a.passes, a.laser_fluence_j_cm2) for a in saved.areas][:2] == [
        ("Forehead", 2, Decimal("8.5")),
        ("Cheeks", 4, Decimal("12")),
    ]
    assert len(saved.areas) == 6 and saved.passes is None and saved.laser_fluence_j_cm2 is None
    page = client.get(f"/treatments/{laser.id}").text
    assert "Forehead (2 passes, 1550 nm, 8.5 J/cm², spot 0.135 mm)" in page
    sign_session(saved, world["derm"], loaded_version=saved.version)
    db.session.commit()
    signed = _reload(laser.id)
    assert verify_signature(signed)
    db.session.execute(
        sa.update(type(signed.areas[1])).where(type(signed.areas[1]).id == signed.areas[1].id).values(passes=5)
    )
    db.session.commit()
    assert not verify_signature(_reload(laser.id))  # per-area settings are inside the signature


def test_injection_sites_have_a_depth_and_any_number_of_rows(world, login_as):
    client, _ = login_as(user=world["derm"])
    session = make_session(world["patient"], world["derm"], code="scalp_exosome_injection")
    db.session.commit()
    sites = {}
    for i in range(6):
        sites.update(
            {
                f"injection_sites-{i}-site": f"Zone {i + 1}",
                f"injection_sites-{i}-volume_ml": "0.1",
                f"injection_sites-{i}-depth_mm": "1.5",
            }
        )
    sites["injection_sites-5-depth_mm"] = "12"
    refused = client.post(f"/treatments/{session.id}/edit", data=_record_form(session, "exo-2026-01", **sites))
    assert refused.status_code == 422 and 'id="injection_sites-5-depth_mm-error"' in refused.text
    sites["injection_sites-5-depth_mm"] = "2.25"
    ok = client.post(f"/treatments/{session.id}/edit", data=_record_form(session, "exo-2026-01", **sites))
    assert ok.status_code == 302, ok.text
    saved = _reload(session.id)
    assert [s.depth_mm for s in saved.injection_sites] == [Decimal("1.5")] * 5 + [Decimal("2.25")]
    assert "Zone 6 0.1 ml at 2.25 mm" in client.get(f"/treatments/{session.id}").text


def test_a_session_signed_with_session_wide_settings_still_verifies(world):
    """Records signed before settings moved to areas keep their session-wide values inside the signature."""
    session = make_session(make_patient(), world["derm"])
    session.passes, session.laser_wavelength_nm = 3, 1550
    session.ended_at = session.started_at
    db.session.flush()
    sign_session(session, world["derm"], loaded_version=session.version)
    db.session.commit()
    legacy = _reload(session.id)
    assert verify_signature(legacy)
    db.session.execute(sa.update(TreatmentSession).where(TreatmentSession.id == session.id).values(passes=4))
    db.session.commit()
    assert not verify_signature(_reload(session.id))
