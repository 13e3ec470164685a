"""Shifts as iCalendar files, read back with the same library a calendar app would use."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from bot.cli import main
from bot.domain import rota
from bot.oncall_export import export_ics

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_each_person_gets_their_shifts_with_stable_ids(shipped_config, tmp_path: Path):
    files = export_ics(shipped_config, out_dir=tmp_path, now=NOW, days=14)
    assert {f.name for f in files} >= {"U0SPEC1.ics", "U0SPEC2.ics", "U0SPEC3.ics", "U0LEAD1.ics"}
    calendar = Calendar.from_ical((tmp_path / "U0SPEC1.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    expected = [
        s
        for s in rota.shifts(shipped_config.schedules["ads-policy-oncall"], NOW, NOW + timedelta(days=14))
        if s.user_id == "U0SPEC1"
    ]
    assert len(events) == len(expected) > 0
    first = events[0]
    assert first.decoded("dtstart") == expected[0].start_at
    assert first.decoded("dtend") == expected[0].end_at
    assert str(first["summary"]).startswith("On call: Ads policy on-call (")
    again = export_ics(shipped_config, out_dir=tmp_path / "again", now=NOW, days=14)
    uids = {str(e["uid"]) for e in Calendar.from_ical(again[0].read_bytes()).walk("VEVENT")}
    assert uids == {str(e["uid"]) for e in Calendar.from_ical(files[0].read_bytes()).walk("VEVENT")}


def test_an_override_shows_in_the_covering_persons_calendar(shipped_config, tmp_path: Path):
    override = rota.Override(1, "ads-policy-oncall", "primary", "U0LEAD2", None, NOW, NOW + timedelta(hours=3))
    export_ics(
        shipped_config, out_dir=tmp_path, now=NOW, days=2, overrides={"ads-policy-oncall": (override,)}, only="U0LEAD2"
    )
    events = list(Calendar.from_ical((tmp_path / "U0LEAD2.ics").read_bytes()).walk("VEVENT"))
    assert any("override" in str(e["description"]) for e in events)


def test_cli_writes_the_files(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    root = Path(__file__).resolve().parents[1]
    assert main(["db", "upgrade", "--config", str(root / "app.yaml")]) == 0
    assert main(["oncall", "export", "--ics", "--out", str(tmp_path / "ics"), "--config", str(root / "app.yaml")]) == 0
    assert "U0SPEC1.ics" in capsys.readouterr().out
