"""Policy guidance: what reps did with guides (guide_events), drafts from resolved cases (guide_drafts),
and the guide that answered a withdrawn case (cases.answered_by_guide).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:39:18.118268
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guide_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("guide_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("policy_area", sa.String(length=100), nullable=False),
        sa.Column("markets", sa.JSON(), nullable=False),
        sa.Column("flows", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("policy_url", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=32), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    with op.batch_alter_table("guide_drafts", schema=None) as batch_op:
        batch_op.create_index("ix_guide_drafts_state", ["state", "id"], unique=False)

    op.create_table(
        "guide_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("market", sa.String(length=32), nullable=True),
        sa.Column("flow_id", sa.String(length=64), nullable=True),
        sa.Column("guide_ids", sa.JSON(), nullable=False),
        sa.Column("top_guide_id", sa.String(length=100), nullable=True),
        sa.Column("top_score", sa.Float(), nullable=True),
        sa.Column("good_match", sa.Boolean(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("guide_events", schema=None) as batch_op:
        batch_op.create_index("ix_guide_events_kind_at", ["kind", "at"], unique=False)
        batch_op.create_index("ix_guide_events_top", ["top_guide_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_by_guide", sa.String(length=100), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore the backup taken before `db upgrade`")
