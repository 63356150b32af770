"""Patient pages over HTTP: list and search, create/edit with validation and stale copies, history, archive,
roles, audit events, query counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.patients.models import MedicalHistory, Patient
from tests.auth.helpers import shown_patients
from tests.factories import make_clinic, make_patient

VALID = {
    "first_name": "Nadia",
    "last_name": "Okoro",
    "date_of_birth": "1988-03-04",
    "sex": "female",
    "email": "Nadia.Okoro@Example.com",
    "phone": "(555) 123-4567",
    "address": "1 Elm Street",
    "timezone": "Europe/London",
    "fitzpatrick": "4",
    "concerns": ["pigmentation", "texture"],
    "allergies": "Latex",
    "medications": "None",
    "notes": "Prefers mornings",
}


def events(action: str, patient_id: int | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == patient_id)
    return list(db.session.scalars(query))


def field_error(html: str, field_id: str) -> str:
    """The error text rendered beside a field (the macro gives it id <field>-error)."""
    match = re.search(rf'id="{field_id}-error"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


@pytest.fixture
def staff(login_as):
    client, _user = login_as("aesthetician")
    return client


def test_list_searches_sorts_and_audits_each_listed_patient(staff):
    smith = make_patient(first_name="Ana", last_name="Smith")
    make_patient(first_name="Bob", last_name="Jones")
    db.session.commit()
    response = staff.get("/patients?q=smith&sort=nonsense&dir=up")
    assert response.status_code == 200
    assert "Smith, Ana" in response.text and "Jones, Bob" not in response.text
    assert 'value="smith"' in response.text
    [event] = events("patient.list")
    assert shown_patients(event) == [smith.id] and "smith" in event.detail


def test_list_paginates(staff, app):
    app.config["PATIENTS_PER_PAGE"] = 5
    for n in range(12):
        make_patient(first_name="Pat", last_name=f"Page{n:02d}")
    db.session.commit()
    first = staff.get("/patients").text
    third = staff.get("/patients?page=3").text
    assert "Page00" in first and "Page05" not in first
    assert "Page10" in third and "Page11" in third and "Page00" not in third
    assert 'aria-label="Patient list pages"' in first


def test_archived_patients_only_with_toggle(staff):
    patient = make_patient(last_name="Gone")
    db.session.commit()
    assert staff.post(f"/patients/{patient.id}/archive", data={"reason": "moved away"}).status_code == 302
    assert "Gone, Pat" not in staff.get("/patients").text
    assert "Gone, Pat" in staff.get("/patients?archived=1").text
    chart = staff.get(f"/patients/{patient.id}").text
    assert "Archived" in chart and "moved away" in chart
    assert staff.post(f"/patients/{patient.id}/unarchive", data={}).status_code == 302
    assert "Gone, Pat" in staff.get("/patients").text
    assert [e.detail for e in events("patient.archive", patient.id)] == ["moved away"]
    assert len(events("patient.unarchive", patient.id)) == 1


def test_archive_needs_a_reason(staff):
    patient = make_patient()
    db.session.commit()
    response = staff.post(f"/patients/{patient.id}/archive", data={"reason": ""})
    assert response.status_code == 422
    assert field_error(response.text, "reason")
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).archived_at is None


def test_list_query_count_does_not_grow_with_patients(staff, count_queries):
    def list_queries() -> int:
        staff.get("/patients")  # warm-up: connection, caches
        with count_queries() as statements:
            assert staff.get("/patients").status_code == 200
        return len(statements)

    for _ in range(5):
        make_patient(concerns=["aging", "rosacea"])
    db.session.commit()
    with_five = list_queries()
    for _ in range(35):
        make_patient(concerns=["aging", "texture", "dryness"])
    db.session.commit()
    assert list_queries() == with_five


def test_create_patient(staff):
    response = staff.post("/patients/new", data=VALID)
    assert response.status_code == 302
    patient = db.session.scalar(sa.select(Patient).where(Patient.last_name == "Okoro"))
    assert response.headers["Location"].endswith(f"/patients/{patient.id}")
    assert (patient.email, patient.phone_digits, patient.fitzpatrick, patient.timezone) == (
        "nadia.okoro@example.com",
        "5551234567",
        4,
        "Europe/London",
    )
    assert patient.concerns == ["pigmentation", "texture"]
    assert len(events("patient.create", patient.id)) == 1
    chart = staff.get(response.headers["Location"])
    assert chart.status_code == 200
    for text in ("Nadia Okoro", patient.record_number, "British Time (London)", "IV", "Pigmentation", "Latex"):
        assert text in chart.text
    assert len(events("patient.view", patient.id)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "", "This field is required."),
        ("date_of_birth", (date.today() + timedelta(days=2)).isoformat(), "in the future"),
        ("date_of_birth", "1899-12-31", "from 1900"),
        ("date_of_birth", "not a date", "valid date"),
        ("timezone", "Mars/Olympus_Mons", "time zone"),
        ("fitzpatrick", "7", "I to VI"),
        ("email", "not-an-email", "Invalid email"),
        ("phone", "call me", "digits"),
        ("sex", "robot", "Not a valid choice"),
    ],
)
def test_create_shows_error_beside_field_and_keeps_input(staff, field, value, message):
    response = staff.post("/patients/new", data={**VALID, field: value})
    assert response.status_code == 422
    assert message.lower() in field_error(response.text, field).lower()
    assert 'aria-invalid="true"' in response.text
    if field != "first_name":
        assert 'value="Nadia"' in response.text
    assert re.search(r">\s*Latex</textarea>", response.text)
    assert re.search(r'value="pigmentation"[^>]*checked|checked[^>]*value="pigmentation"', response.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 0


def test_forms_carry_a_csrf_token_and_refuse_without_it(staff):
    patient = make_patient()
    db.session.commit()
    for url in (
        "/patients/new",
        f"/patients/{patient.id}/edit",
        f"/patients/{patient.id}/history",
        f"/patients/{patient.id}/archive",
        f"/patients/{patient.id}",
    ):
        assert 'name="csrf_token"' in staff.get(url).text, url
    assert staff.post("/patients/new", data=VALID, csrf=False).status_code == 400
    assert staff.post(f"/patients/{patient.id}/unarchive", data={}, csrf=False).status_code == 400


def version_in(html: str) -> str:
    """The hidden `version` field's value on a rendered form."""
    tag = re.search(r'<input[^>]*name="version"[^>]*>', html)
    assert tag, html
    return re.search(r'value="(\d+)"', tag.group(0)).group(1)


