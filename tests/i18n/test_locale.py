"""Languages: which locale a page is in (the patient's choice > Accept-Language > the clinic default), the portal
in Spanish with Spanish dates and no English left, the English portal unchanged, setting the language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.extensions import db
from tests.factories import make_patient
from tests.patients.test_views import VALID, version_in
from tests.routines.factories import AGING_STEPS, make_routine

NOW = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # Thu 26 Nov in New York
#: English words that must not be left on a portal page shown in Spanish.
ENGLISH = (
    "Today", "Appointments", "Settings", "Log out", "Morning routine", "Upcoming", "History", "Password",
    "Consent", "Sign", "Signed", "Valid", "Download", "Waitlist", "waitlist", "Report a problem", "reply",
    "Back to", "When", "Who", "What", "Your", "reminders by", "Text messages", "Mobile number", "Treatment",
    "Nothing to sign", "Version", "Join", "Times between", "Now:", "With", "Opened your record", "Thank you",
)  # fmt: skip
PORTAL_PAGES = (
    "/portal/today", "/portal/appointments", "/portal/history", "/portal/aftercare", "/portal/reminders",
    "/portal/consents", "/portal/problems", "/portal/report-problem", "/portal/waitlist", "/portal/access-log",
)  # fmt: skip


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _patient(login_as, language=None, timezone="America/New_York"):
    patient = make_patient(timezone=timezone, language=language)
    make_routine(patient, AGING_STEPS)
    db.session.commit()
    client, _ = login_as("patient", patient=patient)
    return client, patient


def _visible(html: str) -> str:
    """The page's text without tags, scripts and attribute values (URLs say /portal/today)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.text).group(1)


def test_saved_preference_beats_accept_language(login_as):
    client, _ = _patient(login_as, language="es")
    page = client.get("/portal/today", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _lang(page) == "es" and "Rutina de la mañana" in page.text


def test_accept_language_when_no_preference(login_as):
    client, _ = _patient(login_as)
    assert _lang(client.get("/portal/today", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})) == "es"
    assert _lang(client.get("/portal/today", headers={"Accept-Language": "de-DE,fr;q=0.8"})) == "en"


def test_clinic_default_when_the_browser_says_nothing_useful(app, login_as):
    client, _ = _patient(login_as)
    app.config["CLINIC_DEFAULT_LANGUAGE"] = "es"
    assert _lang(client.get("/portal/today", headers={"Accept-Language": "de-DE"})) == "es"
    assert _lang(client.get("/portal/today")) == "es"
    app.config["CLINIC_DEFAULT_LANGUAGE"] = "en"
    assert _lang(client.get("/portal/today")) == "en"


def test_login_page_follows_the_browser(client):
    assert _lang(client.get("/login", headers={"Accept-Language": "es"})) == "es"
    assert _lang(client.get("/login", headers={"Accept-Language": "en"})) == "en"


def test_staff_pages_stay_english(login_as):
    client, _ = login_as("dermatologist")
    page = client.get("/patients", headers={"Accept-Language": "es"})
    assert _lang(page) == "en" and "Log out" in page.text


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_portal_pages_in_spanish_have_no_english_left(login_as, frozen, path):
    client, _ = _patient(login_as, language="es")
    page = client.get(path)
    assert page.status_code == 200
    text = _visible(page.text)
    assert "Cerrar sesión" in text and "Hoy" in text
    left = [word for word in ENGLISH if re.search(rf"\b{word}\b", text)]
    assert left == [], f"English left on {path}: {left}"


def _pages_with_data(patient) -> list[str]:
    """Pages that need something of the patient's: a consent to sign and one signed, a problem thread, an
    appointment to move and a series session to book, an access-log row."""
    from clinic.routines.problems import report_problem
    from clinic.scheduling.models import Series
    from tests.consents.factories import consent_form, make_consent
    from tests.factories import make_user
    from tests.treatments.factories import catalog, make_appointment, procedure

    catalog()
    derm = make_user("dermatologist")
    appointment = make_appointment(patient, derm, starts_at=NOW + timedelta(days=5))
    signed = make_consent(patient, procedure(), language="es")
    user = db.session.scalar(sa.select(User).where(User.patient_id == patient.id))
    report = report_problem(patient, "Me pica la piel.", by=user)
    record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id, user=derm)
    db.session.commit()
    pages = [
        f"/portal/consents/forms/{consent_form(kind='photo', language='es').id}/sign",
        f"/portal/consents/{signed.id}",
        f"/portal/problems/{report.id}",
        f"/portal/appointments/{appointment.id}/move",
    ]
    series = db.session.scalar(sa.select(Series).where(Series.patient_id == patient.id))
    if series is not None:
        pages.append(f"/portal/appointments/series/{series.id}/book")
    return pages


