"""lot safety: lot status (recalled, quarantined) with reason, the exosome sources a consent named, the safety
settings and inbox, structured adverse events with their products and lots, and signals.

Revision ID: 0120_lot_safety
Revises: 0110_procedure_prep
Create Date: 2026-12-08 01:31:53

"""

from alembic import op
import sqlalchemy as sa

import clinic.db
from clinic.db import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = "0120_lot_safety"
down_revision = "0110_procedure_prep"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "safety_settings",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("lot_cluster_events", sa.Integer(), nullable=False),
        sa.Column("lot_cluster_days", sa.Integer(), nullable=False),
        sa.Column("rate_window_days", sa.Integer(), nullable=False),
        sa.Column("rate_multiplier", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("recall_notice", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "lot_cluster_days > 0 AND rate_window_days > 0", name=op.f("ck_safety_settings_windows_positive")
        ),
        sa.CheckConstraint("lot_cluster_events >= 2", name=op.f("ck_safety_settings_cluster_events_min")),
        sa.CheckConstraint("rate_multiplier > 0", name=op.f("ck_safety_settings_multiplier_positive")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_safety_settings_clinic_id_clinic")),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_safety_settings")),
    )
    op.create_table(
        "safety_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("raised_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('lot_cluster', 'product_rate')", name=op.f("ck_safety_signal_kind")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_safety_signal_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["lot_id"], ["product_lot.id"], name=op.f("fk_safety_signal_lot_id_product_lot")),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedure.id"], name=op.f("fk_safety_signal_procedure_id_procedure")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_safety_signal_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_signal")),
        sa.UniqueConstraint("clinic_id", "key", name="uq_safety_signal_clinic_key"),
    )
    with op.batch_alter_table("safety_signal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_signal_clinic_id"), ["clinic_id"], unique=False)

    op.create_table(
        "safety_inbox_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("signal_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=80), nullable=False),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", clinic.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('lot_recall', 'signal')", name=op.f("ck_safety_inbox_item_kind")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_safety_inbox_item_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["lot_id"], ["product_lot.id"], name=op.f("fk_safety_inbox_item_lot_id_product_lot")),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["safety_signal.id"], name=op.f("fk_safety_inbox_item_signal_id_safety_signal")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_safety_inbox_item_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_inbox_item")),
        sa.UniqueConstraint("user_id", "dedupe_key", name="uq_safety_inbox_item_user_key"),
    )
    with op.batch_alter_table("safety_inbox_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_inbox_item_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_safety_inbox_item_user_id"), ["user_id"], unique=False)

    op.create_table(
        "adverse_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("problem_report_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("onset_on", sa.Date(), nullable=False),
        sa.Column("seriousness", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('recovered', 'recovering', 'not_recovered', 'recovered_with_sequelae', 'fatal', 'unknown')",
            name=op.f("ck_adverse_event_outcome"),
        ),
        sa.CheckConstraint(
            "seriousness IN ('non_serious', 'required_intervention', 'hospitalization', 'disability', 'life_threatening', 'death', 'other_serious')",
            name=op.f("ck_adverse_event_seriousness"),
        ),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_adverse_event_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_adverse_event_patient_id_patient")),
        sa.ForeignKeyConstraint(
            ["problem_report_id"], ["problem_report.id"], name=op.f("fk_adverse_event_problem_report_id_problem_report")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedure.id"], name=op.f("fk_adverse_event_procedure_id_procedure")
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], name=op.f("fk_adverse_event_recorded_by_id_user")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["treatment_session.id"], name=op.f("fk_adverse_event_session_id_treatment_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event")),
        sa.UniqueConstraint("problem_report_id", name=op.f("uq_adverse_event_problem_report_id")),
    )
    with op.batch_alter_table("adverse_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adverse_event_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_adverse_event_clinic_onset", ["clinic_id", "onset_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_adverse_event_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_adverse_event_session_id"), ["session_id"], unique=False)

    op.create_table(
        "adverse_event_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["adverse_event.id"], name=op.f("fk_adverse_event_lot_event_id_adverse_event")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["product_lot.id"], name=op.f("fk_adverse_event_lot_lot_id_product_lot")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_adverse_event_lot_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event_lot")),
        sa.UniqueConstraint("event_id", "product_id", "lot_id", name="uq_adverse_event_lot"),
    )
    with op.batch_alter_table("adverse_event_lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adverse_event_lot_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_adverse_event_lot_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_adverse_event_lot_product_id"), ["product_id"], unique=False)

    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_sources", sa.JSON(), nullable=True))

    with op.batch_alter_table("product_lot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=12), server_default="active", nullable=False))
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("status_changed_at", clinic.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status_changed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_product_lot_status_changed_by_id_user"), "user", ["status_changed_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_product_lot_status"), "status IN ('active', 'recalled', 'quarantined')"
        )


def downgrade():
    # SQLite rebuilds product_lot and consent to drop columns, while other tables reference them.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("product_lot", schema=None) as batch_op:
            batch_op.drop_constraint(op.f("ck_product_lot_status"), type_="check")
            batch_op.drop_constraint(batch_op.f("fk_product_lot_status_changed_by_id_user"), type_="foreignkey")
            batch_op.drop_column("status_changed_by_id")
            batch_op.drop_column("status_changed_at")
            batch_op.drop_column("status_reason")
            batch_op.drop_column("status")

        with op.batch_alter_table("consent", schema=None) as batch_op:
            batch_op.drop_column("product_sources")

    with op.batch_alter_table("adverse_event_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_event_lot_product_id"))
        batch_op.drop_index(batch_op.f("ix_adverse_event_lot_lot_id"))
        batch_op.drop_index(batch_op.f("ix_adverse_event_lot_event_id"))

    op.drop_table("adverse_event_lot")
    with op.batch_alter_table("adverse_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_event_session_id"))
        batch_op.drop_index(batch_op.f("ix_adverse_event_patient_id"))
        batch_op.drop_index("ix_adverse_event_clinic_onset")
        batch_op.drop_index(batch_op.f("ix_adverse_event_clinic_id"))

    op.drop_table("adverse_event")
    with op.batch_alter_table("safety_inbox_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_inbox_item_user_id"))
        batch_op.drop_index(batch_op.f("ix_safety_inbox_item_clinic_id"))

    op.drop_table("safety_inbox_item")
    with op.batch_alter_table("safety_signal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_signal_clinic_id"))

    op.drop_table("safety_signal")
    op.drop_table("safety_settings")
