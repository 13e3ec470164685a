"""Alembic migrations of the store (run through bot.store.migrate, never by hand-edited SQL)."""
