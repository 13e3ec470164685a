"""Alembic's environment: always run by bot.store.migrate with a connection it already holds."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from bot.store import engine as _engine  # noqa: F401  (registers every table on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them; Alembic's batch mode does that
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
