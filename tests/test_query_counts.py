"""Admin list pages and the patient chart run a fixed number of queries however many rows they show."""

from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from clinic.audit.models import AuditEvent, AuditEventPatient
from clinic.audit.services import record
from clinic.auth.models import User
from clinic.db import now_utc
from clinic.extensions import db
from clinic.pagination import LOOKAHEAD_PAGES
from clinic.routines.problems import ProblemReport
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.models import Appointment, AppointmentType, TimeOff, WorkingHours
from clinic.scheduling.series import start_series
from clinic.treatments.models import OutcomeScore, TreatmentSession
from tests.factories import default_clinic, make_patient, make_user
from tests.scheduling.conftest import MONDAY
from tests.scheduling.factories import at, make_provider, make_room, make_time_off, make_type, protocol_for
from tests.treatments.factories import catalog, make_appointment, signed_session


@contextmanager
def count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, *args):  # noqa: ARG001 - SQLAlchemy event signature
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def _queries_for(client, path: str) -> int:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def _grow(add: Callable[[], object], n: int) -> None:
    for _ in range(n):
        add()
    db.session.commit()


def test_users_list_query_count_does_not_grow(app, login_as):
    client, admin = login_as("admin")
    _grow(lambda: make_user("aesthetician"), 2)
    _grow(lambda: make_user("patient"), 1)  # listed patients are audited by name (one INSERT for all)
    few = _queries_for(client, "/admin/users")
    _grow(lambda: make_user("patient"), 15)
    assert _queries_for(client, "/admin/users") == few


def test_audit_log_query_count_does_not_grow(app, login_as):
    client, admin = login_as("admin")
    _grow(lambda: record("test.event", user=admin), 3)
    few = _queries_for(client, "/admin/audit")
    _grow(lambda: record("test.event", user=admin), 40)
    assert _queries_for(client, "/admin/audit") == few


def _busy_day(providers: int, appointments: int) -> None:
    """`providers` aestheticians (and as many rooms) with `appointments` 30-minute visits on MONDAY, some of
    them in a series, one with a draft treatment session, and one provider's time off."""
    clinic = default_clinic()
    kind = db.session.scalar(sa.select(AppointmentType)) or make_type(clinic, duration=30, buffer=0)
    people = list(
        db.session.scalars(sa.select(User).where(User.id.in_(sa.select(WorkingHours.provider_id))).order_by(User.id))
    )
    while len(people) < providers:
        people.append(make_provider("aesthetician", clinic))
        make_room(clinic)
    if not db.session.scalar(sa.select(TimeOff.id)):
        make_time_off(clinic, at(MONDAY, 16), at(MONDAY, 17), provider=people[0], reason="Dentist")
    times = [(h, m) for h in (9, 10, 11, 13, 14, 15, 16) for m in (0, 30) if (h, m) != (13, 0)]
    have = db.session.scalar(sa.select(sa.func.count(Appointment.id)))
    for n in range(have, appointments):
        patient = make_patient(clinic)
        series = start_series(clinic, patient, protocol_for(kind.procedure), kind) if n % 5 == 0 else None
        provider = people[n % providers]
        taken = db.session.scalar(
            sa.select(sa.func.count(Appointment.id)).where(Appointment.provider_id == provider.id)
        )
        hour, minute = times[taken]
        appointment = book_appointment(
            clinic=clinic,
            patient=patient,
            appointment_type=kind,
            provider=provider,
            starts_at=at(MONDAY, hour, minute),
            series=series,
            now=at(MONDAY, 0),
        )
        if n == 3:
            db.session.add(
                TreatmentSession(
                    clinic_id=clinic.id,
                    patient_id=patient.id,
                    procedure_id=kind.procedure_id,
                    provider_id=appointment.provider_id,
                    appointment_id=appointment.id,
                )
            )
    db.session.commit()


