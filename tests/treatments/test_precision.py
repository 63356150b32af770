"""Issue 14 item 16: measured values keep the precision the instrument gives (a 0.135 mm spot stays 0.135 on
both databases, in the edit form and on the page); more places than stored are refused, never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clinic.extensions import db
from clinic.treatments.models import TreatmentSession
from clinic.treatments.services import AreaSettings, SessionDetails, save_session
from clinic.treatments.signing import verify_signature
from clinic.validation import Invalid
from tests.treatments.factories import make_session
from tests.treatments.test_views import _record_form


@pytest.fixture
def laser_draft(world):
    session = make_session(world["patient"], world["derm"], code="laser_exosome")
    db.session.commit()
    return session


def _laser(**changes):
    return {
        "areas-0-laser_wavelength_nm": 1550,
        "areas-0-laser_fluence_j_cm2": "12.125",
        "areas-0-laser_spot_size_mm": "0.135",
        "areas-0-needle_depth_mm": "0.375",
        **changes,
    }


def test_browser_post_keeps_three_decimals_everywhere(world, laser_draft, login_as):
    client, _ = login_as(user=world["derm"])
    session = laser_draft
    data = _record_form(session, "exo-2026-01", **_laser(**{"products-0-volume_ml": "2.125"}))
    response = client.post(f"/treatments/{session.id}/edit", data=data)
    assert response.status_code == 302, response.text
    db.session.expire_all()
    saved = db.session.get(TreatmentSession, session.id)
    area = saved.areas[0]
    assert area.laser_spot_size_mm == Decimal("0.135") and area.laser_fluence_j_cm2 == Decimal("12.125")
    assert area.needle_depth_mm == Decimal("0.375")
    assert saved.products[0].volume_ml == Decimal("2.125")
    page = client.get(f"/treatments/{session.id}").text
    assert "spot 0.135 mm" in page and "12.125 J/cm²" in page and "0.375 mm deep" in page and "2.125 ml" in page
    form = client.get(f"/treatments/{session.id}/edit").text
    assert 'value="0.135"' in form and 'value="12.125"' in form and 'value="0.14"' not in form


@pytest.mark.parametrize(
    "field, value", [("areas-0-laser_spot_size_mm", "0.1355"), ("areas-0-laser_fluence_j_cm2", "10.0005")]
)
def test_more_places_than_stored_are_refused_beside_the_field(world, laser_draft, login_as, field, value):
    client, _ = login_as(user=world["derm"])
    session = laser_draft
    response = client.post(
        f"/treatments/{session.id}/edit", data=_record_form(session, "exo-2026-01", **_laser(**{field: value}))
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and "at most 3 decimal places" in response.text
    assert f'value="{value}"' in response.text  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(TreatmentSession, session.id).areas == []


def test_service_refuses_out_of_range_and_over_precise_values(world):
    session = world["draft"]
    for name, value, message in (
        ("laser_spot_size_mm", Decimal("0.0999"), "between"),
        ("laser_spot_size_mm", Decimal("0.1234"), "decimal places"),
        ("laser_fluence_j_cm2", Decimal("NaN"), "number"),
        ("needle_depth_mm", Decimal("1.0005"), "decimal places"),
    ):
        area = AreaSettings("Face", laser_wavelength_nm=1550, **{name: value})
        details = SessionDetails(started_at=session.started_at, areas=[area])
        with pytest.raises(Invalid) as invalid:
            save_session(session, details, loaded_version=session.version, user=world["derm"])
        assert message in invalid.value.problems[f"areas-0-{name}"]
        db.session.rollback()


def test_sessions_signed_with_two_places_still_verify(world):
    signed = db.session.get(TreatmentSession, world["signed"].id)
    assert verify_signature(signed)
