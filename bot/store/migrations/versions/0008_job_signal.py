"""Postgres: a job that becomes pending sends NOTIFY bot_jobs at commit, so idle job runners sleep
until there is work instead of polling (bot/store/job_signal.py). Nothing changes on SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

from alembic import op

from bot.store import job_signal

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        job_signal.install(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore the backup taken before `db upgrade`")
