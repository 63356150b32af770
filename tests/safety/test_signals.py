"""The signal check at its edges: a lot cluster (2 events within 30 days) and a product's event rate (more than
twice the procedure's), each alert once, with the events behind it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from click.testing import CliRunner

from clinic.catalog.models import Product
from clinic.extensions import db
from clinic.safety.cli import signals_command
from clinic.safety.events import record_event
from clinic.safety.models import InboxItem, SafetySignal
from clinic.safety.settings import safety_settings
from clinic.safety.signals import check_clinic
from tests.factories import make_patient, make_user
from tests.treatments.factories import make_lot, recorded_session

TODAY = datetime.now(ZoneInfo("America/New_York")).date()  # the test clinic's local date


def event(session, by, onset: date, lots=None):
    local_day = session.started_at.astimezone(ZoneInfo("America/New_York")).date()
    if local_day > onset:  # a session that took place on the onset day
        shift = timedelta(days=(local_day - onset).days)
        session.started_at -= shift
        session.ended_at -= shift
        db.session.flush()
    return record_event(
        session.patient,
        session=session,
        description="Spreading redness and swelling",
        onset_on=onset,
        seriousness="non_serious",
        outcome="recovering",
        action_taken="Cold compresses, oral antihistamine",
        lot_ids=lots if lots is not None else [p.lot_id for p in session.products],
        by=by,
    )


def _sessions(world, n, lot):
    return [recorded_session(make_patient(), world["derm"], lot) for _ in range(n)]


def test_two_events_on_one_lot_30_days_apart_raise_one_alert(world):
    first, second = world["sessions"][0], world["sessions"][2]
    event(first, world["derm"], TODAY - timedelta(days=30))
    event(second, world["derm"], TODAY)
    raised = check_clinic(world["lot"].clinic_id, TODAY)
    assert [s.kind for s in raised] == ["lot_cluster"]
    assert len(raised[0].event_ids) == 2 and "EXO-RC-1" in raised[0].summary
    item = db.session.scalars(sa.select(InboxItem).where(InboxItem.user_id == world["derm"].id)).one()
    assert item.signal_id == raised[0].id
    assert check_clinic(world["lot"].clinic_id, TODAY) == []  # re-run: nothing new
    assert db.session.scalar(sa.select(sa.func.count(SafetySignal.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 1


def test_31_days_apart_or_a_single_event_stays_quiet(world):
    event(world["sessions"][0], world["derm"], TODAY - timedelta(days=31))
    assert check_clinic(world["lot"].clinic_id, TODAY) == []
    event(world["sessions"][2], world["derm"], TODAY)
    assert check_clinic(world["lot"].clinic_id, TODAY) == []


def test_threshold_is_a_setting(world):
    safety_settings(world["lot"].clinic_id, for_update=True).lot_cluster_events = 3
    event(world["sessions"][0], world["derm"], TODAY)
    event(world["sessions"][2], world["derm"], TODAY)
    assert check_clinic(world["lot"].clinic_id, TODAY) == []


def _second_product(world):
    product = Product(
        clinic_id=world["lot"].clinic_id,
        brand="Test Labs",
        name="Exo B",
        category="in_office_exosome",
        use="in_office",
        exosome_source="plant",
    )
    db.session.add(product)
    db.session.flush()
    return make_lot(product, lot_number="EXO-B-1")


def test_product_rate_exactly_twice_is_quiet_above_fires(app):
    derm = make_user("dermatologist")
    lot_a = make_lot(lot_number="EXO-A-1")
    world = {"derm": derm, "lot": lot_a}
    lot_b = _second_product(world)
    clinic_id = lot_a.clinic_id
    safety_settings(clinic_id, for_update=True).lot_cluster_events = 50  # this test is about rates only
    (with_a,) = _sessions(world, 1, lot_a)
    _sessions(world, 1, lot_b)
    event(with_a, derm, TODAY)
    # Product A: 1 event / 1 session = 1; the procedure: 1 event / 2 sessions = 0.5; exactly 2 times: quiet.
    assert check_clinic(clinic_id, TODAY) == []
    _sessions(world, 1, lot_b)
    # The procedure: 1 / 3; product A's rate is now 3 times it.
    raised = check_clinic(clinic_id, TODAY)
    assert [(s.kind, s.product_id) for s in raised] == [("product_rate", lot_a.product_id)]
    assert "1 event(s) in 1 session(s)" in raised[0].summary
    assert check_clinic(clinic_id, TODAY) == []


def test_product_rate_multiplier_is_a_setting(app):
    derm = make_user("dermatologist")
    lot_a = make_lot(lot_number="EXO-A-1")
    world = {"derm": derm, "lot": lot_a}
    lot_b = _second_product(world)
    settings = safety_settings(lot_a.clinic_id, for_update=True)
    settings.rate_multiplier = Decimal("3")
    (with_a,) = _sessions(world, 1, lot_a)
    _sessions(world, 2, lot_b)
    event(with_a, derm, TODAY)
    assert check_clinic(lot_a.clinic_id, TODAY) == []  # exactly 3 times


def test_cli_runs_the_check(world, app):
    event(world["sessions"][0], world["derm"], TODAY)
    event(world["sessions"][2], world["derm"], TODAY)
    db.session.commit()
    result = CliRunner().invoke(signals_command, obj=app.extensions.get("cli_obj"), catch_exceptions=False)
    assert "1 new signal(s)" in result.output
    result = CliRunner().invoke(signals_command, catch_exceptions=False)
    assert "0 new signal(s)" in result.output
