"""session areas: passes and laser settings are recorded per area (they differ between areas in practice), and
each injection site has a depth.

Existing drafts are migrated: their session-wide passes and laser settings are copied onto each of their areas
(a draft with settings but no area gets one area, "Area not recorded", for the dermatologist to name), then
cleared from the session. Signed sessions keep their session-wide values as signed: a signed record is frozen,
and its signature (treatments/signing.py) covers them; area settings enter the signed content only when recorded,
so every signature made before this revision still verifies.

Revision ID: 0053_session_areas
Revises: 0052_amendment_chain
Create Date: 2026-11-27 10:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0053_session_areas"
down_revision = "0052_amendment_chain"
branch_labels = None
depends_on = None

SETTINGS = ("passes", "laser_wavelength_nm", "laser_fluence_j_cm2", "laser_spot_size_mm")
MEASURE = sa.Numeric(7, 3)

treatment_session = sa.table(
    "treatment_session",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("passes", sa.Integer),
    sa.column("laser_wavelength_nm", sa.Integer),
    sa.column("laser_fluence_j_cm2", MEASURE),
    sa.column("laser_spot_size_mm", MEASURE),
)
session_area = sa.table(
    "session_area",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("area", sa.String),
    sa.column("passes", sa.Integer),
    sa.column("laser_wavelength_nm", sa.Integer),
    sa.column("laser_fluence_j_cm2", MEASURE),
    sa.column("laser_spot_size_mm", MEASURE),
)


def upgrade():
    with op.batch_alter_table("session_area", schema=None) as batch_op:
        batch_op.add_column(sa.Column("passes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("laser_wavelength_nm", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("laser_fluence_j_cm2", MEASURE, nullable=True))
        batch_op.add_column(sa.Column("laser_spot_size_mm", MEASURE, nullable=True))
    with op.batch_alter_table("injection_site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("depth_mm", MEASURE, nullable=True))

    bind = op.get_bind()
    drafts = (
        bind.execute(
            sa.select(treatment_session).where(
                treatment_session.c.status == "draft",
                sa.or_(*(treatment_session.c[name].is_not(None) for name in SETTINGS)),
            )
        )
        .mappings()
        .all()
    )
    for draft in drafts:
        values = {name: draft[name] for name in SETTINGS}
        has_areas = bind.execute(
            sa.select(sa.func.count()).select_from(session_area).where(session_area.c.session_id == draft["id"])
        ).scalar()
        if has_areas:
            bind.execute(session_area.update().where(session_area.c.session_id == draft["id"]).values(**values))
        else:
            bind.execute(
                session_area.insert().values(session_id=draft["id"], position=0, area="Area not recorded", **values)
            )
        bind.execute(
            treatment_session.update()
            .where(treatment_session.c.id == draft["id"])
            .values(**{name: None for name in SETTINGS})
        )


def downgrade():
    # Drafts get their first area's settings back as session-wide values; other areas' settings and site depths
    # are lost (the schema before this revision cannot hold them).
    bind = op.get_bind()
    first_areas = (
        bind.execute(
            sa.select(session_area)
            .join(treatment_session, treatment_session.c.id == session_area.c.session_id)
            .where(treatment_session.c.status == "draft")
            .order_by(session_area.c.session_id, session_area.c.position, session_area.c.id)
        )
        .mappings()
        .all()
    )
    done = set()
    for area in first_areas:
        if area["session_id"] in done:
            continue
        done.add(area["session_id"])
        values = {name: area[name] for name in SETTINGS}
        if any(v is not None for v in values.values()):
            bind.execute(
                treatment_session.update().where(treatment_session.c.id == area["session_id"]).values(**values)
            )
    with op.batch_alter_table("injection_site", schema=None) as batch_op:
        batch_op.drop_column("depth_mm")
    with op.batch_alter_table("session_area", schema=None) as batch_op:
        batch_op.drop_column("laser_spot_size_mm")
        batch_op.drop_column("laser_fluence_j_cm2")
        batch_op.drop_column("laser_wavelength_nm")
        batch_op.drop_column("passes")
