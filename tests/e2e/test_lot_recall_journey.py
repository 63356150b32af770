"""An admin recalls a lot from the catalog with a reason; the recall report shows who received it and that
their notices are queued; the dermatologist finds the recall in the safety inbox, and the recalled lot is
refused in the session log, with the reason beside the lot field. An admin sets the check-in red flag on the
safety settings page (an out-of-range value is refused beside the field). Every page fits 1280, 768 and 390 px
without sideways scrolling and has no serious axe violation (screenshots in CLINIC_E2E_SHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

SHOTS = Path(os.environ.get("CLINIC_E2E_SHOTS", "/tmp/clinic-e2e-shots"))  # noqa: S108 - a test artefact folder
WIDTHS = (1280, 768, 390)


def _world():
    from tests.treatments.factories import catalog, make_lot, make_session, recorded_session

    catalog()
    admin = make_user("admin", full_name="Ada Admin")
    derm = make_user("dermatologist", full_name="Dr. Recall")
    lot = make_lot(lot_number="E2E-RC-1", quantity=8, manufacturer="DP Derm Labs")
    recorded_session(make_patient(first_name="Rita", last_name="Received"), derm, lot)
    draft = make_session(make_patient(first_name="Nora", last_name="Next"), derm)
    return admin.email, derm.email, draft.id


def _check(page, name: str) -> None:
    assert axe_violations(page) == [], name
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"lot-recall-{name}-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_admin_recalls_a_lot_and_the_session_log_refuses_it(page, browser, live_server, seed):
    admin_email, derm_email, draft_id = seed(_world)
    log_in(page, admin_email, PASSWORD)
    page.goto("/admin/catalog#lots")
    _check(page, "catalog")
    page.get_by_role("link", name="Recall or quarantine lot E2E-RC-1").click()
    page.get_by_role("heading", name="Recall or quarantine lot E2E-RC-1").wait_for()
    _check(page, "form")
    page.get_by_role("button", name="Take lot out of use and notify").click()  # no reason: error beside it
    page.get_by_text("This field is required.").wait_for()
    page.get_by_label("Take the lot out of use as").select_option("recalled")
    page.get_by_label("Reason").fill("Manufacturer recall notice DPD-2026-14: sterility not assured")
    page.get_by_role("button", name="Take lot out of use and notify").click()
    page.get_by_role("heading", name="Recall report: lot E2E-RC-1").wait_for()
    page.get_by_text("1 patient notice(s) queued").wait_for()
    assert page.get_by_role("cell", name="Received, Rita").count() == 1
    assert "pending: queued" in page.locator("table").inner_text()
    _check(page, "report")

    derm_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    derm = derm_context.new_page()
    derm.set_default_timeout(10_000)
    log_in(derm, derm_email, PASSWORD)
    derm.get_by_role("link", name="Safety inbox").click()
    derm.get_by_text("Lot E2E-RC-1 of DP Derm Exo-Skin Exosome Therapy recalled: 1 of your patients").wait_for()
    _check(derm, "inbox")

    derm.goto(f"/treatments/{draft_id}/edit")
    started = derm.get_by_label("Started").input_value()
    derm.get_by_label("Ended").fill(started)
    derm.get_by_label("Area 1", exact=True).fill("Cheeks")
    derm.get_by_label("Product 1", exact=True).select_option(label="DP Derm Exo-Skin Exosome Therapy")
    derm.get_by_label("Lot number, product 1", exact=True).fill("E2E-RC-1")
    derm.get_by_label("Volume (ml), product 1", exact=True).fill("2.5")
    derm.get_by_role("button", name="Save draft").click()
    error = derm.get_by_text("Lot E2E-RC-1 is recalled (Manufacturer recall notice DPD-2026-14")
    error.wait_for()
    lot_field = derm.get_by_label("Lot number, product 1", exact=True)
    assert lot_field.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in (lot_field.get_attribute("aria-describedby") or "")
    _check(derm, "session-refused")
    derm_context.close()


def test_admin_sets_the_check_in_red_flag_on_the_safety_settings_page(page, live_server, seed):
    admin_email = seed(lambda: make_user("admin", full_name="Ada Settings").email)
    log_in(page, admin_email, PASSWORD)
    page.goto("/safety/settings")
    page.get_by_role("heading", name="Safety settings").wait_for()
    pain = page.get_by_label("Aftercare check-in: pain (out of 10) that is a red flag, at or above")
    assert pain.input_value() == "7"
    _check(page, "settings")
    pain.fill("3")
    page.get_by_role("button", name="Save safety settings").click()
    error = page.get_by_text("Number must be between 4 and 10.")
    error.wait_for()
    assert error.get_attribute("id") in (pain.get_attribute("aria-describedby") or "")
    _check(page, "settings-error")
    pain.fill("6")
    page.get_by_label("Aftercare check-in: can be answered until this many days after the treatment").fill("10")
    page.get_by_role("button", name="Save safety settings").click()
    page.get_by_text("Saved the safety settings.").wait_for()
    assert pain.input_value() == "6"
