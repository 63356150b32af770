"""Catalog admin pages (admin only), lots with stock warnings, and the lot recall list with CSV export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.catalog.models import (
    AftercareRule,
    ContraindicationRule,
    Procedure,
    Product,
    ProductLot,
    Protocol,
)
from clinic.extensions import db
from tests.factories import make_clinic, make_patient, make_user
from tests.treatments.factories import catalog, exosome_product, make_lot, procedure, recorded_session


@pytest.fixture
def cat(app):
    clinic = catalog()
    lot = make_lot(lot_number="EXO-A1", quantity=2)
    proc = procedure()
    derm = make_user("dermatologist")
    patient = make_patient(first_name="Recall", last_name="=Target")
    recorded_session(patient, derm, lot)
    ids = dict(
        product=exosome_product().id,
        procedure=proc.id,
        protocol=proc.protocols[0].id,
        aftercare=proc.aftercare_rules[0].id,
        lot=lot.id,
        patient=patient.id,
        derm=derm,
        rule=db.session.scalar(sa.select(ContraindicationRule.id).filter_by(clinic_id=clinic.id, code="isotretinoin")),
    )
    db.session.commit()
    return ids


def admin_routes(c) -> list[tuple[str, str]]:
    return [
        ("get", "/admin/catalog"),
        ("get", "/admin/catalog/products/new"),
        ("post", "/admin/catalog/products/new"),
        ("get", f"/admin/catalog/products/{c['product']}/edit"),
        ("post", f"/admin/catalog/products/{c['product']}/edit"),
        ("get", f"/admin/catalog/procedures/{c['procedure']}"),
        ("get", f"/admin/catalog/procedures/{c['procedure']}/edit"),
        ("post", f"/admin/catalog/procedures/{c['procedure']}/edit"),
        ("get", f"/admin/catalog/protocols/{c['protocol']}/edit"),
        ("post", f"/admin/catalog/protocols/{c['protocol']}/edit"),
        ("get", f"/admin/catalog/procedures/{c['procedure']}/aftercare/new"),
        ("get", f"/admin/catalog/aftercare/{c['aftercare']}/edit"),
        ("post", f"/admin/catalog/aftercare/{c['aftercare']}/edit"),
        ("get", f"/admin/catalog/rules/{c['rule']}/edit"),
        ("post", f"/admin/catalog/rules/{c['rule']}/edit"),
        ("get", "/admin/catalog/lots/new"),
        ("post", "/admin/catalog/lots/new"),
        ("get", f"/admin/catalog/lots/{c['lot']}/edit"),
        ("post", f"/admin/catalog/lots/{c['lot']}/edit"),
    ]


def recall_routes(c):
    return [
        ("get", f"/admin/catalog/lots/{c['lot']}/patients"),
        ("get", f"/admin/catalog/lots/{c['lot']}/patients.csv"),
    ]


def _call(client, method, url):
    return client.get(url) if method == "get" else client.post(url, data={})


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "patient"])
def test_only_admins_change_the_catalog(cat, login_as, role):
    client, _ = login_as(role)
    for method, url in admin_routes(cat):
        assert _call(client, method, url).status_code == 403, (role, method, url)


@pytest.mark.parametrize(
    "role, status", [("admin", 200), ("dermatologist", 200), ("aesthetician", 403), ("patient", 403)]
)
def test_recall_roles(cat, login_as, role, status):
    client, _ = login_as(role)
    for method, url in recall_routes(cat):
        assert _call(client, method, url).status_code == status, (role, url)


def test_other_clinics_admin_gets_404(cat, login_as):
    client, _ = login_as("admin", clinic=make_clinic("Elsewhere"))
    for method, url in admin_routes(cat)[3:] + recall_routes(cat):
        if "/new" in url and "aftercare" not in url:
            continue  # creating in one's own clinic is not another clinic's object
        assert _call(client, method, url).status_code == 404, (method, url)


def test_admin_pages_render(cat, login_as):
    client, _ = login_as("admin")
    for method, url in admin_routes(cat):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_admin_edits_a_rule_window_and_it_is_used(cat, login_as):
    client, _ = login_as("admin")
    response = client.post(
        f"/admin/catalog/rules/{cat['rule']}/edit",
        data={
            "label": "Isotretinoin in the last 3 months",
            "severity": "hard_stop",
            "enabled": "y",
            "window_months": "3",
        },
    )
    assert response.status_code == 302
    rule = db.session.get(ContraindicationRule, cat["rule"])
    db.session.refresh(rule)
    assert (rule.window_months, rule.severity, rule.code) == (3, "hard_stop", "isotretinoin")
    bad = client.post(
        f"/admin/catalog/rules/{cat['rule']}/edit",
        data={"label": "x", "severity": "warn", "window_months": "-1"},
    )
    assert bad.status_code == 422


def test_admin_creates_a_product_with_tags(cat, login_as):
    client, _ = login_as("admin")
    response = client.post(
        "/admin/catalog/products/new",
        data={
            "brand": "Acme",
            "name": "Exo Vial",
            "category": "in_office_exosome",
            "use": "in_office",
            "ingredients": "Exosomes, saline",
            "tags": ["exosome", "hyaluronic_acid"],
            "exosome_source": "plant",
            "active": "y",
        },
    )
    assert response.status_code == 302, response.text
    product = db.session.scalar(sa.select(Product).filter_by(brand="Acme"))
    assert product.tags == ["exosome", "hyaluronic_acid"] and product.exosome_source == "plant"
    duplicate = client.post(
        "/admin/catalog/products/new",
        data={"brand": "Acme", "name": "Exo Vial", "category": "serum", "use": "home", "exosome_source": ""},
    )
    assert duplicate.status_code == 422 and "already has a product" in duplicate.text


def test_admin_edits_protocol_and_aftercare(cat, login_as):
    client, _ = login_as("admin")
    ok = client.post(
        f"/admin/catalog/protocols/{cat['protocol']}/edit",
        data={
            "name": "Face: 5 sessions",
            "induction_count": "5",
            "min_interval_days": "28",
            "max_interval_days": "42",
            "checkpoint_months": "0, 3, 6, 9, 12",
            "active": "y",
        },
    )
    assert ok.status_code == 302
    protocol = db.session.get(Protocol, cat["protocol"])
    db.session.refresh(protocol)
    assert protocol.checkpoint_months == [0, 3, 6, 9, 12] and protocol.induction_count == 5
    bad = client.post(
        f"/admin/catalog/protocols/{cat['protocol']}/edit",
        data={
            "name": "x",
            "induction_count": "5",
            "min_interval_days": "42",
            "max_interval_days": "28",
            "checkpoint_months": "0",
        },
    )
    assert bad.status_code == 422
    added = client.post(
        f"/admin/catalog/procedures/{cat['procedure']}/aftercare/new",
        data={
            "action": "pause_tag",
            "ingredient_tag": "bergamot",
            "label": "No bergamot",
            "starts_after_hours": "0",
            "window_hours": "72",
            "step_slot": "",
        },
    )
    assert added.status_code == 302
    assert db.session.scalar(sa.select(AftercareRule).filter_by(label="No bergamot")).window_hours == 72
    no_tag = client.post(
        f"/admin/catalog/procedures/{cat['procedure']}/aftercare/new",
        data={
            "action": "pause_tag",
            "ingredient_tag": "",
            "label": "No what?",
            "starts_after_hours": "0",
            "window_hours": "72",
        },
    )
    assert no_tag.status_code == 422


def test_admin_adds_lots_and_sees_warnings(cat, login_as):
    client, _ = login_as("admin")
    data = {
        "product_id": cat["product"],
        "lot_number": "EXO-B2",
        "expires_on": date.today() + timedelta(days=10),
        "manufacturer": "DP Derm Labs",
        "source": "human_adipose_msc",
        "quantity_on_hand": "20",
        "low_stock_threshold": "3",
    }
    assert client.post("/admin/catalog/lots/new", data=data).status_code == 302
    duplicate = client.post("/admin/catalog/lots/new", data={**data, "lot_number": "exo-b2"})
    assert duplicate.status_code == 422 and "already has a lot" in duplicate.text
    negative = client.post("/admin/catalog/lots/new", data={**data, "lot_number": "EXO-C3", "quantity_on_hand": "-1"})
    assert negative.status_code == 422
    page = client.get("/admin/catalog")
    assert "Lot EXO-B2 expires on" in page.text  # within 30 days
    assert "Lot EXO-A1: only 1 left." in page.text  # 2 delivered, 1 used, threshold 3


def test_recall_lists_recipients_exports_csv_and_audits(cat, login_as):
    client, derm = login_as(user=cat["derm"])
    page = client.get(f"/admin/catalog/lots/{cat['lot']}/patients")
    assert "=Target, Recall" in page.text
    export = client.get(f"/admin/catalog/lots/{cat['lot']}/patients.csv")
    assert export.mimetype == "text/csv"
    lines = export.text.strip().splitlines()
    assert lines[0].startswith("record_number,") and len(lines) == 2
    assert ",'=Target," in lines[1]  # a formula-looking name is neutralised
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.patient_id == cat["patient"])).all()
    assert "lot.recall_view" in actions and "lot.recall_export" in actions


def test_seeded_defaults_include_every_rule(cat):
    codes = set(db.session.scalars(sa.select(ContraindicationRule.code)))
    from clinic.catalog.rules import DEFAULT_RULES

    assert codes == {c for c, *_ in DEFAULT_RULES}
    assert db.session.scalar(sa.select(sa.func.count(Procedure.id))) == 4
    assert db.session.scalar(sa.select(ProductLot.quantity_on_hand).filter_by(lot_number="EXO-A1")) == 1


def test_admin_narrows_a_range_and_the_record_form_follows(cat, login_as):
    from decimal import Decimal

    from clinic.treatments.services import SessionDetails, save_session
    from clinic.validation import Invalid
    from tests.treatments.factories import make_session

    client, _ = login_as("admin")
    url = "/admin/catalog/limits/needle_depth_mm/edit"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"low": "0.5", "high": "0.25"}).status_code == 422
    assert client.post(url, data={"low": "0.25", "high": "2.0"}).status_code == 302
    assert client.get("/admin/catalog/limits/no_such_limit/edit").status_code == 404
    assert "Needle depth</a>: 0.25–2 mm" in client.get("/admin/catalog").text
    derm_client, _ = login_as("dermatologist")
    assert derm_client.get(url).status_code == 403
    session = make_session(make_patient(), cat["derm"])
    details = SessionDetails(started_at=session.started_at, areas=[("Cheeks", Decimal("2.2"))])
    with pytest.raises(Invalid) as invalid:
        save_session(session, details, loaded_version=session.version, user=cat["derm"])
    assert invalid.value.problems["areas-0-needle_depth_mm"] == "Must be between 0.25 and 2 mm."
