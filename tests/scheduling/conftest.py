"""Scheduling fixtures: a clinic with rooms, providers and a microneedling type; a query counter."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from tests.factories import make_patient
from tests.scheduling.factories import setup_clinic

MONDAY = date(2026, 12, 7)
FROZEN = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def world(app):
    """(clinic, aesthetician, dermatologist, microneedling type, patient), committed."""
    clinic, aesthetician, dermatologist, kind = setup_clinic()
    patient = make_patient(clinic)
    db.session.commit()
    return clinic, aesthetician, dermatologist, kind, patient


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter: ...` then `counter.count`: SQL statements the engine ran."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
            counter.count += 1
            counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return _count
