"""Importing future appointments through the booking service: created, unchanged on a second run, refusals
(unknown patient, provider, type, room, bad or past time, outside hours) and double bookings, both against
the calendar and between rows of the same file; dry run and all-or-nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.interop.imports.appointments import import_appointments
from clinic.interop.imports.reading import ImportFileError
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.models import Appointment
from tests.factories import make_patient
from tests.scheduling.factories import at, setup_clinic

HEADER = "patient_external_id,provider_email,appointment_type,room,start"
MONDAY = date.today() + timedelta(days=14 - date.today().weekday())  # a Monday two weeks or so ahead


@pytest.fixture
def world(app):
    clinic, aesthetician, _dermatologist, kind = setup_clinic()
    ana, bo = make_patient(clinic), make_patient(clinic)
    ana.external_id, bo.external_id = "P1", "P2"
    db.session.commit()
    return clinic, aesthetician, kind, ana, bo


def csv_of(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def line(world, external_id="P1", hour="10:00", room="Room A", day=MONDAY, provider=None, kind=None) -> str:
    _clinic, aesthetician, appointment_type, *_ = world
    return f"{external_id},{provider or aesthetician.email},{kind or appointment_type.name},{room},{day} {hour}"


def appointments() -> list[Appointment]:
    return list(db.session.scalars(sa.select(Appointment).order_by(Appointment.starts_at)))


def test_books_rows_in_the_clinics_local_time_and_a_second_run_books_nothing(world):
    clinic, aesthetician, kind, ana, bo = world
    data = csv_of(line(world), line(world, "P2", "14:00", room=""))
    report = import_appointments(data, clinic, dry_run=False)
    db.session.commit()
    assert [r.outcome for r in report.rows] == ["create", "create"]
    first, second = appointments()
    assert first.starts_at == at(MONDAY, 10, clinic=clinic) and first.patient_id == ana.id
    assert first.provider_id == aesthetician.id and first.appointment_type_id == kind.id
    assert second.patient_id == bo.id and second.room_id is not None  # a free room was chosen
    again = import_appointments(data, clinic, dry_run=False)
    db.session.commit()
    assert [r.outcome for r in again.rows] == ["unchanged", "unchanged"] and len(appointments()) == 2


def test_a_double_booking_is_reported_per_row_and_not_written(world):
    clinic, aesthetician, kind, ana, bo = world
    book_appointment(
        clinic=clinic, patient=bo, appointment_type=kind, provider=aesthetician, starts_at=at(MONDAY, 10, clinic=clinic)
    )
    db.session.commit()
    report = import_appointments(csv_of(line(world, "P1", "10:30")), clinic, dry_run=False, skip_bad_rows=True)
    db.session.commit()
    [row] = report.rows
    assert row.outcome == "refused" and "already has an appointment then" in row.reasons[0]
    assert len(appointments()) == 1


def test_rows_of_one_file_that_clash_with_each_other_are_reported_even_in_a_dry_run(world):
    clinic, *_ = world
    report = import_appointments(csv_of(line(world, "P1"), line(world, "P2", room="Room A")), clinic)
    db.session.commit()
    assert [r.outcome for r in report.rows] == ["create", "refused"]
    assert "already has an appointment then" in report.rows[1].reasons[0]  # the same aesthetician
    assert appointments() == []


def test_unknown_names_bad_times_and_past_times_are_refused_with_reasons(world):
    clinic, *_ = world
    data = csv_of(
        line(world, "NOPE"),
        line(world, provider="ghost@example.com"),
        line(world, kind="Tattoo removal"),
        line(world, room="Room Z"),
        line(world, hour="25:00"),
        line(world, day=MONDAY - timedelta(days=70)),
        line(world, hour="07:00"),
        ",,,,",
        "P1,,,,2030-01-01 10:00",
    )
    report = import_appointments(data, clinic)
    reasons = {r.line: " ".join(r.reasons) for r in report.rows}
    assert "no patient of the clinic has NOPE" in reasons[2]
    assert "no staff member of the clinic has ghost@example.com" in reasons[3]
    assert "no type named Tattoo removal" in reasons[4]
    assert "no room named Room Z" in reasons[5]
    assert "is not a local time" in reasons[6]
    assert "in the past" in reasons[7]
    assert "does not work at that time" in reasons[8]
    assert "provider_email: missing." in reasons[10]
    assert len(report.rows) == 8  # the blank row is skipped


def test_all_or_nothing_unless_bad_rows_are_skipped_and_audited(world):
    clinic, *_ = world
    data = csv_of(line(world, "P1"), line(world, "NOPE"))
    blocked = import_appointments(data, clinic, dry_run=False)
    db.session.commit()
    assert not blocked.written and appointments() == []
    skipped = import_appointments(data, clinic, dry_run=False, skip_bad_rows=True, source="old.csv")
    db.session.commit()
    assert skipped.written and len(appointments()) == 1
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import.appointments")))
    assert [e.outcome for e in events] == ["failure", "success"]
    assert events[1].detail.startswith("old.csv: appointments: 2 rows (1 create")


def test_a_file_without_the_required_columns_is_refused(world):
    clinic, *_ = world
    with pytest.raises(ImportFileError, match="Required columns missing: provider_email, appointment_type"):
        import_appointments(b"patient_external_id,start\nP1,2030-01-01 10:00\n", clinic)


def test_another_clinics_patient_and_provider_are_not_found(world):
    from tests.factories import make_clinic, make_user

    clinic, *_ = world
    other = make_clinic("Elsewhere")
    stranger = make_patient(other)
    stranger.external_id = "X9"
    their_provider = make_user("aesthetician", clinic=other)
    db.session.commit()
    report = import_appointments(csv_of(line(world, "X9"), line(world, provider=their_provider.email)), clinic)
    assert "no patient of the clinic has X9" in report.rows[0].reasons[0]
    assert f"no staff member of the clinic has {their_provider.email}" in report.rows[1].reasons[0]
