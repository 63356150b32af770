"""The patient signs a consent on a phone: the consents page lists what to sign, an empty signature is
refused, a signature drawn on the canvas is accepted and kept with method "portal"."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

EMAIL = "consent.journey@example.test"


def _set_up_patient():
    from clinic.db import now_utc
    from tests.factories import default_clinic, make_clinic
    from tests.treatments.factories import catalog, make_appointment

    default_clinic()  # exists first, so the other journeys keep using it
    clinic = catalog(make_clinic("Consent Journey Clinic"))  # its own clinic: the schedule journey's stays as seeded
    patient = make_patient(clinic, first_name="Carla", last_name="Consentini")
    make_appointment(patient, make_user("dermatologist", clinic=clinic), starts_at=now_utc() + timedelta(days=3))
    make_user("patient", patient=patient, email=EMAIL)
    return patient.id


def _consents(patient_id: int):
    def run():
        from clinic.consents.models import Consent
        from clinic.extensions import db

        return [
            (c.title, c.method, c.signer_name)
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
    [(title, method, signer)] = seed(_consents(patient_id))
    assert "Microneedling" in title and method == "portal" and signer == "Carla Consentini"
