"""The patient portal: own profile only, who viewed my record, and no trace of any other patient anywhere."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import make_patient, make_user


@pytest.fixture
def two_patients(login_as):
    alice = make_patient(first_name="Alice", last_name="Aardvark", allergies="Peanuts", notes="staff-only-note")
    bob = make_patient(
        first_name="Bobby",
        last_name="Zebrafish",
        email="bobby@example.test",
        phone="555-999-1234",
        allergies="Shellfish",
    )
    make_user("patient", patient=bob)
    client, _user = login_as("patient", patient=alice)
    return client, alice, bob


def test_home_shows_own_profile_read_only(two_patients):
    client, alice, _ = two_patients
    response = client.get("/portal")
    assert response.status_code == 200
    for text in ("Alice Aardvark", alice.record_number, "Peanuts", "Aging"):
        assert text in response.text
    assert "staff-only-note" not in response.text
    assert "<form" not in response.text.split('id="main"')[1]  # nothing to submit: read-only


def test_access_log_lists_staff_accesses_only(two_patients, login_as):
    client, alice, bob = two_patients
    client.get("/portal")  # the patient's own view is not listed
    staff, staff_user = login_as("dermatologist", full_name="Dr. Lens")
    assert staff.get(f"/patients/{alice.id}").status_code == 200
    assert staff.get(f"/patients/{bob.id}").status_code == 200
    page = client.get("/portal/access-log").text
    assert "Dr. Lens" in page and "Opened your record" in page
    assert page.count("Opened your record") == 1  # Bob's chart view is Bob's business
    assert "Zebrafish" not in page


def test_patient_gets_404_for_another_patients_record_and_403_on_staff_pages(two_patients):
    client, alice, bob = two_patients
    assert client.get(f"/patients/{bob.id}").status_code == 403
    assert client.get("/patients").status_code == 403


def _readable(response) -> str:
    """What a response says: its text, or for a ZIP download (the whole record) the text of every member."""
    if response.mimetype != "application/zip":
        return response.text
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return "".join(archive.read(name).decode(errors="replace") for name in archive.namelist())


def _urls_for(app: Flask, number: int, text: str) -> list[str]:
    """Every GET route of the app, `<int:...>` arguments filled with `number`, the others with `text`."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = re.sub(r"<int:[^>]+>", str(number), rule.rule)
        urls.append(re.sub(r"<[^>]+>", text, path))
    return urls


def test_idor_patient_b_never_appears_for_patient_a(app, two_patients):
    """Patient A requests every page, with patient B's id and record number wherever one fits."""
    client, alice, bob = two_patients
    urls = _urls_for(app, bob.id, bob.record_number)
    urls += [f"/patients?q={bob.last_name}", f"/portal?patient_id={bob.id}", f"/portal/access-log?patient={bob.id}"]
    assert "/portal" in urls and "/portal/access-log" in urls
    for url in urls:
        response = client.get(url, follow_redirects=True)
        readable = _readable(response)
        for secret in (bob.last_name, bob.record_number, bob.email, "Shellfish", "999-1234"):
            assert secret not in readable, (url, secret)
    # and A's own pages still work, so the loop above was not just a list of errors
    assert "Aardvark" in client.get("/portal").text


def test_staff_login_cannot_use_portal_pages(login_as):
    client, _ = login_as("aesthetician")
    assert client.get("/portal").status_code == 403
    assert client.get("/portal/access-log").status_code == 403


def test_portal_nav_has_both_pages(two_patients):
    client, *_ = two_patients
    html = client.get("/portal").text
    assert 'href="/portal"' in html and 'href="/portal/access-log"' in html


def test_scoped_lookup_gives_a_patient_404_for_anyone_else(app):
    """The one door every patient-id route goes through: for a patient, any other record does not exist."""
    from flask_login import login_user
    from werkzeug.exceptions import NotFound

    from clinic.audit.models import AuditEvent
    from clinic.extensions import db
    from clinic.patients.access import get_patient

    alice, bob = make_patient(), make_patient()
    account = make_user("patient", patient=alice)
    db.session.commit()
    with app.test_request_context(f"/portal/{bob.id}"):
        login_user(account)
        assert get_patient(alice.id).id == alice.id
        with pytest.raises(NotFound):
            get_patient(bob.id)
        with pytest.raises(NotFound):
            get_patient(bob.id + 1000)
    denials = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert len(denials) == 2 and all(d.user_id == account.id for d in denials)
