"""Pages whose query count must not grow with the data they list."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from clinic.extensions import db
from tests.factories import make_user
from tests.treatments.factories import make_lot, recorded_session


def test_patient_page_query_count_does_not_grow_with_sessions(world, login_as):
    client, derm = login_as(user=world["derm"])
    patient_id = world["patient"].id
    from clinic.treatments.scores import record_score

    def count_queries() -> int:
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            assert client.get(f"/patients/{patient_id}/treatments").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
        return len(statements)

    baseline = count_queries()
    for _ in range(4):
        recorded_session(world["patient"], make_user("dermatologist"))
    for days in (1, 30, 60):
        record_score(
            world["patient"],
            derm,
            scale_code="iga",
            checkpoint="other",
            raw_value="2",
            recorded_on=datetime.now().date() - timedelta(days=days),
            today=datetime.now().date(),
        )
    db.session.commit()
    assert count_queries() == baseline


def test_session_page_query_count_does_not_grow_with_products(world, login_as):
    from decimal import Decimal

    from clinic.treatments.services import ProductUse, SessionDetails, save_session

    client, derm = login_as(user=world["derm"])
    session = world["draft"]

    def count() -> int:
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get(f"/treatments/{session.id}").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    baseline = count()
    lots = [make_lot(lot_number=f"MANY-{i}") for i in range(4)]
    details = SessionDetails(
        started_at=session.started_at,
        ended_at=session.ended_at,
        areas=[(f"Area {i}", Decimal("1.0")) for i in range(5)],
        products=[ProductUse(lot.product_id, lot.lot_number, Decimal("1")) for lot in lots],
    )
    save_session(session, details, loaded_version=session.version, user=derm)
    db.session.commit()
    assert count() == baseline
