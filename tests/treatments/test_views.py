"""Treatment pages through HTTP: the check-in journey, the record form, signing, amendments, scores;
roles (403) and other clinics' or patients' objects (404) for every route."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from clinic.catalog.models import ProductLot
from clinic.extensions import db
from clinic.treatments.models import Amendment, OutcomeScore, TreatmentSession
from tests.factories import make_clinic, make_patient, make_user
from tests.treatments.factories import (
    catalog,
    exosome_product,
    make_lot,
    procedure,
)


def local(dt: datetime) -> str:
    return dt.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")


def routes(w) -> list[tuple[str, str, dict | None]]:
    p, d, s = w["patient"].id, w["draft"].id, w["signed"].id
    return [
        ("get", f"/patients/{p}/treatments", None),
        ("get", f"/patients/{p}/treatments/new", None),
        ("post", f"/patients/{p}/treatments/new", {}),
        ("get", f"/treatments/{d}", None),
        ("get", f"/treatments/{d}/edit", None),
        ("post", f"/treatments/{d}/edit", {}),
        ("post", f"/treatments/{d}/sign", {}),
        ("post", f"/treatments/{s}/amend", {}),
        ("post", f"/patients/{p}/scores", {}),
    ]


STAFF_READ = {"/patients/{p}/treatments", "/treatments/{d}"}


@pytest.mark.parametrize("role", ["aesthetician", "patient", "admin"])
def test_role_matrix(world, login_as, role):
    client, _ = login_as(role)
    for method, url, data in routes(world):
        response = getattr(client, method)(url, **({"data": data} if data is not None else {}))
        readable = method == "get" and (url.endswith("/treatments") or url.count("/") == 2)
        expected = 200 if (role == "aesthetician" and readable) else 403
        assert response.status_code == expected, (role, method, url)


def test_other_clinic_gets_404_everywhere(world, login_as):
    outsider = make_user("dermatologist", clinic=make_clinic("Elsewhere"))
    client, _ = login_as(user=outsider)
    for method, url, data in routes(world):
        response = getattr(client, method)(url, **({"data": data} if data is not None else {}))
        assert response.status_code == 404, (method, url)


def test_aesthetician_sees_a_session_but_no_edit_or_sign_controls(world, login_as):
    client, _ = login_as("aesthetician")
    page = client.get(f"/treatments/{world['draft'].id}")
    assert page.status_code == 200
    assert "Sign session" not in page.text and "Edit the record" not in page.text


def test_precheck_journey_warns_then_starts_with_reason(world, login_as):
    client, derm = login_as(user=world["derm"])
    url = f"/patients/{world['patient'].id}/treatments/new"
    proc = procedure().id
    assert "Microneedling + topical exosome: valid until" in client.get(url).text
    first = client.post(url, data={"procedure_id": proc, "history_confirmed": "yes"})
    # Issue 14 item 19: the reason field appears with the finding, without an error nobody could have avoided.
    assert first.status_code == 200
    assert "Isotretinoin" in first.text and 'name="override_isotretinoin"' in first.text
    assert "Write why you proceed" not in first.text and "is-invalid" not in first.text
    assert 'name="shown_warnings" type="hidden" value="isotretinoin"' in first.text
    empty = client.post(
        url,
        data={
            "procedure_id": proc,
            "history_confirmed": "yes",
            "shown_warnings": "isotretinoin",
            "override_isotretinoin": "",
        },
    )
    assert empty.status_code == 422 and 'id="override_isotretinoin-error"' in empty.text
    assert "Write why you proceed" in empty.text
    before = db.session.scalar(sa.select(sa.func.count(TreatmentSession.id)))
    second = client.post(
        url,
        data={
            "procedure_id": proc,
            "history_confirmed": "yes",
            "override_isotretinoin": "Stopped 2 months ago; ASDS 2017 consensus.",
        },
    )
    assert second.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(TreatmentSession.id))) == before + 1
    session = db.session.scalars(sa.select(TreatmentSession).order_by(TreatmentSession.id.desc())).first()
    assert session.precheck["findings"][0]["override_reason"].startswith("Stopped 2 months")
    assert world["patient"].history.confirmed_by_id == derm.id
    assert session.consent_id is not None
    assert (
        "Consent: Microneedling + topical exosome (version 1), signed" in client.get(f"/treatments/{session.id}").text
    )


def test_precheck_needs_history_confirmation(world, login_as):
    client, _ = login_as(user=world["derm"])
    response = client.post(f"/patients/{world['patient'].id}/treatments/new", data={"procedure_id": procedure().id})
    assert response.status_code == 422 and "Re-confirm the history" in response.text


def test_hard_stop_blocks_in_the_browser_flow(world, login_as):
    client, _ = login_as(user=world["derm"])
    patient = make_patient(history={"active_infection": True})
    db.session.commit()
    response = client.post(
        f"/patients/{patient.id}/treatments/new",
        data={"procedure_id": procedure().id, "history_confirmed": "yes"},
    )
    assert response.status_code == 422 and "The session cannot start" in response.text
    # Issue 14 item 23: nothing on the page offers to start the session or to override a hard stop.
    assert "Start the session" not in response.text and "override_" not in response.text
    assert "Run the pre-check again" in response.text
    assert (
        db.session.scalar(
            sa.select(sa.func.count(TreatmentSession.id)).where(TreatmentSession.patient_id == patient.id)
        )
        == 0
    )


def test_hard_stop_with_a_warning_offers_no_override_even_to_a_hand_made_post(world, login_as):
    client, _ = login_as(user=world["derm"])
    patient = make_patient(history={"active_infection": True, "anticoagulants": True})
    db.session.commit()
    url = f"/patients/{patient.id}/treatments/new"
    data = {"procedure_id": procedure().id, "history_confirmed": "yes"}
    page = client.post(url, data=data)
    assert page.status_code == 422 and "Anticoagulant" in page.text
    assert "override_" not in page.text and "Start the session" not in page.text
    forced = client.post(
        url,
        data={**data, "shown_warnings": "anticoagulants", "override_anticoagulants": "Stopped warfarin a week ago."},
    )
    assert forced.status_code == 422 and "The session cannot start" in forced.text
    count = sa.select(sa.func.count(TreatmentSession.id)).where(TreatmentSession.patient_id == patient.id)
    assert db.session.scalar(count) == 0


def test_a_hand_made_post_with_every_reason_starts_at_once(world, login_as):
    client, _ = login_as(user=world["derm"])
    response = client.post(
        f"/patients/{world['patient'].id}/treatments/new",
        data={
            "procedure_id": procedure().id,
            "history_confirmed": "yes",
            "override_isotretinoin": "Stopped 2 months ago; ASDS 2017 consensus.",
        },
    )
    assert response.status_code == 302


def _record_form(session, lot_number, **changes):
    data = {
        "version": session.version,
        "started_at": local(session.started_at),
        "ended_at": local(session.started_at + timedelta(minutes=50)),
        "assistant_id": 0,
        "device": "Dermapen 4",
        "areas-0-area": "Cheeks",
        "areas-0-passes": 3,
        "areas-0-needle_depth_mm": "1.5",
        "products-0-product_id": exosome_product().id,
        "products-0-lot_number": lot_number,
        "products-0-volume_ml": "2.5",
        "products-0-units_used": 1,
    }
    data.update(changes)
    return data


def test_record_form_saves_and_draws_stock(world, login_as):
    client, _ = login_as(user=world["derm"])
    session = world["draft"]
    response = client.post(f"/treatments/{session.id}/edit", data=_record_form(session, "exo-2026-01"))
    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert db.session.get(ProductLot, world["lot"].id).quantity_on_hand == 3
    assert db.session.get(TreatmentSession, session.id).areas[0].needle_depth_mm == 1.5


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"areas-0-needle_depth_mm": "3.0"}, "between 0.25 and 2.5"),
        ({"products-0-lot_number": "NOPE"}, "Unknown lot"),
        ({"started_at": "2099-01-01T10:00", "ended_at": ""}, "cannot be in the future"),
    ],
)
def test_record_form_shows_problems_beside_fields_and_saves_nothing(world, login_as, changes, message):
    client, _ = login_as(user=world["derm"])
    session = world["draft"]
    response = client.post(f"/treatments/{session.id}/edit", data=_record_form(session, "EXO-2026-01", **changes))
    assert response.status_code == 422 and message in response.text
    assert "invalid-feedback" in response.text
    db.session.expire_all()
    assert db.session.get(ProductLot, world["lot"].id).quantity_on_hand == 4
    assert db.session.get(TreatmentSession, session.id).areas[0].passes == 3  # unchanged from the factory's save


def test_stale_record_form_is_refused(world, login_as):
    client, _ = login_as(user=world["derm"])
    session = world["draft"]
    data = _record_form(session, "EXO-2026-01", version=session.version - 1)
    response = client.post(f"/treatments/{session.id}/edit", data=data)
    assert response.status_code == 200 and "Someone else saved" in response.text


def test_sign_then_read_only_through_every_route(world, login_as):
    client, _ = login_as(user=world["derm"])
    session = world["draft"]
    assert client.post(f"/treatments/{session.id}/sign", data={"version": session.version}).status_code == 302
    page = client.get(f"/treatments/{session.id}")
    assert "verified" in page.text and "Amend the record" in page.text
    again = client.post(f"/treatments/{session.id}/sign", data={"version": session.version + 1}, follow_redirects=True)
    assert "already signed" in again.text
    edit = client.post(
        f"/treatments/{session.id}/edit", data=_record_form(session, "EXO-2026-01"), follow_redirects=True
    )
    assert "signed and read-only" in edit.text
    db.session.expire_all()
    assert db.session.get(ProductLot, world["lot"].id).quantity_on_hand == 4


def test_second_signer_gets_a_clear_message(world, login_as):
    session = world["draft"]
    loaded = session.version
    first, _ = login_as(user=world["derm"])
    second, _ = login_as("dermatologist")
    assert first.post(f"/treatments/{session.id}/sign", data={"version": loaded}).status_code == 302
    response = second.post(f"/treatments/{session.id}/sign", data={"version": loaded}, follow_redirects=True)
    assert "already signed" in response.text or "signed by someone else" in response.text
    db.session.expire_all()
    assert db.session.get(TreatmentSession, session.id).signed_by_id == world["derm"].id


def test_amend_shows_under_the_original(world, login_as):
    client, _ = login_as(user=world["derm"])
    url = f"/treatments/{world['signed'].id}/amend"
    bad = client.post(url, data={"field": "notes", "new_value": "x", "reason": ""})
    assert bad.status_code == 422
    ok = client.post(
        url,
        data={
            "field": "notes",
            "new_value": "Slight pinpoint bleeding, resolved.",
            "reason": "Added after review",
        },
        follow_redirects=True,
    )
    assert "Slight pinpoint bleeding" in ok.text and "Added after review" in ok.text
    assert db.session.scalar(sa.select(sa.func.count(Amendment.id))) == 1


def test_scores_are_recorded_validated_and_charted(world, login_as):
    client, _ = login_as(user=world["derm"])
    url = f"/patients/{world['patient'].id}/scores"
    today = datetime.now(ZoneInfo("America/New_York")).date()
    assert (
        client.post(
            url,
            data={
                "scale": "iga",
                "checkpoint": "baseline",
                "recorded_on": today - timedelta(days=90),
                "value": "3",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(url, data={"scale": "iga", "checkpoint": "3m", "recorded_on": today, "value": "1"}).status_code
        == 302
    )
    bad = client.post(url, data={"scale": "iga", "checkpoint": "3m", "recorded_on": today, "value": "9"})
    assert bad.status_code == 422 and "a number from 0 to 4" in bad.text
    page = client.get(f"/patients/{world['patient'].id}/treatments")
    assert "<svg" in page.text and "<polyline" in page.text
    assert db.session.scalar(sa.select(sa.func.count(OutcomeScore.id))) == 2


def test_lot_of_another_clinic_is_unknown(world, login_as):
    other = make_clinic("Other clinic")
    catalog(other)
    from clinic.catalog.models import Product

    product = db.session.scalar(sa.select(Product).filter_by(clinic_id=other.id, brand="DP Derm"))
    make_lot(product, lot_number="FOREIGN-1")
    db.session.commit()
    client, _ = login_as(user=world["derm"])
    session = world["draft"]
    response = client.post(f"/treatments/{session.id}/edit", data=_record_form(session, "FOREIGN-1"))
    assert response.status_code == 422 and "Unknown lot" in response.text


def test_record_form_suggests_only_usable_lots(world, login_as):
    from datetime import date

    make_lot(lot_number="EXPIRED-9", expires_on=date.today() - timedelta(days=10))
    make_lot(lot_number="EMPTY-9", quantity=0)
    db.session.commit()
    client, _ = login_as(user=world["derm"])
    page = client.get(f"/treatments/{world['draft'].id}/edit")
    assert '<option value="EXO-2026-01">' in page.text
    assert '<option value="EXPIRED-9">' not in page.text and "EMPTY-9" not in page.text
    assert "Lot EXPIRED-9 expired on" in page.text  # still on hand: the stock warning says so


def test_session_page_shows_the_precheck_time_in_the_clinic_zone(world, login_as):
    """Issue 14 item 23: the pre-check time was printed as UTC text while the rest of the page is clinic time."""
    draft = world["draft"]
    draft.precheck = {**(draft.precheck or {}), "run_at": "2026-11-27T15:30:00+00:00"}
    db.session.commit()
    client, _ = login_as(user=world["derm"])
    page = client.get(f"/treatments/{draft.id}").text
    assert "Run Fri 27 Nov 2026, 10:30 EST; history re-confirmed" in page
    assert "15:30 UTC" not in page