def _edit_form(client, patient_id: int) -> dict:
    return {**VALID, "version": version_in(client.get(f"/patients/{patient_id}/edit").text)}


def test_edit_saves_with_current_version(staff):
    patient = make_patient(first_name="Old")
    db.session.commit()
    form = _edit_form(staff, patient.id)
    assert staff.post(f"/patients/{patient.id}/edit", data={**form, "first_name": "New"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).first_name == "New"
    assert len(events("patient.update", patient.id)) == 1


def test_stale_edit_is_refused_and_input_kept(staff, login_as):
    patient = make_patient(first_name="Original")
    db.session.commit()
    mine = _edit_form(staff, patient.id)
    other, _ = login_as("dermatologist")
    theirs = _edit_form(other, patient.id)
    response = other.post(f"/patients/{patient.id}/edit", data={**theirs, "first_name": "Theirs"})
    assert response.status_code == 302

    response = staff.post(f"/patients/{patient.id}/edit", data={**mine, "first_name": "Mine"})
    assert response.status_code == 409
    assert "Someone else saved this record" in response.text
    assert 'value="Mine"' in response.text
    assert "First name" in response.text.split("differs from your input in:")[1].split(".")[0]
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).first_name == "Theirs"
    # The refused page now carries the current version: saving again, knowingly, goes through.
    again = {**mine, "first_name": "Mine", "version": version_in(response.text)}
    assert staff.post(f"/patients/{patient.id}/edit", data=again).status_code == 302


def test_concurrent_save_between_load_and_write_is_refused(staff, monkeypatch):
    """The version matched when checked, but another request committed before our UPDATE ran:
    SQLAlchemy's versioned UPDATE matches no row (StaleDataError) and the view refuses like a stale copy."""
    from clinic.patients import services

    patient = make_patient(first_name="Racy")
    db.session.commit()
    original = services.update_patient

    def update_after_someone_else(target, details, *, loaded_version):
        with db.engine.begin() as other:
            other.execute(
                sa.text("UPDATE patient SET first_name = 'Winner', version = version + 1 WHERE id = :id"),
                {"id": target.id},
            )
        original(target, details, loaded_version=loaded_version)

    monkeypatch.setattr(services, "update_patient", update_after_someone_else)
    form = _edit_form(staff, patient.id)
    response = staff.post(f"/patients/{patient.id}/edit", data={**form, "first_name": "Loser"})
    assert response.status_code == 409
    assert "Someone else saved this record" in response.text and 'value="Loser"' in response.text
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).first_name == "Winner"


