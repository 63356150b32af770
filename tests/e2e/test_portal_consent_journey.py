"""The patient signs a consent on a phone: the consents page lists what to sign, an empty signature is
refused, a signature drawn on the canvas is accepted and kept with method "portal". The typed-name method
(issue 14 item 18) works by keyboard alone and in a browser with JavaScript turned off."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

EMAIL = "consent.journey@example.test"


def _set_up_patient(email: str = EMAIL, last_name: str = "Consentini"):
    from clinic.db import now_utc
    from tests.factories import default_clinic, make_clinic
    from tests.treatments.factories import catalog, make_appointment

    default_clinic()  # exists first, so the other journeys keep using it
    # its own clinic: the schedule journey's stays as seeded
    clinic = catalog(make_clinic(f"Consent Journey Clinic {last_name}"))
    patient = make_patient(clinic, first_name="Carla", last_name=last_name)
    make_appointment(patient, make_user("dermatologist", clinic=clinic), starts_at=now_utc() + timedelta(days=3))
    make_user("patient", patient=patient, email=email)
    return patient.id


def _consents(patient_id: int):
    def run():
        from clinic.consents.models import Consent
        from clinic.extensions import db

        return [
            (c.title, c.method, c.signer_name, c.signature_method)
            for c in db.session.scalars(sa.select(Consent).where(Consent.patient_id == patient_id))
        ]

    return run


def _draw(page, selector: str) -> None:
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x + w * (0.1 + 0.04 * step), y + h * (0.7 - 0.4 * ((step % 5) / 5)), steps=2)
    page.mouse.up()


def test_patient_signs_a_consent_by_drawing_on_a_phone(phone_page, seed):
    page = phone_page
    patient_id = seed(_set_up_patient)
    log_in(page, EMAIL, PASSWORD)
    page.goto("/portal/consents")
    page.get_by_role("heading", name="My consents").wait_for()
    assert axe_violations(page) == []

    page.locator("li", has_text="Consent: Microneedling").get_by_role("link", name="Read and sign").click()
    page.get_by_text("no FDA-approved exosome products", exact=False).first.wait_for()
    assert axe_violations(page) == []

    page.get_by_label("I have read this consent and agree to it").check()
    page.get_by_label("Your full name").fill("Carla Consentini")
    assert not page.locator("#signature-pad").is_visible()  # the typed method is chosen first
    page.get_by_label("Draw my signature").check()
    page.get_by_role("button", name="Sign consent").click()
    page.get_by_text("The signature is empty. Please sign in the box.").wait_for()
    assert page.get_by_label("Your full name").input_value() == "Carla Consentini"
    assert seed(_consents(patient_id)) == []

    page.get_by_label("I have read this consent and agree to it").check()
    _draw(page, "#signature-pad")
    assert page.locator("#signature").input_value().startswith("data:image/png;base64,")
    page.get_by_role("button", name="Sign consent").click()
    page.get_by_text("is signed.").wait_for()
    assert page.get_by_text("Valid", exact=True).count() == 1
    assert axe_violations(page) == []
    [(title, method, signer, signature_method)] = seed(_consents(patient_id))
    assert "Microneedling" in title and method == "portal" and signer == "Carla Consentini"
    assert signature_method == "drawn"


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus: it is reachable by keyboard."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the keyboard focus")


def test_patient_signs_with_a_typed_name_by_keyboard_only(page, seed):
    email = "consent.keyboard@example.test"
    patient_id = seed(lambda: _set_up_patient(email, "Keyboardson"))
    log_in(page, email, PASSWORD)
    page.goto("/portal/consents")
    _tab_to(page, "a.btn-primary")
    page.keyboard.press("Enter")
    page.get_by_text("no FDA-approved exosome products", exact=False).first.wait_for()
    _tab_to(page, "#agree")
    page.keyboard.press("Space")
    _tab_to(page, "#signer_name")
    page.keyboard.type("Carla Keyboardson")
    _tab_to(page, "#signature_method-0")
    assert page.locator("#signature_method-0").is_checked()
    _tab_to(page, "#typed_agree")
    page.keyboard.press("Space")
    assert axe_violations(page) == []
    _tab_to(page, '[name="submit"]')
    page.keyboard.press("Enter")
    page.get_by_text("is signed.").wait_for()
    [(title, method, signer, signature_method)] = seed(_consents(patient_id))
    assert "Microneedling" in title and method == "portal"
    assert (signer, signature_method) == ("Carla Keyboardson", "typed")


def test_patient_signs_with_a_typed_name_with_javascript_off(browser, live_server, seed):
    email = "consent.nojs@example.test"
    patient_id = seed(lambda: _set_up_patient(email, "Noscript"))
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, email, PASSWORD)
        page.goto("/portal/consents")
        page.get_by_role("link", name="Read and sign").first.click()
        page.get_by_text("no FDA-approved exosome products", exact=False).first.wait_for()
        page.get_by_text("Drawing needs JavaScript").wait_for()
        page.get_by_label("I have read this consent and agree to it").check()
        page.get_by_label("Your full name").fill("Carla Noscript")
        page.get_by_role("button", name="Sign consent").click()
        page.get_by_text("Tick the box to sign with the typed name.").wait_for()
        assert seed(_consents(patient_id)) == []
        page.get_by_label("I have read this consent and agree to it").check()
        page.get_by_label("I agree that my typed name above is my signature").check()
        page.get_by_role("button", name="Sign consent").click()
        page.get_by_text("is signed.").wait_for()
        [(_title, method, signer, signature_method)] = seed(_consents(patient_id))
        assert (method, signer, signature_method) == ("portal", "Carla Noscript", "typed")
    finally:
        context.close()
