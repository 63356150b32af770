"""Admin list pages and the patient chart run a fixed number of queries however many rows they show."""

from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.db import now_utc
from clinic.extensions import db
from clinic.routines.problems import ProblemReport
from clinic.treatments.models import OutcomeScore
from tests.factories import make_patient, make_user
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
