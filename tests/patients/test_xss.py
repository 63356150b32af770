"""Stored XSS: hostile text in every patient text field comes back escaped on every page that shows it."""

from __future__ import annotations

import pytest

from clinic.extensions import db
from clinic.patients import services
from tests.factories import make_patient, make_user

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "address", "allergies", "medications", "notes")


def assert_escaped(html: str, *, expect: int) -> None:
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html
    shown = html.count("&lt;script&gt;alert(1)&lt;/script&gt;")
    shown += html.count("&lt;img src=x onerror=alert(1)&gt;")
    assert shown >= expect, html  # the payload really is on the page, escaped


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_payloads_in_every_text_field_are_escaped(login_as, payload):
    patient = make_patient(**{name: (payload + name)[:80] for name in TEXT_FIELDS})
    services.archive_patient(patient, payload + "reason")
    account = make_user("patient", patient=patient, email="xss.patient@example.test")
    staff, _ = login_as("dermatologist")
    own, _ = login_as(user=account)
    db.session.commit()
    assert_escaped(staff.get(f"/patients/{patient.id}").text, expect=len(TEXT_FIELDS) + 1)
    assert_escaped(staff.get("/patients?archived=1").text, expect=2)
    assert_escaped(staff.get("/patients", query_string={"q": payload, "archived": "1"}).text, expect=1)
    assert_escaped(staff.get(f"/patients/{patient.id}/edit").text, expect=len(TEXT_FIELDS))
    assert_escaped(staff.get(f"/patients/{patient.id}/archive").text, expect=2)
    portal = own.get("/portal").text
    assert_escaped(portal, expect=len(TEXT_FIELDS) - 1)  # everything but the staff-only notes
    assert_escaped(own.get("/portal/access-log").text, expect=0)