def test_edit_without_version_is_a_bad_request(staff):
    patient = make_patient()
    db.session.commit()
    assert staff.post(f"/patients/{patient.id}/edit", data={**VALID, "version": "x"}).status_code == 400


HISTORY = {
    "isotretinoin": "stopped",
    "isotretinoin_stopped_on": "2025-06-01",
    "diabetes": "uncontrolled",
    "hsv_history": "y",
    "anticoagulants": "y",
    "filler_on": "2025-01-15",
    "confirmed": "y",
}


def test_history_form_saves_confirms_and_chart_highlights(staff):
    patient = make_patient()
    db.session.commit()
    page = staff.get(f"/patients/{patient.id}/history").text
    for legend in ("Pregnancy", "Medicines", "Skin and healing", "General health", "Recent treatments"):
        assert f">{legend}</legend>" in page
    data = {**HISTORY, "version": version_in(page)}
    assert staff.post(f"/patients/{patient.id}/history", data=data).status_code == 302
    db.session.expire_all()
    history = db.session.get(MedicalHistory, patient.id)
    assert (history.isotretinoin, history.diabetes, history.hsv_history) == ("stopped", "uncontrolled", True)
    assert history.confirmed_at is not None and history.confirmed_by_id is not None
    chart = staff.get(f"/patients/{patient.id}").text
    # isotretinoin, diabetes, HSV without prophylaxis, blood thinners
    assert chart.count(' history-flag"') == 4
    assert "4 answers need attention" in chart
    assert "Confirmed with the patient" in chart
    assert len(events("patient.history_update", patient.id)) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"isotretinoin": "stopped", "isotretinoin_stopped_on": ""}, "isotretinoin_stopped_on", "when isotretinoin"),
        ({"filler_on": (date.today() + timedelta(days=3)).isoformat()}, "filler_on", "in the future"),
        ({"diabetes": "sometimes"}, "diabetes", "Not a valid choice"),
    ],
)
def test_history_validation(staff, data, field, message):
    patient = make_patient()
    db.session.commit()
    response = staff.post(
        f"/patients/{patient.id}/history",
        data={"isotretinoin": "never", "diabetes": "none", "version": "1", "pregnant": "y", **data},
    )
    assert response.status_code == 422
    assert message.lower() in field_error(response.text, field).lower()
    assert re.search(r'id="pregnant"[^>]*checked|checked[^>]*id="pregnant"', response.text)


def test_stale_history_is_refused(staff):
    patient = make_patient()
    db.session.commit()
    response = staff.post(
        f"/patients/{patient.id}/history", data={"isotretinoin": "current", "diabetes": "none", "version": "0"}
    )
    assert response.status_code == 409
    assert "Someone else saved" in response.text
    assert re.search(r'value="current"[^>]*checked|checked[^>]*value="current"', response.text)


STAFF_URLS = [
    "/patients",
    "/patients/new",
    "/patients/{id}",
    "/patients/{id}/edit",
    "/patients/{id}/history",
    "/patients/{id}/archive",
]
POST_URLS = [
    "/patients/new",
    "/patients/{id}/edit",
    "/patients/{id}/history",
    "/patients/{id}/archive",
    "/patients/{id}/unarchive",
    "/patients/{id}/invite",
]


@pytest.mark.parametrize("role", ["admin", "patient"])
def test_admin_and_patients_get_403_on_staff_pages(login_as, role):
    client, user = login_as(role)
    patient = make_patient()
    db.session.commit()
    own = user.patient_id or patient.id
    for url in STAFF_URLS:
        assert client.get(url.format(id=own)).status_code == 403, url
    for url in POST_URLS:
        assert client.post(url.format(id=own), data=VALID).status_code == 403, url


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician"])
def test_clinical_staff_reach_patient_pages(login_as, role):
    client, _ = login_as(role)
    patient = make_patient()
    db.session.commit()
    for url in STAFF_URLS:
        assert client.get(url.format(id=patient.id)).status_code == 200, url


def test_anonymous_is_sent_to_login(client):
    response = client.get("/patients")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_other_clinics_patient_is_not_found(staff):
    elsewhere = make_patient(make_clinic("Other clinic"))
    db.session.commit()
    for url in STAFF_URLS[2:]:
        assert staff.get(url.format(id=elsewhere.id)).status_code == 404, url
    assert staff.post(f"/patients/{elsewhere.id}/archive", data={"reason": "x"}).status_code == 404
    assert (
        "Ient" not in staff.get("/patients?q=pat").text or elsewhere.last_name not in staff.get("/patients?q=pat").text
    )
