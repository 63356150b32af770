"""Starting a session from an appointment: offered to dermatologists on the appointment and day pages for a
checked-in or today's booked appointment, pre-filled pre-check, the session linked (once) to the appointment,
and signing completes the appointment through scheduling's status change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.db import now_utc
from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.scheduling.models import Appointment
from clinic.treatments.models import TreatmentSession
from clinic.treatments.services import ProductUse, SessionDetails, save_session
from clinic.treatments.signing import sign_session
from tests.consents.factories import make_consent
from tests.factories import make_clinic, make_patient, make_user
from tests.treatments.factories import catalog, make_appointment, make_lot, procedure


@pytest.fixture
def setup(app):
    catalog()
    derm = make_user("dermatologist")
    patient = make_patient()
    make_consent(patient, procedure())
    appointment = make_appointment(patient, derm, starts_at=now_utc() - timedelta(minutes=10), status="checked_in")
    db.session.commit()
    return derm, patient, appointment


def _other_derm():
    """Another provider: PostgreSQL refuses overlapping active appointments of one provider."""
    return make_user("dermatologist")


def _free_the_patient(appointment) -> None:
    """PostgreSQL refuses one patient in two overlapping active appointments: the setup's visit is cancelled."""
    appointment.status = "cancelled"


def _start_url(appointment) -> str:
    return f"/patients/{appointment.patient_id}/treatments/new?appointment={appointment.id}"


def _start(client, appointment):
    return client.post(
        _start_url(appointment),
        data={"procedure_id": procedure().id, "history_confirmed": "yes"},
    )


def _record(session, derm) -> None:
    lot = make_lot()
    details = SessionDetails(
        started_at=now_utc() - timedelta(minutes=20),
        ended_at=now_utc() - timedelta(minutes=1),
        device="Dermapen 4",
        areas=[("Cheeks", Decimal("1.0"), 3)],
        products=[ProductUse(lot.product_id, lot.lot_number, Decimal("2.5"))],
    )
    save_session(session, details, loaded_version=session.version, user=derm)
    db.session.commit()


def test_appointment_page_offers_start_session_to_dermatologists_only(setup, login_as):
    derm, _patient, appointment = setup
    client, _ = login_as(user=derm)
    page = client.get(f"/schedule/appointments/{appointment.id}").text
    assert _start_url(appointment).replace("&", "&amp;") in page or _start_url(appointment) in page
    assert "Start session" in page
    aesthetician, _ = login_as("aesthetician")
    assert "Start session" not in aesthetician.get(f"/schedule/appointments/{appointment.id}").text


def test_day_calendar_offers_start_session_for_today(setup, login_as):
    derm, patient, appointment = setup
    client, _ = login_as(user=derm)
    day = client.get(f"/schedule/day?day={appointment.local_date.isoformat()}").text
    assert f"/schedule/appointments/{appointment.id}" in day and patient.full_name in day  # the card opens it
    page = client.get(f"/schedule/appointments/{appointment.id}").text
    assert "Start session" in page


def test_precheck_from_appointment_is_prefilled(setup, login_as):
    derm, patient, appointment = setup
    client, _ = login_as(user=derm)
    page = client.get(_start_url(appointment)).text
    assert f'<option selected value="{procedure().id}">' in page
    assert "From the appointment of" in page


def test_started_session_stores_the_appointment_and_a_second_start_opens_it(setup, login_as):
    derm, patient, appointment = setup
    client, _ = login_as(user=derm)
    response = _start(client, appointment)
    assert response.status_code == 302
    session = db.session.scalars(sa.select(TreatmentSession).filter_by(patient_id=patient.id)).one()
    assert session.appointment_id == appointment.id
    again = client.get(_start_url(appointment))
    assert again.status_code == 302 and again.location.endswith(f"/treatments/{session.id}")
    assert _start(client, appointment).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(TreatmentSession.id))) == 1
    page = client.get(f"/schedule/appointments/{appointment.id}").text
    assert "Open the treatment session" in page and "Start session" not in page


def test_one_session_per_appointment_in_the_database(setup):
    derm, patient, appointment = setup
    for _ in range(2):
        db.session.add(
            TreatmentSession(
                clinic_id=patient.clinic_id,
                patient_id=patient.id,
                procedure_id=procedure().id,
                provider_id=derm.id,
                appointment_id=appointment.id,
                precheck={},
            )
        )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_different_procedure_than_the_appointment_is_refused(setup, login_as):
    derm, patient, appointment = setup
    client, _ = login_as(user=derm)
    response = client.post(
        _start_url(appointment),
        data={"procedure_id": procedure("laser_exosome").id, "history_confirmed": "yes"},
    )
    assert response.status_code == 422 and "This appointment is for Microneedling" in response.text
    assert db.session.scalar(sa.select(sa.func.count(TreatmentSession.id))) == 0


