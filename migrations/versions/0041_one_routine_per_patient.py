"""one routine per patient: fold the separate "Recovery after a procedure" routines that logging a session
used to create into the patient's own routine, and merge recovery steps that overlapping sessions stacked
(issue 14, items 10 and 21). Data only; the schema does not change.

A duplicate recovery step's ticks move to the step that stays, unless that step already has one for the
same day (then the duplicate's is dropped: it was the same application counted twice). A recovery routine
with no other open routine beside it stays, renamed "Home routine". Downgrade leaves the merged data as is.

Revision ID: 0041_one_routine_per_patient
Revises: 0040_routine_windows
Create Date: 2026-11-27 09:40:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0041_one_routine_per_patient"
down_revision = "0040_routine_windows"
branch_labels = None
depends_on = None

RECOVERY_GOAL = "Recovery after a procedure"

routine_t = sa.table(
    "routine",
    sa.column("id", sa.Integer),
    sa.column("patient_id", sa.Integer),
    sa.column("goal", sa.String),
    sa.column("concern", sa.String),
    sa.column("ends_on", sa.Date),
)
step_t = sa.table(
    "routine_step",
    sa.column("id", sa.Integer),
    sa.column("routine_id", sa.Integer),
    sa.column("slot", sa.String),
    sa.column("product_id", sa.Integer),
    sa.column("label", sa.String),
    sa.column("aftercare_id", sa.Integer),
)
log_t = sa.table(
    "adherence_log", sa.column("id", sa.Integer), sa.column("step_id", sa.Integer), sa.column("local_date", sa.Date)
)


def _fold_recovery_routines(conn) -> None:
    recovery = conn.execute(sa.select(routine_t).where(routine_t.c.goal == RECOVERY_GOAL).order_by(routine_t.c.id))
    for routine in recovery.all():
        target = conn.execute(
            sa.select(routine_t.c.id)
            .where(
                routine_t.c.patient_id == routine.patient_id,
                routine_t.c.id != routine.id,
                routine_t.c.goal != RECOVERY_GOAL,
                routine_t.c.ends_on.is_(None),
            )
            .order_by(routine_t.c.id)
            .limit(1)
        ).scalar()
        if target is None:
            conn.execute(
                routine_t.update().where(routine_t.c.id == routine.id).values(goal="Home routine", concern="other")
            )
            continue
        conn.execute(step_t.update().where(step_t.c.routine_id == routine.id).values(routine_id=target))
        conn.execute(routine_t.delete().where(routine_t.c.id == routine.id))


def _merge_duplicate_recovery_steps(conn) -> None:
    steps = conn.execute(sa.select(step_t).where(step_t.c.aftercare_id.is_not(None)).order_by(step_t.c.id)).all()
    keep: dict[tuple, int] = {}
    for step in steps:
        key = (step.routine_id, step.slot, step.product_id, None if step.product_id else step.label)
        if key not in keep:
            keep[key] = step.id
            continue
        kept = keep[key]
        kept_days = set(conn.execute(sa.select(log_t.c.local_date).where(log_t.c.step_id == kept)).scalars())
        logs = conn.execute(sa.select(log_t.c.id, log_t.c.local_date).where(log_t.c.step_id == step.id)).all()
        for log_id, day in logs:
            if day in kept_days:
                conn.execute(log_t.delete().where(log_t.c.id == log_id))
            else:
                conn.execute(log_t.update().where(log_t.c.id == log_id).values(step_id=kept))
                kept_days.add(day)
        conn.execute(step_t.delete().where(step_t.c.id == step.id))


def upgrade():
    conn = op.get_bind()
    _fold_recovery_routines(conn)
    _merge_duplicate_recovery_steps(conn)


def downgrade():
    pass  # merged rows are not split again; the schema is unchanged