def test_portal_pages_with_data_in_spanish_have_no_english_left(login_as, frozen):
    client, patient = _patient(login_as, language="es")
    for path in _pages_with_data(patient):
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        text = _visible(page.text)
        assert "Cerrar sesión" in text
        left = [word for word in ENGLISH if re.search(rf"\b{word}\b", text)]
        assert left == [], f"English left on {path}: {left}"
    log = _visible(client.get("/portal/access-log").text)
    assert "Abrió su historia" in log and "Dermatólogo/a" in log


def test_spanish_dates_in_the_patients_zone(login_as, frozen):
    client, _ = _patient(login_as, language="es")
    assert "Hoy, jue 26 nov" in client.get("/portal/today").text  # Thursday in New York, Friday in UTC
    history = client.get("/portal/history").text
    assert "noviembre 2026" in history and "lun" in history and "November" not in history


def test_english_patient_pages_unchanged(login_as, frozen):
    client, _ = _patient(login_as)
    page = client.get("/portal/today", headers={"Accept-Language": "en-US"})
    assert _lang(page) == "en"
    for text in ("Today, Thu 26 Nov", "Morning routine", "Evening routine", "Log out", "Reminder settings"):
        assert text in page.text
    assert "November 2026" in client.get("/portal/history").text
    assert "My appointments" in client.get("/portal/appointments").text


def test_patient_sets_language_in_the_portal(login_as):
    client, patient = _patient(login_as)
    page = client.get("/portal/reminders")
    assert 'name="language"' in page.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = client.post("/portal/language", data={"csrf_token": token, "language": "es"}, follow_redirects=True)
    assert "Idioma guardado." in response.text and _lang(response) == "es"
    db.session.refresh(patient)
    assert patient.language == "es"
    client.post("/portal/language", data={"csrf_token": token, "language": ""})
    db.session.refresh(patient)
    assert patient.language is None


def test_bad_language_is_refused_and_nothing_changes(login_as):
    client, patient = _patient(login_as, language="es")
    page = client.get("/portal/reminders")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = client.post("/portal/language", data={"csrf_token": token, "language": "xx"}, follow_redirects=True)
    assert "Elija un idioma de la lista." in response.text
    assert client.post("/portal/language", data={"language": "en"}, csrf=False).status_code == 400  # no CSRF token
    db.session.refresh(patient)
    assert patient.language == "es"


def test_staff_cannot_use_the_patients_language_route(login_as):
    client, _ = login_as("dermatologist")
    assert client.post("/portal/language", data={"language": "es"}).status_code in (400, 403)


def test_staff_sets_language_on_the_patient_form(login_as):
    patient = make_patient()
    db.session.commit()
    client, _ = login_as("aesthetician")
    form = client.get(f"/patients/{patient.id}/edit").text
    assert 'name="language"' in form
    data = {**VALID, "version": version_in(form), "language": "es"}
    response = client.post(f"/patients/{patient.id}/edit", data=data)
    assert response.status_code in (302, 303), response.text[:2000]
    db.session.refresh(patient)
    assert patient.language == "es"
    assert re.search(r'<option selected value="es">', client.get(f"/patients/{patient.id}/edit").text)
    response = client.post(
        f"/patients/{patient.id}/edit", data={**data, "language": "", "version": str(patient.version)}
    )
    assert response.status_code == 302
    db.session.refresh(patient)
    assert patient.language is None


def test_login_password_and_error_pages_in_spanish(client):
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}
    login = client.get("/login", headers=spanish).text
    for text in ("Iniciar sesión", "Correo electrónico", "Contraseña", "¿Olvidó su contraseña?"):
        assert text in login
    assert "Forgot your password?" not in login
    forgot = client.get("/password/forgot", headers=spanish)
    assert forgot.status_code == 200 and "Restablezca su contraseña" in forgot.text
    wrong = client.post("/login", data={"email": "nobody@example.test", "password": "x" * 12}, headers=spanish)
    assert "El correo electrónico o la contraseña no son correctos." in wrong.text
    missing = client.get("/no-such-page", headers=spanish)
    assert missing.status_code == 404 and "No encontrado" in missing.text and "Not found" not in missing.text
    assert "Not found" in client.get("/no-such-page", headers={"Accept-Language": "en"}).text
