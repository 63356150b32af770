"""routine windows: aftercare becomes time windows over ingredient tags, applied to every step when a day
is shown (issue 14, items 10, 11, 20). Replaces the per-step `step_pause` rows and the recovery steps'
own `active_from`/`active_until`.

Each recorded procedure's windows are rebuilt from its procedure's aftercare rules; a pause that staff
shortened (every step_pause of that record and ingredient ended before the rule's end) keeps its earlier
end. Downgrade recreates the old columns and table empty of pauses (the windows cannot be folded back into
per-step rows faithfully) and gives recovery steps the span of their windows.

Revision ID: 0040_routine_windows
Revises: 0007_scheduling_followups
Create Date: 2026-11-27 09:50:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import clinic.db

# revision identifiers, used by Alembic.
revision = "0040_routine_windows"
down_revision = "0033_problem_replies"
branch_labels = None
depends_on = None

UTC_DT = clinic.db.UTCDateTime(timezone=True)

record_t = sa.table(
    "aftercare_record",
    sa.column("id", sa.Integer),
    sa.column("clinic_id", sa.Integer),
    sa.column("patient_id", sa.Integer),
    sa.column("procedure_id", sa.Integer),
    sa.column("session_ended_at", UTC_DT),
)
rule_t = sa.table(
    "aftercare_rule",
    sa.column("procedure_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("action", sa.String),
    sa.column("ingredient_tag", sa.String),
    sa.column("label", sa.String),
    sa.column("patient_instruction", sa.Text),
    sa.column("starts_after_hours", sa.Integer),
    sa.column("window_hours", sa.Integer),
    sa.column("step_slot", sa.String),
)
pause_t = sa.table(
    "step_pause",
    sa.column("step_id", sa.Integer),
    sa.column("aftercare_id", sa.Integer),
    sa.column("ends_at", UTC_DT),
)
step_t = sa.table(
    "routine_step",
    sa.column("id", sa.Integer),
    sa.column("product_id", sa.Integer),
    sa.column("aftercare_id", sa.Integer),
    sa.column("active_from", UTC_DT),
    sa.column("active_until", UTC_DT),
)
tag_t = sa.table("product_tag", sa.column("product_id", sa.Integer), sa.column("tag", sa.String))
window_t = sa.table(
    "routine_window",
    sa.column("clinic_id", sa.Integer),
    sa.column("patient_id", sa.Integer),
    sa.column("aftercare_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("ingredient_tag", sa.String),
    sa.column("label", sa.String),
    sa.column("patient_instruction", sa.Text),
    sa.column("step_slot", sa.String),
    sa.column("position", sa.Integer),
    sa.column("starts_at", UTC_DT),
    sa.column("ends_at", UTC_DT),
)


def _windows_from_records(conn) -> list[dict]:
    pause_ends: dict[tuple[int, str], list] = {}
    rows = conn.execute(
        sa.select(pause_t.c.aftercare_id, tag_t.c.tag, pause_t.c.ends_at)
        .select_from(
            pause_t.join(step_t, step_t.c.id == pause_t.c.step_id).join(
                tag_t, tag_t.c.product_id == step_t.c.product_id
            )
        )
        .where(pause_t.c.aftercare_id.is_not(None))
    )
    for aftercare_id, tag, ends_at in rows:
        pause_ends.setdefault((aftercare_id, tag), []).append(ends_at)
    windows = []
    records = conn.execute(sa.select(record_t)).all()
    for rec in records:
        rules = conn.execute(sa.select(rule_t).where(rule_t.c.procedure_id == rec.procedure_id)).all()
        for rule in rules:
            starts_at = rec.session_ended_at + timedelta(hours=rule.starts_after_hours)
            ends_at = starts_at + timedelta(hours=rule.window_hours)
            shortened = pause_ends.get((rec.id, rule.ingredient_tag)) if rule.action == "pause_tag" else None
            if shortened and max(shortened) < ends_at:
                ends_at = max(starts_at, max(shortened))
            windows.append(
                dict(
                    clinic_id=rec.clinic_id,
                    patient_id=rec.patient_id,
                    aftercare_id=rec.id,
                    action=rule.action,
                    ingredient_tag=rule.ingredient_tag,
                    label=rule.label,
                    patient_instruction=rule.patient_instruction,
                    step_slot=rule.step_slot,
                    position=rule.position,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
    return windows


def upgrade():
    op.create_table(
        "routine_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("aftercare_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("ingredient_tag", sa.String(length=30), nullable=True),
        sa.Column("label", sa.String(length=160), nullable=False),
        sa.Column("patient_instruction", sa.Text(), nullable=True),
        sa.Column("step_slot", sa.String(length=4), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "action <> 'pause_tag' OR ingredient_tag IS NOT NULL", name=op.f("ck_routine_window_pause_needs_tag")
        ),
        sa.CheckConstraint("action IN ('pause_tag', 'add_step', 'advise')", name=op.f("ck_routine_window_action")),
        sa.CheckConstraint("ends_at >= starts_at", name=op.f("ck_routine_window_window_order")),
        sa.ForeignKeyConstraint(
            ["aftercare_id"], ["aftercare_record.id"], name=op.f("fk_routine_window_aftercare_id_aftercare_record")
        ),
        sa.ForeignKeyConstraint(["changed_by_id"], ["user.id"], name=op.f("fk_routine_window_changed_by_id_user")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_routine_window_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_routine_window_patient_id_patient")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routine_window")),
    )
    with op.batch_alter_table("routine_window", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routine_window_aftercare_id"), ["aftercare_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_routine_window_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_routine_window_patient_ends", ["patient_id", "ends_at"], unique=False)

    windows = _windows_from_records(op.get_bind())
    if windows:
        op.bulk_insert(window_t, windows)

    with op.batch_alter_table("step_pause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_pause_step_id"))
        batch_op.drop_index(batch_op.f("ix_step_pause_aftercare_id"))
    op.drop_table("step_pause")

    with op.batch_alter_table("routine_step", schema=None) as batch_op:
        batch_op.drop_column("active_until")
        batch_op.drop_column("active_from")


def downgrade():
    with op.batch_alter_table("routine_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active_from", clinic.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("active_until", clinic.db.UTCDateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    spans = conn.execute(
        sa.select(window_t.c.aftercare_id, sa.func.min(window_t.c.starts_at), sa.func.max(window_t.c.ends_at))
        .where(window_t.c.action == "add_step", window_t.c.aftercare_id.is_not(None))
        .group_by(window_t.c.aftercare_id)
    ).all()
    for aftercare_id, starts_at, ends_at in spans:
        conn.execute(
            step_t.update()
            .where(step_t.c.aftercare_id == aftercare_id)
            .values(active_from=starts_at, active_until=ends_at)
        )

    op.create_table(
        "step_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("aftercare_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_at >= starts_at", name=op.f("ck_step_pause_window_order")),
        sa.ForeignKeyConstraint(
            ["aftercare_id"], ["aftercare_record.id"], name=op.f("fk_step_pause_aftercare_id_aftercare_record")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_step_pause_created_by_id_user")),
        sa.ForeignKeyConstraint(["step_id"], ["routine_step.id"], name=op.f("fk_step_pause_step_id_routine_step")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_pause")),
    )
    with op.batch_alter_table("step_pause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_step_pause_aftercare_id"), ["aftercare_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_pause_step_id"), ["step_id"], unique=False)

    with op.batch_alter_table("routine_window", schema=None) as batch_op:
        batch_op.drop_index("ix_routine_window_patient_ends")
        batch_op.drop_index(batch_op.f("ix_routine_window_clinic_id"))
        batch_op.drop_index(batch_op.f("ix_routine_window_aftercare_id"))
    op.drop_table("routine_window")
