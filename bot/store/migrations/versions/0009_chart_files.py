"""Chart files: what each weekly chart job uploaded (the Slack file id) or, after a failed upload, only its
text; App Home shows the newest week's charts from here instead of uploading them again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chart_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("alt_text", sa.String(length=2000), nullable=False),
        sa.Column("fallback", sa.String(length=3000), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("end_at", "channel_id", "name", name="uq_chart_files_report"),
    )
    with op.batch_alter_table("chart_files", schema=None) as batch_op:
        batch_op.create_index("ix_chart_files_end_at", ["end_at"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore the backup taken before `db upgrade`")
