"""Shifts as iCalendar files, read back with the same library a calendar app would use."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from bot.cli import main
from bot.domain import rota
from bot.oncall_export import export_ics, person_calendar, whole_shifts

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_each_person_gets_their_shifts_with_stable_ids(shipped_config, tmp_path: Path):
    files = export_ics(shipped_config, out_dir=tmp_path, now=NOW, days=14)
    assert {f.name for f in files} >= {"U0SPEC1.ics", "U0SPEC2.ics", "U0SPEC3.ics", "U0LEAD1.ics"}
    calendar = Calendar.from_ical((tmp_path / "U0SPEC1.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    expected = [
        s
        for s in whole_shifts(shipped_config.schedules["ads-policy-oncall"], NOW, NOW + timedelta(days=14))
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


SCHEDULE = "ads-policy-oncall"


def events_of(body: bytes) -> dict[str, dict]:
    """UID → the event, read by icalendar and checked against a second, independent parser (`ical`)."""
    from ical.calendar_stream import IcsCalendarStream

    other = {
        e.uid: e
        for e in IcsCalendarStream.calendar_from_ics(body.decode()).timeline.overlapping(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
    }
    found = {}
    for event in Calendar.from_ical(body).walk("VEVENT"):
        uid = str(event["uid"])
        twin = other[uid]
        assert twin.dtstart == event.decoded("dtstart") and twin.dtend == event.decoded("dtend")
        assert (twin.sequence or 0) == int(event.get("sequence", 0))
        found[uid] = {
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "sequence": int(event.get("sequence", 0)),
            "last_modified": event.decoded("last-modified") if "last-modified" in event else None,
        }
    assert set(found) == set(other)
    return found


def feed(config, person, now, overrides=(), changes=(), days=14) -> dict[str, dict]:
    body = person_calendar(
        config,
        person,
        start_at=now,
        end_at=now + timedelta(days=days),
        overrides={SCHEDULE: tuple(overrides)},
        changes={SCHEDULE: tuple(changes)},
        stamp=now,
    )
    return events_of(body)


def test_a_shift_in_progress_keeps_its_real_start_and_uid_across_exports_an_hour_apart(shipped_config):
    schedule = shipped_config.schedules[SCHEDULE]
    now = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # Wednesday 15:00 SGT, mid business-hours shift
    [current] = [s for s in rota.shifts(schedule, now, now + timedelta(minutes=1)) if s.layer == "primary"]
    first = feed(shipped_config, current.user_id, now)
    later = feed(shipped_config, current.user_id, now + timedelta(hours=1))
    assert set(first) == set(later)  # the same events: a calendar updates, it does not duplicate
    in_progress = [e for e in first.values() if e["start"] < now < e["end"]]
    assert in_progress and all(e["start"] != now for e in in_progress)
    assert min(e["start"] for e in in_progress) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 SGT


def test_the_last_shift_is_whole_at_the_horizon(shipped_config):
    schedule = shipped_config.schedules[SCHEDULE]
    now = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    horizon = now + timedelta(days=14)  # Wednesday 15:00 SGT: the duty lead's week runs to Monday 09:00
    [lead] = [s for s in rota.shifts(schedule, horizon, horizon + timedelta(minutes=1)) if s.layer == "lead"]
    events = feed(shipped_config, lead.user_id, now)
    last = max(events.values(), key=lambda e: e["end"])
    assert last["end"] == datetime(2026, 12, 21, 1, 0, tzinfo=UTC)  # Monday 21 Dec 09:00 SGT, not the horizon
    assert last["start"] < horizon < last["end"]


def test_an_override_bumps_sequence_and_last_modified_of_the_shift_it_changes(shipped_config):
    schedule = shipped_config.schedules[SCHEDULE]
    now = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    tomorrow = now + timedelta(days=1)  # Thursday 15:00 SGT
    [shift] = [s for s in rota.shifts(schedule, tomorrow, tomorrow + timedelta(minutes=1)) if s.layer == "primary"]
    person = shift.user_id
    cover = "U0LEAD2"
    before = feed(shipped_config, person, now)
    override = rota.Override(7, SCHEDULE, "primary", cover, person, tomorrow, tomorrow + timedelta(hours=2))
    made_at = now + timedelta(minutes=5)
    after = feed(shipped_config, person, now, overrides=[override], changes=[(override, [made_at])])
    cut = [uid for uid in before if uid in after and after[uid]["end"] != before[uid]["end"]]
    assert cut, "the override cuts one of the person's shifts short, under the same UID"
    assert after[cut[0]]["sequence"] == 1 and after[cut[0]]["last_modified"] == made_at
    untouched = [uid for uid in before if uid in after and uid not in cut]
    assert all(after[uid]["sequence"] == 0 for uid in untouched)
    cancelled_at = now + timedelta(minutes=30)
    again = feed(shipped_config, person, now, changes=[(override, [made_at, cancelled_at])])
    assert again[cut[0]]["end"] == before[cut[0]]["end"]
    assert again[cut[0]]["sequence"] == 2 and again[cut[0]]["last_modified"] == cancelled_at
    covering = feed(shipped_config, cover, now, overrides=[override], changes=[(override, [made_at])])
    mine = [e for e in covering.values() if e["start"] == tomorrow]
    assert mine and mine[0]["sequence"] == 0  # the override's own event starts at revision 0
