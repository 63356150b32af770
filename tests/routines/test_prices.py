"""Prices (issue 14, item 14): shown in the catalog, as the routine's cost a month, and with the portal's
reorder prompt, formatted by Babel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from clinic.extensions import db
from clinic.money import format_money
from clinic.routines.supplies import monthly_cost
from tests.factories import make_patient
from tests.routines.factories import AGING_STEPS, make_routine, product

TODAY = date(2026, 11, 26)


def test_money_is_formatted_by_babel_in_the_configured_currency(app):
    assert format_money(Decimal("1267.5")) == "$1,267.50"
    assert format_money(None) == ""
    app.config.update(CLINIC_CURRENCY="EUR", CLINIC_LOCALE="de_DE")
    assert format_money(Decimal("85")) == "85,00\xa0€"


def test_monthly_cost_counts_each_bottle_once_at_its_rate_of_use(app):
    patient = make_patient()
    routine = make_routine(patient, AGING_STEPS + [dict(product="Daily Serum", slot="am")])
    cost = monthly_cost(routine, TODAY)
    amounts = {p.name: a for p, a in cost.products}
    # 30 ml bottle at 0.3 ml a use, used AM and PM: 18 ml a month of a $267 bottle
    assert amounts["Daily Serum"] == Decimal("160.20")
    assert amounts["Gentle Cream Cleanser"] == Decimal("7.20")  # 60 ml of 200 ml at $24
    assert cost.total == Decimal("7.20") + Decimal("12.60") + Decimal("23.04") + Decimal("160.20") + Decimal("13.50")
    assert cost.unknown == []


def test_a_product_without_a_price_is_named_not_counted(app):
    patient = make_patient()
    routine = make_routine(patient, AGING_STEPS)
    product(patient.clinic_id, "Retinol 0.3% Night Serum").price = None
    cost = monthly_cost(routine, TODAY)
    assert [p.name for p in cost.unknown] == ["Retinol 0.3% Night Serum"]
    assert cost.total == Decimal("7.20") + Decimal("12.60") + Decimal("23.04") + Decimal("80.10")


def test_the_routine_page_shows_the_cost_a_month(login_as):
    patient = make_patient()
    make_routine(patient, AGING_STEPS)
    db.session.commit()
    client, _ = login_as("dermatologist")
    page = client.get(f"/patients/{patient.id}/routine").text
    assert "Home products cost about <strong>$136.44 a month</strong>" in page
    assert "Plated Skin Science Daily Serum $80.10" in page


def test_the_catalog_lists_prices(login_as):
    patient = make_patient()
    make_routine(patient, AGING_STEPS)  # installs the catalog
    db.session.commit()
    client, _ = login_as("admin")
    page = client.get("/admin/catalog").text
    assert "<td>$85.00</td>" in page and "<td>$510.00</td>" in page


@pytest.mark.parametrize(
    ("runs_out_on", "text"),
    [
        (date(2026, 12, 1), "runs out around Tue 01 Dec: time to reorder. Price at the clinic: $24.00."),
        (date(2026, 11, 8), "should have run out: reorder now. Price at the clinic: $24.00."),
    ],
)
def test_the_reorder_prompt_gives_the_price(login_as, runs_out_on, text):
    patient = make_patient(timezone="America/New_York")
    routine = make_routine(patient, AGING_STEPS)
    routine.steps[0].runs_out_on = runs_out_on
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 26, 15, 0, tzinfo=UTC), tick=False):
        client, _ = login_as("patient", patient=patient)
        page = client.get("/portal/today").text
    assert f"Clinic Basics Gentle Cream Cleanser {text}" in page
