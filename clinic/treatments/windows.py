"""Aftercare windows: a session copies its procedure's aftercare rules with start and end times in UTC.

The routines feature reads `SessionAftercare` rows (see `active_aftercare`) to pause and resume home steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from clinic.extensions import db
from clinic.treatments.models import SessionAftercare, TreatmentSession


def apply_aftercare(session: TreatmentSession) -> None:
    """(Re)compute the session's aftercare rows from its procedure's rules, timed from the session's end
    (or its start while the end is not recorded)."""
    base = session.ended_at or session.started_at
    session.aftercare = [
        SessionAftercare(
            patient_id=session.patient_id,
            aftercare_rule_id=rule.id,
            position=rule.position,
            action=rule.action,
            ingredient_tag=rule.ingredient_tag,
            label=rule.label,
            patient_instruction=rule.patient_instruction,
            step_slot=rule.step_slot,
            starts_at=base + timedelta(hours=rule.starts_after_hours),
            ends_at=base + timedelta(hours=rule.starts_after_hours + rule.window_hours),
        )
        for rule in session.procedure.aftercare_rules
    ]


def active_aftercare(patient_id: int, at: datetime) -> Sequence[SessionAftercare]:
    """The patient's aftercare rows whose window contains `at`, earliest end first."""
    return db.session.scalars(
        sa.select(SessionAftercare)
        .where(
            SessionAftercare.patient_id == patient_id,
            SessionAftercare.starts_at <= at,
            SessionAftercare.ends_at > at,
        )
        .order_by(SessionAftercare.ends_at, SessionAftercare.id)
    ).all()
