"""History, streaks, aftercare page, report a problem, my data, staff adherence views."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.routines.aftercare import apply_aftercare
from clinic.routines.clinic_stats import lowest_adherence
from clinic.routines.models import AdherenceLog
from clinic.routines.problems import ProblemReport
from clinic.routines.stats import DayAdherence, adherence_pct, current_streak
from tests.factories import make_clinic, make_patient, make_user
from tests.routines.factories import AGING_STEPS, make_routine, procedure

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # 18:00 in New York


def _days(*statuses: str) -> list[DayAdherence]:
    """Oldest first, ending TODAY: k=kept, m=missed, p=paused (nothing expected), o=today open."""
    out = []
    for n, s in enumerate(reversed(statuses)):
        day = TODAY - timedelta(days=n)
        out.append(DayAdherence(day, *{"k": (2, 2), "m": (2, 1), "p": (0, 0), "o": (2, 0)}[s]))
    return list(reversed(out))


@pytest.mark.parametrize(
    ("statuses", "streak"),
    [
        ("kkk", 3),
        ("mkk", 2),
        ("kkm", 2),
        ("kmk", 1),
        ("kko", 2),
        ("kpk", 2),
        ("kppko", 2),
        ("pppp", 0),
        ("mpkpk", 2),
    ],
)
def test_streak_arithmetic_paused_days_do_not_break_it(statuses, streak):
    assert current_streak(_days(*statuses), TODAY) == streak


def test_adherence_percentage():
    assert adherence_pct(_days("k", "m", "p")) == 75
    assert adherence_pct(_days("p", "p")) is None
    assert adherence_pct([DayAdherence(TODAY, 2, 5)]) == 100


def _log_days(patient, routine, days: list[int], status="done"):
    for back in days:
        for step in routine.steps:
            if not step.aftercare_id:
                db.session.add(
                    AdherenceLog(
                        step_id=step.id,
                        patient_id=patient.id,
                        slot=step.slot,
                        status=status,
                        local_date=TODAY - timedelta(days=back),
                        at=NOW,
                    )
                )
    db.session.commit()


def test_history_page_shows_percentages_streak_and_calendar(login_as):
    patient = make_patient(timezone="America/New_York")
    routine = make_routine(patient, [dict(product="Daily Serum", slot="pm")], starts_on=date(2026, 10, 1))
    _log_days(patient, routine, [0, 1, 2, 4, 5, 6, 10])
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("patient", patient=patient)
        page = client.get("/portal/history")
        october = client.get("/portal/history?month=2026-10")
    assert page.status_code == 200
    assert 'id="pct7">86%' in page.text  # 6 of the last 7 days
    assert 'id="pct30">23%' in page.text  # 7 of 30
    assert 'id="streak">3 days' in page.text
    assert "November 2026" in page.text and "day-kept" in page.text and "day-missed" in page.text
    assert "October 2026" in october.text


def test_aftercare_page_lists_the_latest_procedure_rules(login_as):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    apply_aftercare(patient, procedure(patient.clinic_id), datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("patient", patient=patient)
        page = client.get("/portal/aftercare")
    assert "Microneedling + topical exosome" in page.text
    assert "No makeup" in page.text and "(over)" not in page.text.split("No makeup")[0]
    assert "No retinoids" in page.text


def test_report_a_problem_reaches_the_treating_dermatologist(login_as):
    patient = make_patient()
    make_user("dermatologist")  # the clinic's first dermatologist, not the treating one
    treating = make_user("dermatologist")
    make_routine(patient, AGING_STEPS)
    apply_aftercare(patient, procedure(patient.clinic_id), NOW - timedelta(days=2), user=treating)
    db.session.commit()
    client, _ = login_as("patient", patient=patient)
    assert client.post("/portal/report-problem", data={"message": ""}).status_code == 422
    response = client.post("/portal/report-problem", data={"message": "Redness that does not go away"})
    assert response.status_code == 302
    report = db.session.scalar(sa.select(ProblemReport))
    assert report.dermatologist_id == treating.id and report.patient_id == patient.id
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "problem.report")).patient_id == patient.id
    )
    derm_client, _ = login_as("dermatologist", user=treating)
    assert "Redness that does not go away" in derm_client.get("/routines/inbox").text
    other_derm, _ = login_as("dermatologist")
    assert "Redness" not in other_derm.get("/routines/inbox").text
    aesthetician, _ = login_as("aesthetician")
    assert aesthetician.get("/routines/inbox").status_code == 403


def test_download_my_data_is_my_own_and_audited(login_as):
    patient = make_patient(first_name="Ines")
    routine = make_routine(patient, AGING_STEPS)
    other = make_patient(first_name="Otto")
    other_routine = make_routine(other, AGING_STEPS)
    _log_days(patient, routine, [1])
    _log_days(other, other_routine, [1, 2])
    client, _ = login_as("patient", patient=patient)
    response = client.get("/portal/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.text)
    assert data["patient"]["first_name"] == "Ines"
    assert [r["id"] for r in data["routines"]] == [routine.id]
    assert len(data["adherence"]) == len(AGING_STEPS)
    assert "Otto" not in response.text
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "patient.export")).patient_id == patient.id
    )


def test_staff_see_chart_and_lowest_adherence_in_their_clinic(login_as):
    keen, lax = make_patient(last_name="Keen"), make_patient(last_name="Lax")
    keen_routine = make_routine(keen, [dict(product="Daily Serum", slot="pm")], starts_on=TODAY - timedelta(days=9))
    make_routine(lax, [dict(product="Daily Serum", slot="pm")], starts_on=TODAY - timedelta(days=9))
    elsewhere = make_patient(make_clinic("Elsewhere"), last_name="Far")
    make_routine(elsewhere, [dict(product="Daily Serum", slot="pm")], starts_on=TODAY - timedelta(days=9))
    _log_days(keen, keen_routine, list(range(10)))
    rows = lowest_adherence(keen.clinic_id, TODAY)
    assert [(r.name.split(",")[0], r.done, round(r.expected), r.pct) for r in rows] == [
        ("Lax", 0, 10, 0),
        ("Keen", 10, 10, 100),
    ]
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("aesthetician")
        page = client.get("/routines/adherence")
        chart = client.get(f"/patients/{keen.id}/routine")
    assert page.text.index("Lax") < page.text.index("Keen") and "Far" not in page.text
    assert "<svg" in chart.text and "Adherence, last 30 days: 100%" in chart.text


@pytest.mark.parametrize("url", ["/routines/adherence", "/routines/inbox"])
@pytest.mark.parametrize("role", ["patient", "admin"])
def test_staff_lists_refuse_patients_and_admins(login_as, url, role):
    client, _ = login_as(role)
    assert client.get(url).status_code == 403


def test_today_is_open_not_missed_until_the_day_ends(login_as):
    patient = make_patient(timezone="America/New_York")
    routine = make_routine(patient, [dict(product="Daily Serum", slot="pm")], starts_on=date(2026, 10, 1))
    _log_days(patient, routine, [1])
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("patient", patient=patient)
        page = client.get("/portal/history").text
    today_cell = page[page.index(f">{TODAY.day}<span") - 40 : page.index(f">{TODAY.day}<span")]
    assert "day-open" in today_cell and "day-missed" not in today_cell
    yesterday = page[page.index(f">{TODAY.day - 1}<span") - 40 : page.index(f">{TODAY.day - 1}<span")]
    assert "day-kept" in yesterday
