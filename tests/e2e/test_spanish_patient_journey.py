"""A patient who reads Spanish, on a 390 px phone: she logs in (the login page follows the browser, English
here), then Today and Appointments are in Spanish with Spanish dates; no page scrolls sideways at 390, 768 or
1280 px (screenshots in CLINIC_E2E_SHOTS)."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
from babel.dates import format_date

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user
from tests.routines.factories import AGING_STEPS, make_routine

SHOTS = Path(os.environ.get("CLINIC_E2E_SHOTS", "/tmp/clinic-e2e-shots"))  # noqa: S108 - a test artefact folder
ENGLISH = ("Today", "Appointments", "Settings", "Log out", "Morning routine", "Upcoming")
ZONE = "America/Los_Angeles"


def _seed_spanish_patient(seed) -> str:
    def fn():
        patient = make_patient(first_name="Lucía", last_name="Navarro", timezone=ZONE, language="es")
        make_routine(patient, AGING_STEPS)
        return make_user("patient", patient=patient).email

    return seed(fn)


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert _no_sideways_scroll(page), (name, width)
        page.screenshot(path=str(SHOTS / f"spanish-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def _english_left(page) -> list[str]:
    text = page.locator("body").inner_text()
    return [word for word in ENGLISH if word in text]


def _open_menu(page) -> None:
    """Open the collapsed menu and wait until Bootstrap's slide-down has finished:
    a click during the animation can land on the menu's edge instead of the button."""
    page.get_by_role("button", name="Mostrar u ocultar la navegación").click()
    page.locator("#main-nav.show").wait_for()


def test_spanish_patient_sees_today_and_appointments_in_spanish(phone_page, seed):
    email = _seed_spanish_patient(seed)
    log_in(phone_page, email, PASSWORD)
    phone_page.goto("/portal/today")
    today = datetime.now(ZoneInfo(ZONE)).date()
    heading = f"Hoy, {format_date(today, 'EEE d MMM', locale='es')}"
    phone_page.get_by_role("heading", name=heading).wait_for()
    assert phone_page.locator("html").get_attribute("lang") == "es"
    phone_page.get_by_role("heading", name="Rutina de la mañana").wait_for()
    assert _english_left(phone_page) == []
    assert _no_sideways_scroll(phone_page)
    assert axe_violations(phone_page) == []
    _shoot(phone_page, "today")

    # The menu (collapsed at 390 px) is in Spanish too; "Mis citas" opens the appointments page.
    _open_menu(phone_page)
    phone_page.get_by_role("link", name="Mis citas").click()
    phone_page.get_by_role("heading", name="Mis citas").wait_for()
    phone_page.get_by_role("heading", name="Próximas").wait_for()
    assert phone_page.get_by_text("No tiene citas próximas.").is_visible()
    assert _english_left(phone_page) == []
    assert _no_sideways_scroll(phone_page)
    assert axe_violations(phone_page) == []
    _shoot(phone_page, "appointments")

    # History: the month's name in Spanish.
    phone_page.goto("/portal/history")
    month = format_date(today, "MMMM y", locale="es")
    phone_page.get_by_role("heading", name=month).wait_for()
    _shoot(phone_page, "history")

    _open_menu(phone_page)
    with phone_page.expect_navigation(url="**/login**"):
        phone_page.get_by_role("button", name="Cerrar sesión").click()


def _seed_treated_spanish_patient(seed) -> tuple[str, int]:
    """Lucía after a signed microneedling, with the Spanish consent she signed in the portal."""

    def fn():
        from clinic.consents.services import digest, render_text, sign_consent
        from tests.consents.factories import consent_form
        from tests.factories import default_clinic, make_clinic
        from tests.treatments.factories import catalog, exosome_product, make_lot, procedure, signed_session

        default_clinic()  # exists first, so the other journeys keep using it
        clinic = catalog(make_clinic("Clínica del Viaje"))
        clinic.phone = "+1 212 555 0142"
        patient = make_patient(clinic, first_name="Lucía", last_name="Herrera", timezone=ZONE, language="es")
        make_routine(patient, AGING_STEPS)
        form = consent_form(procedure(clinic=clinic), clinic=clinic, language="es")
        sign_consent(
            patient,
            form,
            signer_name="Lucía Herrera",
            signature_method="typed",
            typed_agreed=True,
            witness=None,
            ip="127.0.0.1",
            method="portal",
            text_digest=digest(render_text(form)),
        )
        derm = make_user("dermatologist", clinic=clinic, email="viaje.derm@example.test")
        session = signed_session(patient, derm, make_lot(exosome_product(clinic)))
        return make_user("patient", patient=patient, email="lucia.viaje@example.test").email, session.id

    return seed(fn)


def _pdf_text(download, tmp_path) -> str:
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    reader = pypdf.PdfReader(io.BytesIO(target.read_bytes()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_spanish_patient_downloads_her_aftercare_sheet_and_sees_her_consents(phone_page, seed, tmp_path):
    email, session_id = _seed_treated_spanish_patient(seed)
    log_in(phone_page, email, PASSWORD)
    phone_page.goto("/portal/aftercare")
    link = phone_page.get_by_role("link", name="Descargar la hoja de cuidados posteriores (PDF)")
    link.scroll_into_view_if_needed()
    assert _no_sideways_scroll(phone_page)
    with phone_page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == f"aftercare-{session_id}.pdf"
    text = _pdf_text(info.value, tmp_path)
    assert "Hoja de cuidados posteriores" in text and "Día a día" in text and "Lucía Herrera" in text
    assert "Aftercare sheet" not in text and "+1 212 555 0142" in text

    phone_page.goto("/portal/consents")
    phone_page.get_by_role("heading", name="Mis consentimientos").wait_for()
    phone_page.get_by_role("heading", name="Firmados").wait_for()
    assert _english_left(phone_page) == []
    assert axe_violations(phone_page) == []
    _shoot(phone_page, "consents")
    phone_page.get_by_role("link", name="Consentimiento: Microneedling + topical exosome", exact=True).click()
    phone_page.get_by_role("heading", name="Consentimiento: Microneedling + topical exosome").wait_for()
    assert phone_page.get_by_text("Acepto recibir").first.is_visible()
    assert axe_violations(phone_page) == []
    _shoot(phone_page, "consent")
    with phone_page.expect_download() as info:
        phone_page.get_by_role("link", name="Descargar PDF").click()
    text = _pdf_text(info.value, tmp_path)
    assert "Consentimiento firmado" in text and "Firmado en el portal" in text and "Signed by" not in text
