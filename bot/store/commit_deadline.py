"""The server's half of the ack-path budget (Postgres): a transaction that set a commit deadline
cannot commit after it. A client that gave up (and told the rep "not filed — try again") may still
have a COMMIT held in a stalled network; when the bytes arrive late the database refuses it, so
nothing is ever filed after the person saw a failure.

A deferred constraint trigger runs at COMMIT, on the database's clock (`clock_timestamp()`), for any
transaction that wrote a case or a job; transactions without a deadline pay one `current_setting`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from bot.store.tables import CaseRow, JobRow

SETTING = "bot.commit_deadline"

FUNCTION = f"""
CREATE OR REPLACE FUNCTION bot_commit_deadline() RETURNS trigger AS $$
DECLARE deadline text := current_setting('{SETTING}', true);
BEGIN
  IF deadline IS NOT NULL AND deadline <> '' AND clock_timestamp() > deadline::timestamptz THEN
    RAISE EXCEPTION 'commit deadline passed: the client gave up on this transaction'
      USING ERRCODE = '57014';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def _trigger(table: str) -> str:
    return (
        f"CREATE CONSTRAINT TRIGGER {table}_commit_deadline AFTER INSERT OR UPDATE ON {table} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bot_commit_deadline()"
    )


TABLES = ("cases", "jobs")


def install(conn: Any) -> None:
    """Create the function and the triggers (migration 0003)."""
    conn.exec_driver_sql(FUNCTION)
    for table in TABLES:
        conn.exec_driver_sql(_trigger(table))


def uninstall(conn: Any) -> None:
    for table in TABLES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_commit_deadline ON {table}")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS bot_commit_deadline()")


# A database created from the tables (a first start) gets them too.
def _after_create(target: Any, connection: Any, **_: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(FUNCTION)
        connection.exec_driver_sql(_trigger(target.name))


for _row in (CaseRow, JobRow):
    event.listen(_row.__table__, "after_create", _after_create)
