"""/api/v1 treatment sessions (read only), outcome scores, products and lots, and the follow-up queue."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.extensions import db
from clinic.treatments.models import OutcomeScore, TreatmentSession
from tests.api.conftest import bearer
from tests.api.helpers import assert_problem, events
from tests.factories import default_clinic, make_clinic, make_patient, make_user
from tests.treatments.factories import exosome_product, make_lot, signed_session


def _today() -> str:
    """Today where the clinic is (America/New_York): the service refuses scores dated in its future."""
    return datetime.now(ZoneInfo(default_clinic().timezone)).date().isoformat()


MASI = {r: {"area": 2, "darkness": 1, "homogeneity": 1} for r in ("forehead", "right_malar", "left_malar", "chin")}


def test_a_signed_session_reads_with_its_lots_and_is_read_only(app, issue_token):
    dermatologist, secret = issue_token("dermatologist")
    patient = make_patient()
    lot = make_lot(lot_number="EXO-2291")
    session = signed_session(patient, dermatologist, lot)
    db.session.commit()
    client, headers = app.test_client(), bearer(secret)
    listing = client.get(f"/api/v1/patients/{patient.id}/treatment-sessions", headers=headers).get_json()
    assert [s["id"] for s in listing["items"]] == [session.id]
    assert listing["items"][0]["status"] == "signed"
    body = client.get(f"/api/v1/treatment-sessions/{session.id}", headers=headers).get_json()
    assert body["signature_sha256"] == session.signature_sha256
    assert body["products"][0]["lot_number"] == "EXO-2291" and Decimal(body["products"][0]["volume_ml"]) == Decimal(
        "2.5"
    )
    assert events("treatment.view", object_id=str(session.id), user_id=dermatologist.id)
    for method in ("patch", "put", "delete", "post"):
        response = client.open(f"/api/v1/treatment-sessions/{session.id}", method=method, headers=headers, json={})
        assert_problem(response, 405)
    db.session.expire_all()
    assert db.session.get(TreatmentSession, session.id).version == session.version


def test_dermatologists_record_scores_aestheticians_read_them(app, issue_token):
    dermatologist, secret = issue_token("dermatologist")
    _, aesthetician_secret = issue_token("aesthetician")
    patient = make_patient()
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/patients/{patient.id}/scores"
    today = _today()
    created = client.post(
        url,
        headers=bearer(secret),
        json={"scale": "glogau", "checkpoint": "baseline", "recorded_on": today, "raw_value": "iii"},
    )
    assert created.status_code == 201, created.text
    assert created.get_json()["label"] == "III" and Decimal(created.get_json()["value"]) == 3
    masi = client.post(
        url,
        headers=bearer(secret),
        json={"scale": "masi", "checkpoint": "3m", "recorded_on": today, "components": MASI},
    )
    assert masi.status_code == 201 and masi.get_json()["label"] == "4.0"  # (0.3 × 3 + 0.1) × 2 × (1 + 1)
    assert events("outcome.record", patient_id=patient.id, user_id=dermatologist.id)

    body = {"scale": "glogau", "checkpoint": "baseline", "recorded_on": today, "raw_value": "I"}
    assert_problem(client.post(url, headers=bearer(aesthetician_secret), json=body), 403)
    listing = client.get(url, headers=bearer(aesthetician_secret)).get_json()
    assert [s["scale"] for s in listing["items"]] == ["glogau", "masi"]


def test_bad_scores_are_422_beside_the_field(app, issue_token):
    _, secret = issue_token("dermatologist")
    patient = make_patient()
    db.session.commit()
    client, url = app.test_client(), f"/api/v1/patients/{patient.id}/scores"
    tomorrow = (date.fromisoformat(_today()) + timedelta(days=1)).isoformat()
    cases = [
        (
            {"scale": "glogau", "checkpoint": "baseline", "recorded_on": _today(), "raw_value": "V"},
            "raw_value",
        ),
        (
            {"scale": "iga", "checkpoint": "3m", "recorded_on": _today(), "raw_value": "2.5"},
            "raw_value",
        ),
        ({"scale": "glogau", "checkpoint": "baseline", "recorded_on": tomorrow, "raw_value": "I"}, "recorded_on"),
        (
            {"scale": "masi", "checkpoint": "3m", "recorded_on": _today(), "components": {"chin": {}}},
            "components.forehead",
        ),
        ({"scale": "pasi", "checkpoint": "3m", "recorded_on": _today()}, "scale"),
    ]
    for body, field in cases:
        problem = assert_problem(client.post(url, headers=bearer(secret), json=body), 422)
        assert field in problem["errors"], problem
    assert db.session.scalar(sa.select(sa.func.count(OutcomeScore.id))) == 0


def test_another_clinics_records_are_404(app, issue_token):
    _, secret = issue_token("dermatologist")
    other = make_clinic("Elsewhere")
    stranger = make_patient(other)
    their_session = signed_session(stranger, make_user("dermatologist", clinic=other), make_lot(exosome_product(other)))
    db.session.commit()
    client, headers = app.test_client(), bearer(secret)
    assert_problem(client.get(f"/api/v1/treatment-sessions/{their_session.id}", headers=headers), 404)
    assert_problem(client.get(f"/api/v1/patients/{stranger.id}/scores", headers=headers), 404)
    assert_problem(client.get(f"/api/v1/products/{their_session.products[0].product_id}/lots", headers=headers), 404)


def test_products_and_lots(app, issue_token):
    _, secret = issue_token("admin")
    product = exosome_product()
    make_lot(product, lot_number="B-2", expires_on=date.today() + timedelta(days=90))
    make_lot(product, lot_number="A-1", expires_on=date.today() + timedelta(days=30))
    db.session.commit()
    client, headers = app.test_client(), bearer(secret)
    products = client.get("/api/v1/products?page_size=100&sort=brand", headers=headers).get_json()
    assert product.id in [p["id"] for p in products["items"]]
    lots = client.get(f"/api/v1/products/{product.id}/lots", headers=headers).get_json()
    assert [lot["lot_number"] for lot in lots] == ["A-1", "B-2"]
    assert_problem(client.get("/api/v1/products?sort=price", headers=headers), 422)


def test_follow_up_queue_is_read_like_the_page(app, issue_token):
    _, secret = issue_token("aesthetician")
    body = app.test_client().get("/api/v1/follow-ups", headers=bearer(secret)).get_json()
    assert body["meta"]["page"] == 1 and body["items"] == []
    assert_problem(app.test_client().get("/api/v1/follow-ups?page=0", headers=bearer(secret)), 422)
