"""Issue 14 item 23: the appointment page offers only the status changes that would be accepted now; check-in
opens an hour before the start, a no-show only 15 minutes after it (README: Decisions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.scheduling.booking import change_status
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import Appointment
from clinic.scheduling.statuses import EARLY_CHECK_IN, NO_SHOW_GRACE, allowed_status_changes
from tests.factories import make_patient, make_user
from tests.treatments.factories import make_appointment


@pytest.fixture
def staff(app):
    return make_user("aesthetician")


def _clinic(appointment: Appointment) -> Clinic:
    return db.session.get(Clinic, appointment.clinic_id)


def _appointment(starts_in: timedelta) -> Appointment:
    appointment = make_appointment(make_patient(), make_user("dermatologist"), starts_at=now_utc() + starts_in)
    db.session.commit()
    return appointment


def test_service_allows_check_in_an_hour_early_and_no_show_after_the_grace(app):
    appointment = _appointment(timedelta(days=2))
    start = appointment.starts_at
    assert allowed_status_changes(appointment, start - EARLY_CHECK_IN - timedelta(minutes=1)) == set()
    assert allowed_status_changes(appointment, start - EARLY_CHECK_IN) == {"checked_in", "completed"}
    assert allowed_status_changes(appointment, start + NO_SHOW_GRACE - timedelta(minutes=1)) == {
        "checked_in",
        "completed",
    }
    assert allowed_status_changes(appointment, start + NO_SHOW_GRACE) == {"checked_in", "completed", "no_show"}
    with pytest.raises(SchedulingError, match="15 minutes after the start"):
        change_status(appointment, "no_show", clinic=_clinic(appointment), now=start - timedelta(hours=1))
    with pytest.raises(SchedulingError, match="15 minutes after the start"):
        change_status(appointment, "no_show", clinic=_clinic(appointment), now=start + timedelta(minutes=5))
    change_status(appointment, "no_show", clinic=_clinic(appointment), now=start + NO_SHOW_GRACE, notify=False)
    assert appointment.status == "no_show"
    assert allowed_status_changes(appointment, start + timedelta(hours=3)) == set()


def _buttons(page: str) -> set[str]:
    return {label for label in ("Check in", "Complete", "No-show") if f">{label}</button>" in page}


def test_future_appointment_page_offers_no_check_in_or_no_show(staff, login_as):
    appointment = _appointment(timedelta(days=1))
    client, _ = login_as(user=staff)
    page = client.get(f"/schedule/appointments/{appointment.id}").text
    assert _buttons(page) == set() and "Cancel" in page


def test_page_offers_check_in_but_not_yet_no_show_around_the_start(staff, login_as):
    appointment = _appointment(timedelta(minutes=30))
    client, _ = login_as(user=staff)
    assert _buttons(client.get(f"/schedule/appointments/{appointment.id}").text) == {"Check in", "Complete"}
    late = _appointment(-timedelta(minutes=20))
    assert _buttons(client.get(f"/schedule/appointments/{late.id}").text) == {"Check in", "Complete", "No-show"}


def test_hand_made_no_show_an_hour_before_the_start_is_refused(staff, login_as):
    appointment = _appointment(timedelta(hours=1))
    client, _ = login_as(user=staff)
    response = client.post(
        f"/schedule/appointments/{appointment.id}/status", data={"status": "no_show"}, follow_redirects=True
    )
    assert "A no-show can be recorded from 15 minutes after the start." in response.text
    db.session.expire_all()
    assert db.session.scalar(sa.select(Appointment.status).filter_by(id=appointment.id)) == "booked"
    started = _appointment(-timedelta(minutes=5))
    client.post(f"/schedule/appointments/{started.id}/status", data={"status": "no_show"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(Appointment.status).filter_by(id=started.id)) == "booked"


def test_status_change_on_another_patients_clinic_is_not_found(staff, login_as):
    from tests.factories import make_clinic

    appointment = _appointment(-timedelta(minutes=30))
    outsider = make_user("aesthetician", clinic=make_clinic("Elsewhere"))
    client, _ = login_as(user=outsider)
    assert client.post(f"/schedule/appointments/{appointment.id}/status", data={"status": "no_show"}).status_code == 404
    patient_client, _ = login_as("patient", patient=appointment.patient)
    assert (
        patient_client.post(f"/schedule/appointments/{appointment.id}/status", data={"status": "no_show"}).status_code
        == 403
    )
