"""amendment chain: each amendment of a signed session stores the hash it follows (the signature, or the
previous amendment's hash) and its own SHA-256 over its content and that link.

Existing amendments are re-anchored here, in a documented way: for each signed session, its amendments in the
order they were made (created_at, then id) are chained from the session's stored signature, hashing each as
treatments.amendments.amendment_content does. From then on `flask treatments verify-signatures` checks the chain;
this revision cannot prove an amendment made before it was not altered before it ran.

Revision ID: 0052_amendment_chain
Revises: 0051_measured_precision
Create Date: 2026-11-27 09:55:00

"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

import clinic.db

# revision identifiers, used by Alembic.
revision = "0052_amendment_chain"
down_revision = "0051_measured_precision"
branch_labels = None
depends_on = None

amendment = sa.table(
    "session_amendment",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.Integer),
    sa.column("author_id", sa.Integer),
    sa.column("created_at", clinic.db.UTCDateTime()),
    sa.column("reason", sa.Text),
    sa.column("changes", sa.JSON),
    sa.column("previous_sha256", sa.String(64)),
    sa.column("sha256", sa.String(64)),
)
treatment_session = sa.table(
    "treatment_session", sa.column("id", sa.Integer), sa.column("signature_sha256", sa.String(64))
)


def _hash(content: dict) -> str:
    """treatments.signing.content_hash, frozen here so later code changes cannot change this backfill."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade():
    with op.batch_alter_table("session_amendment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))

    bind = op.get_bind()
    rows = (
        bind.execute(
            sa.select(amendment, treatment_session.c.signature_sha256.label("signature"))
            .join(treatment_session, treatment_session.c.id == amendment.c.session_id)
            .order_by(amendment.c.session_id, amendment.c.created_at, amendment.c.id)
        )
        .mappings()
        .all()
    )
    heads: dict[int, str] = {}
    for row in rows:
        previous = heads.get(row["session_id"], row["signature"])
        digest = _hash(
            {
                "session_id": row["session_id"],
                "author_id": row["author_id"],
                "created_at": row["created_at"].astimezone(UTC).isoformat(),
                "reason": row["reason"],
                "changes": row["changes"],
                "previous_sha256": previous,
            }
        )
        bind.execute(
            amendment.update().where(amendment.c.id == row["id"]).values(previous_sha256=previous, sha256=digest)
        )
        heads[row["session_id"]] = digest

    with op.batch_alter_table("session_amendment", schema=None) as batch_op:
        batch_op.alter_column("previous_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_session_amendment_previous", ["session_id", "previous_sha256"])


def downgrade():
    with op.batch_alter_table("session_amendment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_session_amendment_previous", type_="unique")
        batch_op.drop_column("sha256")
        batch_op.drop_column("previous_sha256")