@pytest.mark.parametrize(
    ("status", "days"),
    [("booked", 1), ("booked", -1), ("completed", 0), ("cancelled", 0), ("no_show", 0)],
)
def test_only_checked_in_or_todays_booked_appointments_can_start(setup, login_as, status, days):
    derm, patient, checked_in = setup
    _free_the_patient(checked_in)
    appointment = make_appointment(patient, _other_derm(), starts_at=now_utc() + timedelta(days=days), status=status)
    db.session.commit()
    client, _ = login_as(user=derm)
    assert "Start session" not in client.get(f"/schedule/appointments/{appointment.id}").text
    response = client.get(_start_url(appointment))
    assert response.status_code == 302 and response.location.endswith(f"/schedule/appointments/{appointment.id}")
    assert _start(client, appointment).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(TreatmentSession.id))) == 0


def test_booked_today_can_start(setup, login_as):
    derm, patient, checked_in = setup
    _free_the_patient(checked_in)
    appointment = make_appointment(patient, _other_derm(), starts_at=now_utc(), status="booked")
    db.session.commit()
    client, _ = login_as(user=derm)
    assert _start(client, appointment).status_code == 302
    assert db.session.scalars(sa.select(TreatmentSession.appointment_id)).one() == appointment.id


def test_another_patients_or_clinics_appointment_is_not_found(setup, login_as):
    derm, patient, _ = setup
    other = make_patient()
    others = make_appointment(other, _other_derm(), starts_at=now_utc(), status="checked_in")
    elsewhere = make_clinic("Elsewhere")
    foreign_patient = make_patient(elsewhere)
    foreign = make_appointment(foreign_patient, make_user("dermatologist", clinic=elsewhere), status="checked_in")
    db.session.commit()
    client, _ = login_as(user=derm)
    url = f"/patients/{patient.id}/treatments/new?appointment="
    for suffix in (str(others.id), str(foreign.id), "nope"):
        assert client.get(url + suffix).status_code == 404
        response = client.post(url + suffix, data={"procedure_id": procedure().id, "history_confirmed": "yes"})
        assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(TreatmentSession.id))) == 0


def test_aesthetician_cannot_start(setup, login_as):
    _derm, _patient, appointment = setup
    client, _ = login_as("aesthetician")
    assert client.get(_start_url(appointment)).status_code == 403
    assert _start(client, appointment).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(TreatmentSession.id))) == 0


def test_signing_completes_the_appointment_with_audit_and_checkins(setup, login_as):
    derm, patient, appointment = setup
    client, _ = login_as(user=derm)
    _start(client, appointment)
    session = db.session.scalars(sa.select(TreatmentSession).filter_by(patient_id=patient.id)).one()
    _record(session, derm)
    response = client.post(f"/treatments/{session.id}/sign", data={"version": session.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TreatmentSession, session.id).is_signed
    assert db.session.get(Appointment, appointment.id).status == "completed"
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="appointment.completed")).one()
    assert event.object_id == str(appointment.id) and event.patient_id == patient.id
    assert "Started from the appointment of" in client.get(f"/treatments/{session.id}").text
    assert (
        db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).filter_by(patient_id=patient.id, kind="aftercare_checkin")
        )
        > 0
    )


def test_signing_leaves_an_already_completed_or_cancelled_appointment_alone(setup):
    derm, patient, appointment = setup
    for status in ("completed", "cancelled"):
        before = appointment.starts_at - timedelta(hours=2)  # over before the setup's visit begins
        linked = make_appointment(patient, _other_derm(), starts_at=before, status=status)
        session = TreatmentSession(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            procedure_id=procedure().id,
            provider_id=derm.id,
            appointment_id=linked.id,
            precheck={},
            started_at=now_utc() - timedelta(minutes=30),
        )
        db.session.add(session)
        db.session.flush()
        _record(session, derm)
        note = sign_session(session, derm, loaded_version=session.version)
        db.session.commit()
        assert db.session.get(Appointment, linked.id).status == status
        assert (note is None) == (status == "completed")
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).filter_by(action="appointment.completed")) == 0


def test_signing_a_session_without_appointment_changes_no_appointment(setup):
    derm, patient, appointment = setup
    session = TreatmentSession(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        procedure_id=procedure().id,
        provider_id=derm.id,
        precheck={},
        started_at=now_utc() - timedelta(minutes=30),
    )
    db.session.add(session)
    db.session.flush()
    _record(session, derm)
    assert sign_session(session, derm, loaded_version=session.version) is None
    assert db.session.get(Appointment, appointment.id).status == "checked_in"
