"""Export and the reporting views agree, on SQLite and Postgres."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.domain.case import CaseStatus
from bot.domain.intake import Intake
from bot.domain.salesforce import SalesforceRecord
from bot.export import export
from tests.store.test_cases import SEV2

SGT = ZoneInfo("Asia/Singapore")
DAY = datetime(2026, 11, 24, 10, 0, tzinfo=SGT)
SALESFORCE = SalesforceRecord("Opportunity", "0065g00000AbCdEAAV")


def export_day(
    store, out_dir: Path, *, fmt: str = "csv", until: date = date(2026, 11, 25)
) -> tuple[list[Path], int, int]:
    """Export from DAY's date up to `until` (SGT days): the files, and how many cases and events they hold."""
    return export(store, since=DAY.date(), until=until, tz=SGT, fmt=fmt, out_dir=out_dir)


def seed(store) -> None:
    with store.transaction() as tx:
        for n in range(6):
            now = DAY + timedelta(hours=n)
            case = tx.cases.add(
                Intake(
                    "prelaunch_review",
                    "U0REP1",
                    SEV2,
                    ("flow default",),
                    f"Adv {n}",
                    "Camp",
                    "SG",
                    None,
                    "q",
                    sensitive=n == 5,
                ),
                now=now,
            )
            if n < 3:
                tx.cases.change(
                    case.id,
                    now=now,
                    status=CaseStatus.RESOLVED,
                    resolved_at=now + timedelta(hours=1),
                    outcome="approved",
                )
            if n == 1:
                tx.cases.add_event(case.id, kind="sla_breach", now=now, data={"which": "resolve"})
            if n == 2:
                tx.cases.add_event(case.id, kind="deadline_passed", now=now, data={"name": "passed"})
        tx.cases.add(
            Intake("pr_risk", "U0REP2", SEV2, (), "Later", "X", "SG", None, "q", False), now=DAY + timedelta(days=2)
        )


def test_csv_export_holds_the_cases_of_the_range_and_hides_sensitive_names(store, tmp_path):
    seed(store)
    files, cases, events = export_day(store, tmp_path)
    assert (cases, events) == (6, 8)  # 6 opened events + a breach + a missed deadline
    rows = list(csv.DictReader(files[0].open()))
    assert [r["case"] for r in rows] == [f"ADS-{1001 + n}" for n in range(6)]
    assert rows[5]["advertiser"] == "" and rows[0]["advertiser"] == "Adv 0"
    assert [r["status"] for r in rows].count("resolved") == 3
    kinds = [r["kind"] for r in csv.DictReader(files[1].open())]
    assert kinds.count("opened") == 6 and "sla_breach" in kinds


def test_jsonl_export_is_one_object_a_line(store, tmp_path):
    seed(store)
    [path], cases, _ = export_day(store, tmp_path, fmt="jsonl", until=date(2026, 11, 27))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert cases == 7 and sum(1 for line in lines if line["type"] == "case") == 7


def test_the_views_return_the_same_numbers_as_the_export(store, tmp_path):
    seed(store)
    _, cases, _ = export_day(store, tmp_path)
    start, end = DAY.replace(hour=0).astimezone(UTC), (DAY.replace(hour=0) + timedelta(days=1)).astimezone(UTC)
    with store.read() as tx:

        def scalar(sql: str) -> int:
            return int(tx.session.execute(text(sql), {"start": start, "end": end}).scalar_one())

        in_range = "created_at >= :start AND created_at < :end"
        assert scalar(f"SELECT count(*) FROM bi_cases WHERE {in_range}") == cases
        assert scalar(f"SELECT count(*) FROM bi_cases WHERE {in_range} AND outcome = 'approved'") == 3
        assert scalar(f"SELECT count(*) FROM bi_cases WHERE {in_range} AND advertiser IS NULL") == 1
        assert scalar("SELECT count(*) FROM bi_sla_outcomes WHERE resolve_breached") == 1
        assert scalar("SELECT count(*) FROM bi_sla_outcomes WHERE deadline_missed") == 1
        assert scalar("SELECT count(*) FROM bi_events WHERE kind = 'opened'") == 7


def test_the_views_and_the_digest_agree(store, shipped_config):
    from bot.services.digest_data import read_digest

    seed(store)
    now = DAY + timedelta(days=3)
    digest = read_digest(store, shipped_config, now=now, since=DAY - timedelta(hours=1), late=False)
    with store.read() as tx:
        open_in_view = tx.session.execute(
            text("SELECT count(*) FROM bi_cases WHERE status NOT IN ('resolved', 'closed')")
        ).scalar_one()
        resolved_in_view = tx.session.execute(
            text("SELECT count(*) FROM bi_cases WHERE resolved_at IS NOT NULL AND resolved_at >= :since"),
            {"since": (DAY - timedelta(hours=1)).astimezone(UTC)},
        ).scalar_one()
    assert digest.open_total == open_in_view == 4
    assert digest.resolved.total == resolved_in_view == 3


