"""The chart page: built from registered sections, so other features add theirs without editing it."""

from __future__ import annotations

from jinja2 import ChoiceLoader, DictLoader

from clinic.extensions import db
from clinic.patients import chart
from tests.factories import make_patient


def test_registered_section_appears_in_order_with_its_context(app, login_as, monkeypatch):
    monkeypatch.setattr(chart, "_SECTIONS", dict(chart._SECTIONS))
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "test/_sessions.html": '<section id="sessions">Sessions of {{ patient.record_number }}: '
                    "{{ section.count }}</section>"
                }
            ),
            app.jinja_env.loader,
        ]
    )
    chart.register_chart_section(
        chart.ChartSection("test/_sessions.html", order=15, context=lambda patient: {"count": 3})
    )
    client, _ = login_as("dermatologist")
    patient = make_patient()
    db.session.commit()
    html = client.get(f"/patients/{patient.id}").text
    assert f"Sessions of {patient.record_number}: 3" in html
    markers = ('id="profile-heading"', 'id="sessions"', 'id="history-heading"')
    positions = [html.index(marker) for marker in markers]
    assert positions == sorted(positions)


def test_chart_shows_missing_history_and_portal_status(login_as):
    client, _ = login_as("aesthetician")
    patient = make_patient(email=None)
    db.session.delete(patient.history)
    db.session.commit()
    html = client.get(f"/patients/{patient.id}").text
    assert "No medical history recorded yet" in html
    assert "No portal account" in html and "Add an e-mail address to invite" in html