def test_day_calendar_of_eight_providers_and_sixty_appointments_runs_a_fixed_number_of_queries(app, login_as):
    """The day view's time grid: one query each for appointments (with patient, provider, room, type, series),
    working hours, time off, sessions in progress and series numbers, whatever the size of the day."""
    client, _ = login_as("aesthetician")
    path = "/schedule/day?day=2026-12-07"
    _busy_day(providers=2, appointments=3)
    client.get(path)
    few = _queries_for(client, path)
    _busy_day(providers=8, appointments=60)
    with count_queries() as statements:
        page = client.get(path)
    assert page.text.count("data-appointment=") == 60 and page.text.count('class="cal-head') == 9  # and me
    assert "In session" in page.text and " of " in page.text and "Dentist 16:00" in page.text
    assert len(statements) == few, statements
    assert few <= 20


def _statements_for(client, path: str) -> list[str]:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return statements


def _audit_rows() -> tuple[int, int]:
    db.session.commit()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    named = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEventPatient))
    return events, named


def test_patient_list_costs_the_same_at_any_size_and_writes_one_audit_event(app, login_as):
    """Issue 10: a bounded count, the login session in one query, one audit event naming the page's
    patients (SQLite: 8 statements, BEGIN IMMEDIATE included; PostgreSQL 8, the advisory lock included)."""
    app.config["PATIENTS_PER_PAGE"] = 5
    client, _ = login_as("aesthetician")
    _grow(make_patient, 12)
    client.get("/patients")
    before = _audit_rows()
    few = _statements_for(client, "/patients")
    assert _audit_rows() == (before[0] + 1, before[1] + 5)
    _grow(make_patient, 80)
    many = _statements_for(client, "/patients?page=2")
    assert len(few) == len(many) == 8, many
    assert sum("login_session" in s for s in many) == 1  # user and clinic joined into the session's query


def test_patient_list_count_is_bounded(app, login_as):
    app.config["PATIENTS_PER_PAGE"] = 2
    client, _ = login_as("aesthetician")
    _grow(make_patient, 2 * (LOOKAHEAD_PAGES + 3))
    page = client.get("/patients").text
    assert f"More than {2 * (LOOKAHEAD_PAGES + 1)} patients" in page
    last = client.get(f"/patients?page={LOOKAHEAD_PAGES + 3}").text
    assert f"{2 * (LOOKAHEAD_PAGES + 3)} patients" in last and "More than" not in last


def test_follow_up_queue_evaluates_its_union_once(app, login_as):
    client, _ = login_as("aesthetician")
    statements = _statements_for(client, "/schedule/followups")
    assert sum("UNION" in s.upper() for s in statements) == 1


def test_chart_summary_query_count_does_not_grow(app, login_as):
    """The chart with its summary: more sessions, scores, appointments, reports and photos, same queries."""
    catalog()
    client, derm = login_as("dermatologist")
    patient = make_patient(history={"isotretinoin": "current"}, allergies="Lidocaine")

    booked = [0]  # appointments so far: each new one on its own day (PostgreSQL refuses overlaps)

    def grow(n: int) -> None:
        for i in range(n):
            booked[0] += 1
            signed_session(patient, derm)
            make_appointment(patient, derm, starts_at=now_utc() + timedelta(days=1 + booked[0]))
            db.session.add(ProblemReport(clinic_id=patient.clinic_id, patient_id=patient.id, message=f"Red {i}"))
            for scale, value in (("glogau", 2), ("cea", 1)):
                db.session.add(
                    OutcomeScore(
                        clinic_id=patient.clinic_id,
                        patient_id=patient.id,
                        scale=scale,
                        checkpoint="other",
                        recorded_on=date.today() - timedelta(days=30 * i),
                        value=Decimal(value),
                        label=str(value),
                        recorded_by_id=derm.id,
                    )
                )
        db.session.commit()

    grow(1)
    _queries_for(client, f"/patients/{patient.id}")  # the first view installs the default rules
    few = _queries_for(client, f"/patients/{patient.id}")
    grow(6)
    assert _queries_for(client, f"/patients/{patient.id}") == few
