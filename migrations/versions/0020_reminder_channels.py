"""reminder channels: one preference row per patient and channel (e-mail, SMS) and opt-ins per topic,
replacing reminder_preference and scheduling's appointment_preference; SMS delivery status on the outbox.

Data: each reminder_preference row becomes an e-mail channel row with the same times and quiet hours;
`opted_out` or `email_enabled = false` become e-mail opt-outs of the "routine" and "aftercare" topics
(what they stopped before); appointment_preference.email_reminders becomes the e-mail opt-in of the
"appointment" topic. Downgrade folds them back.

Revision ID: 0020_reminder_channels
Revises: 0007_scheduling_followups
Create Date: 2026-11-27 09:30:00

"""

import sqlalchemy as sa
from alembic import op

import clinic.db

# revision identifiers, used by Alembic.
revision = "0020_reminder_channels"
down_revision = "0011_staff_totp"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminder_channel_preference",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("address", sa.String(length=20), nullable=True),
        sa.Column("am_minute", sa.Integer(), nullable=False),
        sa.Column("pm_minute", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("consent_source", sa.String(length=10), nullable=True),
        sa.Column("consent_at", clinic.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_reminder_channel_preference_channel")),
        sa.CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR (quiet_start BETWEEN 0 AND 1439 AND quiet_end BETWEEN 0 AND 1439 AND quiet_start <> quiet_end)",
            name=op.f("ck_reminder_channel_preference_quiet_hours"),
        ),
        sa.CheckConstraint("am_minute BETWEEN 0 AND 1439", name=op.f("ck_reminder_channel_preference_am_range")),
        sa.CheckConstraint("pm_minute BETWEEN 0 AND 1439", name=op.f("ck_reminder_channel_preference_pm_range")),
        sa.ForeignKeyConstraint(
            ["consent_by_id"], ["user.id"], name=op.f("fk_reminder_channel_preference_consent_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_reminder_channel_preference_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", "channel", name=op.f("pk_reminder_channel_preference")),
    )
    with op.batch_alter_table("reminder_channel_preference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_channel_preference_address"), ["address"], unique=False)

    op.create_table(
        "reminder_opt_in",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("topic", sa.String(length=30), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_reminder_opt_in_patient_id_patient")),
        sa.PrimaryKeyConstraint("patient_id", "channel", "topic", name=op.f("pk_reminder_opt_in")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_message_message_id"), ["message_id"], unique=False)

    # Data: the old rows, in their new shape.
    op.execute(
        "INSERT INTO reminder_channel_preference (patient_id, channel, enabled, am_minute, pm_minute, quiet_start,"
        " quiet_end, created_at, updated_at)"
        " SELECT patient_id, 'email', true, am_minute, pm_minute, quiet_start, quiet_end, created_at, updated_at"
        " FROM reminder_preference"
    )
    for topic in ("routine", "aftercare"):
        op.execute(
            "INSERT INTO reminder_opt_in (patient_id, channel, topic, wanted)"
            f" SELECT patient_id, 'email', '{topic}', false FROM reminder_preference"
            " WHERE opted_out OR NOT email_enabled"
        )
    op.execute(
        "INSERT INTO reminder_opt_in (patient_id, channel, topic, wanted)"
        " SELECT patient_id, 'email', 'appointment', email_reminders FROM appointment_preference"
    )
    op.drop_table("reminder_preference")
    op.drop_table("appointment_preference")


def downgrade():
    op.create_table(
        "appointment_preference",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("email_reminders", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_appointment_preference_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_appointment_preference")),
    )
    op.create_table(
        "reminder_preference",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("am_minute", sa.Integer(), nullable=False),
        sa.Column("pm_minute", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("email_enabled", sa.Boolean(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR (quiet_start BETWEEN 0 AND 1439 AND quiet_end BETWEEN 0 AND 1439 AND quiet_start <> quiet_end)",
            name=op.f("ck_reminder_preference_quiet_hours"),
        ),
        sa.CheckConstraint("am_minute BETWEEN 0 AND 1439", name=op.f("ck_reminder_preference_am_range")),
        sa.CheckConstraint("pm_minute BETWEEN 0 AND 1439", name=op.f("ck_reminder_preference_pm_range")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_reminder_preference_patient_id_patient")),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_reminder_preference")),
    )
    op.execute(
        "INSERT INTO reminder_preference (patient_id, am_minute, pm_minute, quiet_start, quiet_end, email_enabled,"
        " opted_out, created_at, updated_at)"
        " SELECT p.patient_id, p.am_minute, p.pm_minute, p.quiet_start, p.quiet_end, p.enabled,"
        " EXISTS (SELECT 1 FROM reminder_opt_in o WHERE o.patient_id = p.patient_id AND o.channel = 'email'"
        " AND o.topic = 'routine' AND NOT o.wanted), p.created_at, p.updated_at"
        " FROM reminder_channel_preference p WHERE p.channel = 'email'"
    )
    op.execute(
        "INSERT INTO appointment_preference (patient_id, email_reminders)"
        " SELECT patient_id, wanted FROM reminder_opt_in WHERE channel = 'email' AND topic = 'appointment'"
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_message_id"))
        batch_op.drop_column("delivery_status")
    op.drop_table("reminder_opt_in")
    with op.batch_alter_table("reminder_channel_preference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_channel_preference_address"))
    op.drop_table("reminder_channel_preference")
