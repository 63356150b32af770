"""Contact attempts on the follow-up queue: recorded with a date, shown as the last attempt, and hiding a
patient until a chosen date."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.scheduling.contacts import ContactAttempt, record_attempt
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.followups import follow_up_queue
from tests.factories import make_clinic, make_patient
from tests.scheduling.test_followups import NOW, TODAY, queue_world  # noqa: F401 - the queue's fixture

CONTACT = "/schedule/followups/patients/{}/contact"


def _names(clinic, now=NOW) -> set[str]:
    return {i.patient.last_name for i in follow_up_queue(clinic, now=now, per_page=100).items}


def test_last_attempt_shown_and_hiding_until_a_date(world, queue_world):  # noqa: F811
    due = queue_world["due"][0]
    record_attempt(due, outcome="no_answer", contacted_on=TODAY - timedelta(days=2), today=TODAY)
    record_attempt(due, outcome="left_message", contacted_on=TODAY, today=TODAY)
    item = next(i for i in follow_up_queue(world[0], now=NOW).items if i.patient.id == due.id)
    assert item.last_contact.outcome_label == "Left a message" and item.last_contact.contacted_on == TODAY

    record_attempt(due, outcome="will_book", contacted_on=TODAY, today=TODAY, hide_until=TODAY + timedelta(days=3))
    before = follow_up_queue(world[0], now=NOW)
    assert "Due" not in _names(world[0]) and before.total == len(before.items)
    assert "Due" not in _names(world[0], NOW + timedelta(days=2))
    assert "Due" in _names(world[0], NOW + timedelta(days=3))  # back on the chosen date
    record_attempt(due, outcome="no_answer", contacted_on=TODAY, today=TODAY)  # a newer attempt shows again
    assert "Due" in _names(world[0])


@pytest.mark.parametrize(
    "contacted, hide, message",
    [(1, None, "in the future"), (0, 0, "after today"), (0, -1, "after today"), (0, 400, "at most a year")],
)
def test_service_refuses_bad_dates(world, contacted, hide, message):
    with pytest.raises(SchedulingError, match=message):
        record_attempt(
            world[4],
            outcome="declined",
            contacted_on=TODAY + timedelta(days=contacted),
            today=TODAY,
            hide_until=None if hide is None else TODAY + timedelta(days=hide),
        )


def test_staff_record_from_the_queue_page(login_as, world, queue_world):  # noqa: F811
    due = queue_world["due"][0]
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("aesthetician")
        queue = client.get("/schedule/followups")
        assert CONTACT.format(due.id) in queue.text and "None yet" in queue.text
        form = client.get(CONTACT.format(due.id))
        assert form.status_code == 200 and f'value="{TODAY.isoformat()}"' in form.text
        saved = client.post(
            CONTACT.format(due.id),
            data={"outcome": "left_message", "contacted_on": TODAY.isoformat(), "note": "Voicemail"},
        )
        assert saved.status_code == 302
        assert "Left a message" in client.get("/schedule/followups").text
        bad = client.post(
            CONTACT.format(due.id),
            data={"outcome": "no_answer", "contacted_on": TODAY.isoformat(), "hide_until": TODAY.isoformat()},
        )
        assert bad.status_code == 422 and 'id="hide_until-error"' in bad.text and "after today" in bad.text
        assert f'value="{TODAY.isoformat()}"' in bad.text  # input kept
        bogus = client.post(CONTACT.format(due.id), data={"outcome": "shouted", "contacted_on": TODAY.isoformat()})
        assert bogus.status_code == 422
        hidden = client.post(
            CONTACT.format(due.id),
            data={
                "outcome": "will_book",
                "contacted_on": TODAY.isoformat(),
                "hide_until": (TODAY + timedelta(days=7)).isoformat(),
            },
        )
        assert hidden.status_code == 302
        assert CONTACT.format(due.id) not in client.get("/schedule/followups").text
        history = client.get(CONTACT.format(due.id)).text
        assert "Voicemail" in history and "Will book" in history and "hidden until" in history
    assert db.session.scalar(sa.select(sa.func.count(ContactAttempt.id))) == 2
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.patient_id == due.id, AuditEvent.action.like("followup.%"))
    ).all()
    assert actions.count("followup.contact") == 2 and "followup.contacts_view" in actions


def test_wrong_role_and_other_clinics_patient(login_as, world):
    patient = world[4]
    foreign = make_patient(make_clinic("Elsewhere"))
    db.session.commit()
    data = {"outcome": "no_answer", "contacted_on": TODAY.isoformat()}
    with time_machine.travel(NOW, tick=False):
        for role in ("admin", "patient"):
            client, _ = login_as(role)
            assert client.post(CONTACT.format(patient.id), data=data).status_code == 403
            assert client.get(CONTACT.format(patient.id)).status_code == 403
        staff, _ = login_as("dermatologist")
        assert staff.post(CONTACT.format(foreign.id), data=data).status_code == 404
        assert staff.get(CONTACT.format(foreign.id)).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ContactAttempt.id))) == 0
