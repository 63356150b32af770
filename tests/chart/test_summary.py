"""The chart summary (clinic/chart): alerts from the features' own rules, next appointment and series,
last session, adherence, score trends and photos; the page for each role; a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from clinic.chart.services import SeriesProgress, chart_summary
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.routines.problems import ProblemReply, ProblemReport
from clinic.scheduling.series import start_series
from clinic.treatments.models import OutcomeScore
from tests.factories import make_clinic, make_patient, make_user
from tests.scheduling.factories import make_type, protocol_for
from tests.treatments.factories import catalog, make_appointment, recorded_session, signed_session


def _score(patient, user, scale: str, label: str, value: str, day: date) -> OutcomeScore:
    score = OutcomeScore(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        scale=scale,
        checkpoint="3m",
        recorded_on=day,
        value=Decimal(value),
        label=label,
        recorded_by_id=user.id,
    )
    db.session.add(score)
    return score


def _report(patient, author, *, answered: bool) -> ProblemReport:
    report = ProblemReport(clinic_id=patient.clinic_id, patient_id=patient.id, message="My cheek is still red")
    db.session.add(report)
    db.session.flush()
    if answered:
        db.session.add(ProblemReply(report_id=report.id, author_id=author.id, message="Use the balm."))
    return report


@pytest.fixture
def busy(app):
    """A patient with a hard stop, a warning, an allergy, a signed and a draft session, an appointment whose
    procedure has no consent, an active series, two glogau scores and an unanswered problem report."""
    catalog()
    derm = make_user("dermatologist")
    patient = make_patient(
        history={"pregnant": True, "isotretinoin": "current"}, allergies="Lidocaine", first_name="Ana"
    )
    signed_session(patient, derm)
    recorded_session(patient, derm)
    make_appointment(patient, derm, starts_at=now_utc() + timedelta(days=3))
    clinic = db.session.get(Clinic, patient.clinic_id)
    kind = make_type(clinic)
    series = start_series(clinic, patient, protocol_for(kind.procedure), kind)
    series.sessions_done, series.next_due_on, series.window_closes_on = 2, date(2026, 12, 11), date(2026, 12, 25)
    _score(patient, derm, "glogau", "III", "3", date(2026, 6, 1))
    _score(patient, derm, "glogau", "II", "2", date(2026, 9, 1))
    _score(patient, derm, "density", "120", "120", date(2026, 9, 1))
    _report(patient, derm, answered=False)
    _report(patient, derm, answered=True)
    db.session.commit()
    return patient, derm


def test_alerts_come_from_the_rules_and_the_features(busy):
    patient, _ = busy
    summary = chart_summary(patient, date.today())
    titles = [a.title for a in summary.alerts]
    assert titles[0] == "Pregnant" and summary.alerts[0].level == "danger"  # the rule's own reason
    assert "Currently taking isotretinoin" in titles
    assert "Allergies" in titles
    assert "Consent missing" in titles
    assert "Unsigned session" in titles
    assert titles.count("Problem reported") == 1  # the answered thread is not an alert
    assert summary.hard_stops >= 2
    assert summary.unsigned_sessions == 1


def test_blocks_carry_what_the_chart_shows(busy):
    patient, derm = busy
    summary = chart_summary(patient, date.today())
    assert summary.next_appointment is not None
    [progress] = summary.series
    assert (progress.done, progress.due_label) == (2, "11–25 Dec")
    assert summary.last_session.status == "draft"  # the newest, whatever its state
    trends = {t.latest.scale: t for t in summary.scores}
    assert trends["glogau"].latest.label == "II" and trends["glogau"].direction == "better"
    assert trends["density"].direction == "first"
    assert summary.photos == []


def test_due_label_spans_months():
    progress = SeriesProgress(None, "Face", 1, 4, date(2026, 11, 28), date(2026, 12, 12))
    assert progress.due_label == "28 Nov – 12 Dec"
    assert SeriesProgress(None, "Face", 1, 4, date(2026, 12, 3), None).due_label == "3 Dec"
    assert SeriesProgress(None, "Face", 1, 4, None, None).due_label == ""


def test_a_patient_without_anything_gets_a_calm_summary(app):
    patient = make_patient()
    db.session.commit()
    summary = chart_summary(patient, date.today())
    assert summary.alerts == [] and summary.next_appointment is None and summary.last_session is None
    assert summary.scores == [] and not summary.has_routine


def test_dermatologist_sees_every_block_and_start_a_session(busy, login_as):
    patient, derm = busy
    client, _ = login_as(user=derm)
    html = client.get(f"/patients/{patient.id}").text
    for heading in (
        "Alerts",
        "Next appointment and series",
        "Last session",
        "Home routine, last 30 days",
        "Outcome scores",
        "Newest photos",
    ):
        assert heading in html
    assert "Start a session" in html
    assert "Hard stop</span>" in html and ">Pregnant</a>" in html
    assert "2 of " in html and 'next due <span class="text-nowrap">11–25 Dec</span>' in html
    assert "better than III" in html
    assert "glogau" not in html.lower().replace("glogau photoaging", "")
    assert html.index("summary-heading") < html.index("profile-heading")


def test_aesthetician_books_instead_of_starting_a_session(busy, login_as):
    patient, _ = busy
    client, _ = login_as("aesthetician")
    html = client.get(f"/patients/{patient.id}").text
    assert "Start a session" not in html
    assert "Book an appointment" in html


def test_patient_role_is_refused(busy, login_as):
    patient, _ = busy
    client, _ = login_as("patient")
    assert client.get(f"/patients/{patient.id}").status_code == 403


def test_other_clinics_patient_is_not_found(busy, login_as):
    patient, _ = busy
    client, _ = login_as("dermatologist", clinic=make_clinic("Elsewhere"))
    assert client.get(f"/patients/{patient.id}").status_code == 404
