"""`escalation-bot report burden`: per person, shifts/hours/pages by kind of time, and who covered whom."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli import main
from bot.domain import rota
from bot.store.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_burden_csv_and_table_over_a_month_with_an_override(tmp_path: Path, monkeypatch, capsys, shipped_config):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    store = Store.open(url)
    start = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # Tuesday 18:00 SGT
    schedule = shipped_config.schedules["ads-policy-oncall"]
    [natural] = [s for s in rota.shifts(schedule, start, start + timedelta(minutes=1)) if s.layer == "primary"]
    cover = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != natural.user_id)
    with store.transaction() as tx:
        override = rota.Override(None, schedule.id, "primary", cover, None, start, start + timedelta(hours=4))
        tx.overrides.add(override, created_by="U0LEAD1", now=start)
    store.close()
    args = ["report", "burden", "--since", "2026-11-01", "--until", "2026-12-01", "--config", str(ROOT / "app.yaml")]
    assert main([*args, "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    people = {row["user"]: row for row in table}
    assert set(people) >= {"U0SPEC1", "U0SPEC2", "U0SPEC3", "U0LEAD1", "U0LEAD2"}
    assert f"{natural.user_id} 4h" in people[cover]["covered"]
    assert f"{cover} 4h" in people[natural.user_id]["covered_by"]
    # November 2026 has 30 days: the primary layer is always covered, so its hours add up to 720.
    primary_members = {"U0SPEC1", "U0SPEC2", "U0SPEC3"}
    kinds = ("weekday", "weeknight", "weekend", "holiday")
    hours = sum(float(people[u][f"hours_{k}"]) for u in primary_members for k in kinds)
    leads = sum(float(people[u][f"hours_{k}"]) for u in ("U0LEAD1", "U0LEAD2") for k in kinds)
    assert leads == 720.0  # the duty lead: one person always
    assert hours >= 720.0  # primary always, plus secondary on weekends and holidays
    assert (
        float(people["U0LEAD1"]["hours_holiday"]) + float(people["U0LEAD2"]["hours_holiday"]) == 48.0
    )  # Deepavali (Sun 8 Nov) and its in-lieu Monday
    assert main([*args, "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[:3] == ["user", "shifts_weekday", "shifts_weeknight"]
