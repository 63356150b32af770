"""`flask seed-demo` fills a week that looks like a clinic's: a busy today, a full week, every follow-up bucket."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.demo import seed
from clinic.extensions import db
from clinic.scheduling.followups import follow_up_queue
from clinic.scheduling.models import Appointment
from clinic.treatments.models import TreatmentSession

TUESDAY_NOON = datetime(2026, 12, 8, 16, 15, tzinfo=UTC)  # 11:15 in New York


def test_demo_week_is_busy_varied_and_seeded_once(app):
    with time_machine.travel(TUESDAY_NOON, tick=False):
        seed()
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count(Appointment.id)))
        seed()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == count
        clinic = db.session.scalar(sa.select(Clinic))
        today = TUESDAY_NOON.astimezone(clinic.zone).date()
        providers = db.session.scalars(sa.select(User).where(User.role.in_(["dermatologist", "aesthetician"])))
        week = list(
            db.session.scalars(
                sa.select(Appointment).where(
                    Appointment.local_date >= today - timedelta(days=1), Appointment.local_date <= today + timedelta(3)
                )
            )
        )
        for provider in providers:
            mine = [a for a in week if a.provider_id == provider.id]
            per_day = Counter(a.local_date for a in mine)
            assert 5 <= per_day[today] <= 8, (provider.full_name, per_day)
            assert sum(1 for n in per_day.values() if n >= 5) >= 3, (provider.full_name, per_day)
            todays = [a for a in mine if a.local_date == today]
            hours = {a.starts_at.astimezone(clinic.zone).hour for a in todays}
            assert min(hours) < 11 and max(hours) >= 15  # spread over the day
        assert len({a.room_id for a in week if a.local_date == today}) == 4  # every room in use today
        statuses = Counter(a.status for a in week if a.local_date == today)
        assert statuses["checked_in"] >= 2 and statuses["no_show"] == 1 and statuses["booked"] >= 5
        assert statuses["completed"] >= 3
        in_session = db.session.scalar(sa.select(TreatmentSession).where(TreatmentSession.appointment_id.is_not(None)))
        assert in_session is not None and in_session.signed_at is None
        assert db.session.get(Appointment, in_session.appointment_id).local_date == today
        kinds = {row.kind for row in follow_up_queue(clinic, per_page=500).items}
        assert {"overdue", "window_closing", "due", "no_show"} <= kinds, kinds
