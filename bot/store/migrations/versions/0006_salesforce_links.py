"""Salesforce links understood: the linked record's type and 18-character id in their own columns
(searchable with `find`, in bi_cases and the export), and the Slack message a case was escalated from.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salesforce_object", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("salesforce_id", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("source_message", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_cases_salesforce_id", ["salesforce_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore the backup taken before `db upgrade`")