def export_salesforce_case(store, out_dir: Path, *, flow_id: str, sensitive: bool) -> dict[str, str]:
    """File one case linked to a Salesforce opportunity on DAY and export the day: the case's CSV row."""
    with store.transaction() as tx:
        tx.cases.add(
            Intake(flow_id, "U0REP1", SEV2, (), "Acme", "Camp", "SG", None, "q", sensitive, salesforce=SALESFORCE),
            now=DAY,
        )
    files, _, _ = export_day(store, out_dir)
    [row] = list(csv.DictReader(files[0].open()))
    return row


def test_the_salesforce_record_is_in_the_export_and_the_view(store, tmp_path):
    row = export_salesforce_case(store, tmp_path, flow_id="prelaunch_review", sensitive=False)
    assert (row["salesforce_object"], row["salesforce_id"]) == ("Opportunity", "0065g00000AbCdEAAV")
    with store.read() as tx:
        got = tx.session.execute(text("SELECT salesforce_object, salesforce_id FROM bi_cases")).one()
        assert tuple(got) == ("Opportunity", "0065g00000AbCdEAAV")
        assert [c.id for c in tx.cases.search("0065g00000AbCdE", since=DAY - timedelta(days=1))] == [1]
        assert tx.cases.search("0065g00000XyZab", since=DAY - timedelta(days=1)) == []


def test_a_sensitive_cases_salesforce_id_stays_out_of_the_export_and_the_view(store, tmp_path):
    row = export_salesforce_case(store, tmp_path, flow_id="live_violation", sensitive=True)
    assert (row["salesforce_object"], row["salesforce_id"]) == ("Opportunity", "")
    with store.read() as tx:
        got = tx.session.execute(text("SELECT salesforce_object, salesforce_id FROM bi_cases")).one()
        assert tuple(got) == ("Opportunity", None)


def _hostile(store) -> None:
    with store.transaction() as tx:
        for n, (advertiser, sensitive) in enumerate(
            [('=HYPERLINK("http://x.test","a")', False), ("+cmd|' /C calc'!A0", False), ("CANARY-EXP", True)]
        ):
            case = tx.cases.add(
                Intake("prelaunch_review", "U0REP1", SEV2, (), advertiser, "@SUM(1)", "SG", None, "-2+3", sensitive),
                now=DAY + timedelta(hours=n),
            )
            tx.cases.add_event(
                case.id,
                kind="resolve",
                actor_id="U0SPEC1",
                now=DAY,
                data={"text": "\tCANARY-EXP note" if sensitive else "\tplain note", "after": {}},
            )
            tx.cases.change(case.id, now=DAY, policy_ref="=CANARY-EXP policy" if sensitive else "\rref")


def test_csv_cells_that_start_a_formula_are_neutralised(store, tmp_path):
    _hostile(store)
    files, _, _ = export_day(store, tmp_path)
    rows = list(csv.DictReader(files[0].open(newline="")))
    assert rows[0]["advertiser"] == '\'=HYPERLINK("http://x.test","a")'
    assert rows[1]["advertiser"].startswith("'+cmd") and rows[0]["campaign"] == "'@SUM(1)"
    assert rows[1]["policy_ref"] == "'\rref"
    cells = [v for f in files for r in csv.reader(f.open(newline="")) for v in r]
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in cells)


def test_export_omits_sensitive_case_details_and_files_are_private(store, tmp_path):
    _hostile(store)
    for fmt in ("csv", "jsonl"):
        files, _, _ = export_day(store, tmp_path / fmt, fmt=fmt)
        for path in files:
            assert "CANARY-EXP" not in path.read_text(encoding="utf-8")
            assert path.stat().st_mode & 0o777 == 0o600
    # a non-sensitive case's event keeps its details; a sensitive one's (2 events: opened, resolve) are omitted
    events = list(csv.DictReader((tmp_path / "csv" / "events-2026-11-24-2026-11-25.csv").open(newline="")))
    assert sum("note" in e["data"] for e in events) == 2 and sum("omitted" in e["data"] for e in events) == 2


def test_the_bi_views_hide_sensitive_details(store):
    _hostile(store)
    with store.read() as tx:
        for view in ("bi_cases", "bi_events", "bi_pages", "bi_sla_outcomes"):
            rows = tx.session.execute(text(f"SELECT * FROM {view}")).all()
            assert "CANARY-EXP" not in repr(rows), view
