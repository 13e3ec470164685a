"""Schema migrations on real SQLite files and real Postgres: a database the first release filled
upgrades without losing a row, and a start against the wrong schema is refused with what to do."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.store.engine import build_engine
from bot.store.export import VIEWS
from bot.store.migrate import SchemaMismatch, head_revision, schema_state, upgrade, upgrade_to
from bot.store.store import Store

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def fill_first_release(conn) -> None:
    """Rows as the first release wrote them (its columns only), through plain SQL."""
    case = {  # no explicit id: the first release let the database number its cases
        "flow_id": "prelaunch_review",
        "status": "acknowledged",
        "is_open": True,
        "severity_id": "sev2",
        "reporter_id": "U0REP1",
        "advertiser": "Acme Foods",
        "advertiser_key": "acme foods",
        "campaign": "Spring launch",
        "campaign_key": "spring launch",
        "market": "SG",
        "summary": "Can this alcohol ad run before 10 p.m.?",
        "deadline_at": datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        "sensitive": False,
        "values": json.dumps({"ad_formats": ["video"]}),
        "intake_key": "view:V1:h1",
        "source_channel_id": None,
        "channel_id": "C0ESCALATE",
        "root_ts": "1700000000.000100",
        "permalink": "https://example.slack.com/archives/C0ESCALATE/p1700000000000100",
        "acknowledged_by": "U0SPEC1",
        "acknowledged_at": datetime(2026, 11, 20, 1, 4, tzinfo=UTC),
        "paging_generation": 1,
        "owner_id": "U0SPEC1",
        "outcome": None,
        "guidance": None,
        "policy_ref": None,
        "resolved_by": None,
        "resolved_at": None,
        "pauses": "[]",
        "created_at": T0,
        "updated_at": T0,
        "version": 3,
    }
    columns = ", ".join(f'"{name}"' for name in case)
    conn.execute(text(f"INSERT INTO cases ({columns}) VALUES ({', '.join(':' + n for n in case)})"), case)
    conn.execute(
        text("INSERT INTO case_events (case_id, at, kind, actor_id, data) VALUES (1, :at, 'opened', 'U0REP1', '{}')"),
        {"at": T0},
    )
    conn.execute(text("INSERT INTO case_followers (case_id, user_id, added_at) VALUES (1, 'U0REP1', :at)"), {"at": T0})
    conn.execute(
        text(
            "INSERT INTO jobs (kind, key, case_id, payload, state, due_at, attempts, max_attempts, created_at) "
            "VALUES ('escalate', 'escalate:1:1:1:2', 1, '{\"level\": 2}', 'pending', :due, 0, 8, :at)"
        ),
        {"due": datetime(2026, 11, 20, 1, 15, tzinfo=UTC), "at": T0},
    )
    conn.execute(
        text(
            "INSERT INTO pages (case_id, generation, round, level, nth, user_id, channel_id, ts, sent_at) "
            "VALUES (1, 1, 1, 1, 0, 'U0SPEC1', 'D0SPEC1', '1700000001.000200', :at)"
        ),
        {"at": T0},
    )
    conn.execute(
        text(
            "INSERT INTO overrides (schedule_id, layer, user_id, replaces, start_at, end_at, created_by, created_at) "
            "VALUES ('ads_policy', NULL, 'U0SPEC2', 'U0SPEC1', :start, :end, 'U0LEAD1', :at)"
        ),
        {"start": T0, "end": datetime(2026, 11, 21, 1, 0, tzinfo=UTC), "at": T0},
    )
    conn.execute(
        text(
            "INSERT INTO audit_events (at, kind, actor_id, subject, data) "
            "VALUES (:at, 'override_added', 'U0LEAD1', 'schedule:ads_policy', '{}')"
        ),
        {"at": T0},
    )
    conn.execute(text("INSERT INTO request_keys (key, seen_at) VALUES ('view:V1:h1', :at)"), {"at": T0})


def first_release_views(conn) -> None:
    """The reporting views as the first release made them (before the Salesforce columns)."""
    views = dict(VIEWS)
    views["bi_cases"] = views["bi_cases"].replace(
        ",\n               salesforce_object, CASE WHEN sensitive THEN NULL ELSE salesforce_id END AS salesforce_id", ""
    )
    assert "salesforce" not in views["bi_cases"]
    for name, body in views.items():
        sql = body.replace("e.data LIKE", "e.data::text LIKE") if conn.dialect.name == "postgresql" else body
        conn.execute(text(f"CREATE VIEW {name} AS {sql}"))


def first_release_database(url: str) -> None:
    """A database as the first release left it: revision 0001, its views, and its rows."""
    engine = build_engine(url)
    upgrade_to(engine, "0001")
    with engine.begin() as conn:
        first_release_views(conn)
        fill_first_release(conn)
    engine.dispose()


def test_a_database_filled_by_the_first_release_upgrades_and_loses_nothing(store_url):
    first_release_database(store_url)
    with pytest.raises(
        SchemaMismatch, match=r"at revision 0001; this release needs .* run `escalation-bot db upgrade`"
    ):
        Store.open(store_url)

    engine = build_engine(store_url)
    before, after = upgrade(engine)
    engine.dispose()
    assert (before.status, before.current) == ("behind", "0001")
    assert (after.status, after.current) == ("current", head_revision())

    store = Store.open(store_url)
    try:
        with store.read() as tx:
            case = tx.cases.get(1)
            assert (case.human_id, case.advertiser, case.campaign, case.market) == (
                "ADS-1001",
                "Acme Foods",
                "Spring launch",
                "SG",
            )
            assert case.acknowledged_by == "U0SPEC1"
            assert case.deadline_at == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
            assert case.values == {"ad_formats": ["video"]}
            assert case.followers == ("U0REP1",)
            assert [e.kind for e in tx.cases.events(1)] == ["opened"]
            assert len(tx.cases.pages(1)) == 1
            assert tx.cases.by_intake_key("view:V1:h1").id == 1
            assert not tx.first_time("view:V1:h1", now=T0)
            assert [o.user_id for o in tx.overrides.active("ads_policy")] == ["U0SPEC2"]
        # The pending escalation step is still there and still runs.
        with store.transaction() as tx:
            due = tx.jobs.claim_due(
                now=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
                wall_now=T0,
                worker="w",
                lease=timedelta(seconds=60),
                limit=10,
            )
        assert [(j.kind, j.key, j.case_id) for j in due] == [("escalate", "escalate:1:1:1:2", 1)]
        # New cases after the upgrade carry on from the old ids.
        with store.transaction() as tx:
            from tests.store.test_cases import intake

            new = tx.cases.add(intake(campaign="Autumn"), now=T0)
        assert new.human_id == "ADS-1002"
        with store.read() as tx:
            rows = tx.session.execute(text("SELECT count(*) FROM bi_cases")).scalar_one()
        assert rows == 2
    finally:
        store.close()


def test_a_database_from_before_migrations_is_refused_then_upgraded(store_url):
    """The first release created its tables itself (no alembic_version): it counts as revision 0001."""
    first_release_database(store_url)
    engine = build_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    assert schema_state(engine).status == "unversioned"
    with pytest.raises(SchemaMismatch, match="from before migrations"):
        Store.open(store_url)
    before, after = upgrade(engine)
    assert (before.status, after.status) == ("unversioned", "current")
    engine.dispose()
    store = Store.open(store_url)
    try:
        with store.read() as tx:
            assert tx.cases.get(1).summary == "Can this alcohol ad run before 10 p.m.?"
    finally:
        store.close()


def test_a_newer_schema_is_refused(store_url):
    Store.open(store_url).close()
    engine = build_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaMismatch, match="9999_from_the_future, which this release does not know"):
        Store.open(store_url)
    with pytest.raises(SchemaMismatch, match="does not know"):
        upgrade(engine)
    engine.dispose()


def test_a_new_database_is_created_at_head_and_matches_the_tables_exactly(store_url):
    Store.open(store_url).close()
    engine = build_engine(store_url)
    assert schema_state(engine).status == "current"
    engine.dispose()


def test_the_migrations_build_exactly_the_schema_the_code_declares(store_url):
    """Upgrading from nothing through every revision gives what SQLModel.metadata says (no drift)."""
    engine = build_engine(store_url)
    upgrade_to(engine, "head")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_upgrading_twice_is_a_no_op(store_url):
    Store.open(store_url).close()
    engine = build_engine(store_url)
    before, after = upgrade(engine)
    engine.dispose()
    assert before.status == after.status == "current"


def test_calendar_feeds_revision_upgrades_a_0002_database_and_stores_only_token_hashes(store_url):
    engine = build_engine(store_url)
    upgrade_to(engine, "0002")
    with engine.connect() as conn:
        assert "calendar_feeds" not in {r[0] for r in conn.execute(text(_TABLES[engine.dialect.name]))}
    before, after = upgrade(engine)
    assert (before.current, after.status) == ("0002", "current")
    engine.dispose()
    store = Store.open(store_url)
    try:
        with store.transaction() as tx:
            tx.calendar_feeds.issue("U0SPEC1", token_hash="a" * 64, now=T0)
        with store.read() as tx:
            assert tx.calendar_feeds.owner("a" * 64) == "U0SPEC1"
            columns = tx.session.execute(text("SELECT * FROM calendar_feeds")).keys()
            assert set(columns) == {"id", "user_id", "token_hash", "created_at", "revoked_at"}
        with store.transaction() as tx:
            tx.calendar_feeds.issue("U0SPEC1", token_hash="b" * 64, now=T0)  # a new URL revokes the old
        with store.read() as tx:
            assert tx.calendar_feeds.owner("a" * 64) is None and tx.calendar_feeds.owner("b" * 64) == "U0SPEC1"
    finally:
        store.close()


_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
}


def test_first_page_revision_fills_the_hold_from_the_last_paging_started_event(store_url):
    """0007 moves "when is the first page" out of event JSON into cases.first_page_at: the last
    paging plan counts (a severity change starts a new one), a case never paged stays empty."""
    first_release_database(store_url)
    engine = build_engine(store_url)
    upgrade_to(engine, "0006")
    held, later = datetime(2026, 11, 23, 1, 0, tzinfo=UTC), datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    insert = text(
        "INSERT INTO case_events (case_id, at, kind, actor_id, data) VALUES (1, :at, 'paging_started', NULL, :data)"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"at": T0, "data": json.dumps({"generation": 1, "first_page_at": held.isoformat()})})
        conn.execute(insert, {"at": T0, "data": json.dumps({"generation": 2, "first_page_at": later.isoformat()})})
    before, after = upgrade(engine)
    engine.dispose()
    assert (before.current, after.status) == ("0006", "current")
    store = Store.open(store_url)
    try:
        with store.transaction() as tx:
            from tests.store.test_cases import intake

            new = tx.cases.add(intake(campaign="Autumn"), now=T0)
        with store.read() as tx:
            assert tx.cases.get(1).first_page_at == later
            assert tx.cases.get(new.id).first_page_at is None
    finally:
        store.close()


def test_the_head_read_from_the_migration_files_is_alembics_head():
    """Start-up reads where a database stands without importing Alembic; it must agree with Alembic."""
    from alembic.script import ScriptDirectory

    from bot.store.migrate import _config, _known

    script = ScriptDirectory.from_config(_config())
    assert head_revision() == script.get_current_head()
    assert all(_known(rev.revision) for rev in script.walk_revisions())
    assert not _known("9999")
