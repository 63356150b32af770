"""Issue 10: a page that shows patients writes one audit event per request naming each of them, so the
audit grows by request, not by card; each patient still finds the view in "who viewed my record"."""

from __future__ import annotations

import sqlalchemy as sa
import time_machine

from clinic.audit.models import AuditEvent, AuditEventPatient
from clinic.extensions import db
from clinic.interop.fhir.access_log import access_log_query
from clinic.scheduling.models import Appointment
from tests.auth.helpers import shown_patients
from tests.factories import make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.test_followups import NOW, queue_world  # noqa: F401 - a fixture
from tests.scheduling.test_views import _fill_week


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


def _written_by(client, url: str) -> tuple[list[AuditEvent], int]:
    """(events, patient rows) the request to `url` wrote."""
    db.session.commit()
    before = _last_id()
    assert client.get(url).status_code == 200
    db.session.expire_all()
    found = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before)).all()
    rows = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEventPatient).where(AuditEventPatient.event_id > before)
    )
    return found, rows


def test_week_page_writes_one_event_per_request_however_many_cards(login_as, world):
    with time_machine.travel(FROZEN, tick=False):
        client, _ = login_as("aesthetician")
        url = f"/schedule/week?day={MONDAY.isoformat()}"
        _fill_week(world, 2)
        [few], few_rows = _written_by(client, url)
        _fill_week(world, 18, skip=2)
        [many], many_rows = _written_by(client, url)
    shown = set(db.session.scalars(sa.select(Appointment.patient_id)))
    assert few.action == many.action == "schedule.view"
    assert len(shown_patients(few)) == few_rows == 2
    assert set(shown_patients(many)) == shown and many_rows == 20
    seen = [event.id for event, _ in db.session.execute(access_log_query(max(shown))).all()]
    assert many.id in seen  # "who viewed my record" finds the calendar view through the patient rows


def test_patient_list_writes_one_event_naming_the_page(login_as, app):
    app.config["PATIENTS_PER_PAGE"] = 10
    client, _ = login_as("aesthetician")
    patients = [make_patient(last_name=f"Listed{n:02d}") for n in range(14)]
    [event], rows = _written_by(client, "/patients")
    assert event.action == "patient.list" and rows == 10
    assert shown_patients(event) == sorted(p.id for p in patients[:10])
    [second], rows = _written_by(client, "/patients?page=2")
    assert shown_patients(second) == sorted(p.id for p in patients[10:]) and rows == 4


def test_follow_up_queue_writes_one_event_per_request(login_as, world, queue_world):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("aesthetician")
        [event], rows = _written_by(client, "/schedule/followups")
    assert event.action == "followup.view" and rows == len(shown_patients(event)) >= 3
    named = {queue_world["due"][0].id, queue_world["checkpoint"][0].id}
    assert named <= set(shown_patients(event))


def test_the_staff_audit_log_finds_a_patient_named_by_a_list(login_as):
    patient = make_patient(last_name="Findme")
    staff, _ = login_as("aesthetician")
    staff.get("/patients")
    admin, _ = login_as("admin")
    page = admin.get(f"/admin/audit?patient_id={patient.id}")
    assert page.status_code == 200 and "Patient: list" in page.text and "1 patient<" in page.text
