"""A patient who reads Spanish, on a 390 px phone: she logs in (the login page follows the browser, English
here), then Today and Appointments are in Spanish with Spanish dates; no page scrolls sideways at 390, 768 or
1280 px (screenshots in CLINIC_E2E_SHOTS)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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
