"""Safety pages through HTTP: recall form, report and CSV, settings, inbox, adverse events, MedWatch (page and
PDF read back with pypdf); wrong roles get 403, another clinic's objects 404; the notice in the patient's
language with the clinic's wording."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf
import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.catalog.models import ProductLot
from clinic.extensions import db
from clinic.reminders.dispatcher import send_due
from clinic.reminders.models import OutboxMessage
from clinic.routines.problems import report_problem
from clinic.safety.events import record_event
from clinic.safety.models import AdverseEvent
from clinic.safety.recalls import recall_lot
from clinic.safety.settings import safety_settings
from tests.factories import make_clinic, make_user


@pytest.fixture
def event(world):
    session = world["sessions"][0]
    found = record_event(
        session.patient,
        session=session,
        description="Papules and spreading redness on both cheeks",
        onset_on=session.started_at.date(),
        seriousness="required_intervention",
        outcome="recovering",
        action_taken="Oral doxycycline; lot set aside",
        lot_ids=[world["lot"].id],
        by=world["derm"],
    )
    db.session.commit()
    return found


def routes(world, event) -> list[tuple[str, str]]:
    lot, session = world["lot"].id, world["sessions"][0].id
    report = report_problem(world["patients"][0], "My cheeks are red and bumpy", make_user("patient"))
    db.session.commit()
    return [
        ("get", f"/safety/lots/{lot}/recall"),
        ("get", f"/safety/lots/{lot}/report"),
        ("get", f"/safety/lots/{lot}/report.csv"),
        ("get", "/safety/settings"),
        ("get", "/safety/inbox"),
        ("get", f"/safety/sessions/{session}/adverse-event"),
        ("get", f"/safety/problems/{report.id}/adverse-event"),
        ("get", "/safety/adverse-events"),
        ("get", f"/safety/adverse-events/{event.id}/medwatch"),
        ("get", f"/safety/adverse-events/{event.id}/medwatch.pdf"),
    ]


ALLOWED = {
    "admin": {"recall", "report", "report.csv", "settings"},
    "dermatologist": {"report", "report.csv", "inbox", "adverse-event", "adverse-events", "medwatch", "medwatch.pdf"},
    "aesthetician": set(),
    "patient": set(),
}


@pytest.mark.parametrize("role", ["admin", "dermatologist", "aesthetician", "patient"])
def test_role_matrix(world, event, login_as, role):
    client, _ = login_as(role)
    for method, url in routes(world, event):
        allowed = url.rsplit("/", 1)[-1] in ALLOWED[role]
        response = getattr(client, method)(url)
        assert response.status_code == (200 if allowed else 403), (role, url, response.status_code)


@pytest.mark.parametrize("role", ["admin", "dermatologist"])
def test_other_clinic_gets_404(world, event, login_as, role):
    client, _ = login_as(user=make_user(role, clinic=make_clinic("Elsewhere")))
    for method, url in routes(world, event):
        if url.rsplit("/", 1)[-1] not in ALLOWED[role] or url.endswith(("/settings", "/inbox", "/adverse-events")):
            continue
        assert getattr(client, method)(url).status_code == 404, url


def test_admin_recalls_through_the_form(world, login_as):
    client, admin = login_as(user=world["admin"])
    lot = world["lot"]
    response = client.post(f"/safety/lots/{lot.id}/recall", data={"status": "recalled", "reason": ""})
    assert response.status_code == 422 and "This field is required" in response.text
    response = client.post(
        f"/safety/lots/{lot.id}/recall",
        data={"status": "recalled", "reason": "FDA warning letter"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "2 patient notice(s) queued" in response.text
    assert "Recall report: lot EXO-RC-1" in response.text and "pending: queued" in response.text
    db.session.expire_all()
    assert db.session.get(ProductLot, lot.id).status == "recalled"
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "product_lot")).all()
    assert "lot.recall" in actions and actions.count("lot.recall_notice") == 2
    csv = client.get(f"/safety/lots/{lot.id}/report.csv").text
    assert csv.count("EXO-RC-1") == 3 and "recalled" in csv and "pending" in csv


def test_notice_uses_the_clinics_wording_or_the_translated_default(world, mailbox):
    first, second = world["patients"]
    second.language = "es"
    safety_settings(world["lot"].clinic_id, for_update=True).recall_notice = None
    recall_lot(world["lot"], "recalled", "Manufacturer recall", world["admin"])
    db.session.commit()
    send_due(datetime.now(UTC))
    by_recipient = {m["To"]: m.get_body(("plain",)).get_content() for m in mailbox}
    assert "taken out of use as a precaution" in by_recipient[first.email]
    assert "retirado" in by_recipient[second.email]
    assert "Manufacturer recall" not in by_recipient[first.email]


def test_clinic_wording_is_sent(world, mailbox, login_as):
    client, _ = login_as(user=world["admin"])
    response = client.post(
        "/safety/settings",
        data={
            "lot_cluster_events": 2,
            "lot_cluster_days": 30,
            "rate_window_days": 90,
            "rate_multiplier": "2",
            "checkin_red_flag_pain": 7,
            "checkin_open_days": 14,
            "recall_notice": "Please ring Dr Vega about your last treatment.",
        },
    )
    assert response.status_code == 302
    recall_lot(world["lot"], "recalled", "Manufacturer recall", world["admin"])
    db.session.commit()
    send_due(datetime.now(UTC))
    notices = [m for m in mailbox if "Dr Vega" in m.get_body(("plain",)).get_content()]
    assert len(notices) == 2
    sent = sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "lot_recall_notice")
    assert db.session.scalar(sent) == 2


def test_dermatologist_inbox_shows_the_recall(world, login_as):
    recall_lot(world["lot"], "quarantined", "Cold chain", world["admin"])
    db.session.commit()
    client, _ = login_as(user=world["derm"])
    page = client.get("/safety/inbox").text
    assert "Lot EXO-RC-1 of DP Derm Exo-Skin Exosome Therapy quarantined: 2 of your patients received it." in page
    assert "New" in page
    assert "New</span>" not in client.get("/safety/inbox").text  # read once seen


def test_record_and_classify_adverse_events(world, login_as):
    client, derm = login_as(user=world["derm"])
    session = world["sessions"][0]
    response = client.post(
        f"/safety/sessions/{session.id}/adverse-event",
        data={
            "session_id": session.id,
            "description": "Hives on the neck",
            "onset_on": session.started_at.date().isoformat(),
            "seriousness": "non_serious",
            "outcome": "recovered",
            "lot_ids": [world["lot"].id],
        },
    )
    assert response.status_code == 302, response.text
    report = report_problem(world["patients"][1], "Itchy bumps since yesterday", make_user("patient"))
    db.session.commit()
    form = client.get(f"/safety/problems/{report.id}/adverse-event").text
    assert "Itchy bumps since yesterday" in form
    response = client.post(
        f"/safety/problems/{report.id}/adverse-event",
        data={
            "session_id": world["sessions"][2].id,
            "description": "Itchy bumps since yesterday",
            "onset_on": datetime.now(UTC).date().isoformat(),
            "seriousness": "non_serious",
            "outcome": "recovering",
            "lot_ids": [world["lot"].id],
        },
    )
    assert response.status_code == 302, response.text
    events = db.session.scalars(sa.select(AdverseEvent).order_by(AdverseEvent.id)).all()
    assert [(e.problem_report_id, e.procedure_id, [u.lot_id for u in e.lots]) for e in events] == [
        (None, session.procedure_id, [world["lot"].id]),
        (report.id, session.procedure_id, [world["lot"].id]),
    ]
    page = client.get("/safety/adverse-events").text
    assert "Hives on the neck" in page and "EXO-RC-1" in page


def test_medwatch_page_and_pdf(world, event, login_as):
    client, _ = login_as(user=world["derm"])
    page = client.get(f"/safety/adverse-events/{event.id}/medwatch").text
    assert "FDA MedWatch Form 3500 summary" in page
    response = client.get(f"/safety/adverse-events/{event.id}/medwatch.pdf")
    assert response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    patient = world["patients"][0]
    for expected in (
        f"{patient.first_name[0]}.{patient.last_name[0]}.",
        "Papules and spreading redness",
        "DP Derm Exo-Skin Exosome Therapy",
        "EXO-RC-1",
        "DP Derm Labs",
        "Not disclosed by the manufacturer",
        "Oral doxycycline",
        "Required intervention",
        "years",
    ):
        assert expected in text, expected
    assert patient.last_name not in text  # initials only
    audited = db.session.scalars(
        sa.select(AuditEvent.detail).where(
            AuditEvent.object_type == "adverse_event", AuditEvent.action == "document.download"
        )
    ).all()
    assert sorted(audited) == ["medwatch html", "medwatch pdf"]
