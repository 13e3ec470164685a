"""The hold of the first page in its own column: when the current paging plan pages its first level.

Read by the filed view ("nobody is paged before …") and the rep's withdraw offer, which both parsed it
from the JSON of the last `paging_started` event before. Filled here from those events.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_page_at", sa.DateTime(timezone=True), nullable=True))
    events = sa.table("case_events", sa.column("id"), sa.column("case_id"), sa.column("kind"), sa.column("data"))
    cases = sa.table("cases", sa.column("id"), sa.column("first_page_at", sa.DateTime(timezone=True)))
    bind = op.get_bind()
    latest: dict[int, datetime] = {}
    rows = bind.execute(
        sa.select(events.c.case_id, events.c.data).where(events.c.kind == "paging_started").order_by(events.c.id)
    )
    for case_id, data in rows:
        found = (json.loads(data) if isinstance(data, str) else data or {}).get("first_page_at")
        if found:
            latest[int(case_id)] = datetime.fromisoformat(str(found)).astimezone(UTC)
    for case_id, at in latest.items():
        bind.execute(sa.update(cases).where(cases.c.id == case_id).values(first_page_at=at))


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore the backup taken before `db upgrade`")
