"""room capabilities: rooms declare what they are equipped for (laser, microneedling, injections) and an
appointment type may require one; the booking service and the slot finder only use rooms that can host it.

Existing appointment types get the capability their procedure's kind needs (laser → laser, microneedling
and scalp topical → microneedling, scalp injection → injections). Existing rooms cannot be guessed (the
migration does not know which room holds the laser), so they get every capability: booking keeps working
as before, and an admin narrows each room's equipment on the scheduling resources page.

Revision ID: 0031_room_capabilities
Revises: 0030_patient_overlap
Create Date: 2026-11-27 09:50:00

"""

import sqlalchemy as sa
from alembic import op

# Written out, not imported: a migration must not change when the models do.
ALL_CAPABILITIES = '["injections", "laser", "microneedling"]'
CAPABILITY_FOR_PROCEDURE_KIND = {
    "microneedling": "microneedling",
    "laser": "laser",
    "scalp_topical": "microneedling",
    "scalp_injection": "injections",
}

# revision identifiers, used by Alembic.
revision = "0031_room_capabilities"
down_revision = "0030_patient_overlap"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capabilities", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("appointment_type", schema=None) as batch_op:
        batch_op.add_column(sa.Column("required_capability", sa.String(length=20), nullable=True))

    connection = op.get_bind()
    value = "CAST(:all AS JSON)" if connection.dialect.name == "postgresql" else ":all"
    connection.execute(sa.text(f"UPDATE room SET capabilities = {value}"), {"all": ALL_CAPABILITIES})
    for kind, capability in CAPABILITY_FOR_PROCEDURE_KIND.items():
        connection.execute(
            sa.text(
                "UPDATE appointment_type SET required_capability = :capability WHERE procedure_id IN "
                "(SELECT id FROM procedure WHERE kind = :kind)"
            ),
            {"capability": capability, "kind": kind},
        )


def downgrade():
    with op.batch_alter_table("appointment_type", schema=None) as batch_op:
        batch_op.drop_column("required_capability")
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.drop_column("capabilities")
