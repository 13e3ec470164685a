"""The shipped rota loads and covers 2027; each broken schedule file yields one problem at its line."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.config.errors import ConfigProblem
from bot.config.schedules import load_placeholders, load_schedules
from bot.domain.rota import Layer, Schedule, coverage_gaps, is_email, on_call, shifts, unreachable_rotations

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "oncall_schedules"
FILE = "ads-policy-oncall.yaml"
SGT = ZoneInfo("Asia/Singapore")
YEAR_2027 = (datetime(2027, 1, 1, tzinfo=SGT), datetime(2028, 1, 1, tzinfo=SGT))


@pytest.fixture(scope="module")
def shipped() -> Schedule:
    problems: list[ConfigProblem] = []
    schedules = load_schedules(SHIPPED, problems)
    assert problems == []
    return schedules["ads-policy-oncall"]


def rotation_at(schedule: Schedule, at: datetime, layer: str = "primary") -> str | None:
    found = shifts(schedule, at, at + timedelta(minutes=1), layer=layer)
    return found[0].rotation if found else None


# --- the shipped rota ---------------------------------------------------------------------------


def test_the_shipped_rota_loads_with_the_layers_policies_page(shipped):
    assert [layer.name for layer in shipped.layers] == ["primary", "secondary", "lead"]
    assert shipped.timezone == SGT and shipped.channel_id == "C0ESCALATE"
    assert [r.name for r in shipped.layer("primary").rotations] == ["business-hours", "after-hours", "weekend-holiday"]
    assert {date(2027, 2, 8), date(2027, 12, 25)} <= shipped.holidays


def test_the_shipped_rota_lists_its_placeholder_people():
    assert load_placeholders(SHIPPED) == {"ads-policy-oncall": ("U0SPEC1", "U0SPEC2", "U0SPEC3", "U0LEAD1", "U0LEAD2")}


@pytest.mark.parametrize(
    ("local", "rotation"),
    [
        ((2027, 1, 1, 10), "weekend-holiday"),  # New Year's Day, a Friday
        ((2027, 1, 4, 10), "business-hours"),  # Monday
        ((2027, 1, 5, 3), "after-hours"),  # 3 a.m. on a Tuesday
        ((2027, 2, 6, 12), "weekend-holiday"),  # Chinese New Year on a Saturday
        ((2027, 2, 8, 12), "weekend-holiday"),  # ... its in-lieu Monday
        ((2027, 2, 9, 12), "business-hours"),
        ((2027, 3, 10, 12), "weekend-holiday"),  # Hari Raya Puasa, a Wednesday
        ((2027, 3, 10, 20), "weekend-holiday"),
        ((2027, 3, 11, 8), "after-hours"),
        ((2027, 3, 26, 12), "weekend-holiday"),  # Good Friday
        ((2027, 8, 9, 12), "weekend-holiday"),  # National Day, a Monday
        ((2027, 10, 28, 12), "weekend-holiday"),  # Deepavali, a Thursday
        ((2027, 12, 24, 17, 59), "business-hours"),  # Christmas Eve is a working day
        ((2027, 12, 24, 18), "after-hours"),
        ((2027, 12, 25, 8), "weekend-holiday"),  # Christmas on a Saturday: no in-lieu Monday in SG
        ((2027, 12, 27, 10), "business-hours"),
    ],
)
def test_the_shipped_rota_resolves_singapore_holidays_in_2027(shipped, local, rotation):
    assert rotation_at(shipped, datetime(*local, tzinfo=SGT)) == rotation


def test_every_2027_public_holiday_and_weekday_goes_to_the_right_rotation(shipped):
    sg = holidays.country_holidays("SG", years=2027)
    day = date(2027, 1, 1)
    while day.year == 2027:
        noon = datetime.combine(day, time(12), tzinfo=SGT)
        expected = "weekend-holiday" if day in sg or day.weekday() >= 5 else "business-hours"
        assert rotation_at(shipped, noon) == expected, day
        day += timedelta(days=1)


def test_the_shipped_rota_names_people_for_a_week_in_2027(shipped):
    # Monday 2027-03-08 begins turn 61 since 2026-01-05; the weekend of 03-13 is turn 61 since 01-10.
    assert on_call(shipped, datetime(2027, 3, 9, 10, tzinfo=SGT)) == {
        "primary": ("U0SPEC2",),
        "secondary": (),
        "lead": ("U0LEAD2",),
    }
    assert on_call(shipped, datetime(2027, 3, 9, 23, tzinfo=SGT))["primary"] == ("U0SPEC3",)
    assert on_call(shipped, datetime(2027, 3, 13, 10, tzinfo=SGT)) == {
        "primary": ("U0SPEC1",),
        "secondary": ("U0SPEC2",),
        "lead": ("U0LEAD2",),
    }


def test_the_shipped_rota_has_no_gaps_in_2027_and_primary_and_secondary_never_coincide(shipped):
    assert coverage_gaps(shipped, *YEAR_2027) == []
    assert {rule.layer for rule in shipped.coverage.rules} == {"primary", "secondary", "lead"}
    assert unreachable_rotations(shipped, *YEAR_2027) == []
    primary = shifts(shipped, *YEAR_2027, layer="primary")
    for backup in shifts(shipped, *YEAR_2027, layer="secondary"):
        overlapping = [s for s in primary if s.start_at < backup.end_at and backup.start_at < s.end_at]
        assert overlapping and all(s.user_id != backup.user_id for s in overlapping)


def test_removing_the_after_hours_rotation_plants_gaps_that_coverage_finds(shipped):
    primary = shipped.layer("primary")
    without = tuple(r for r in primary.rotations if r.name != "after-hours")
    planted = replace(shipped, layers=(Layer("primary", without), *shipped.layers[1:]))
    gaps = coverage_gaps(planted, *YEAR_2027)
    assert gaps and {g.layer for g in gaps} == {"primary"}
    tuesday_night = datetime(2027, 1, 5, 3, tzinfo=SGT)
    assert any(g.start_at <= tuesday_night < g.end_at for g in gaps)


# --- one mistake, one problem ---------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(SHIPPED / FILE, tmp_path / FILE)
    return tmp_path


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` with `new`; return its 1-based line."""
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def only_problem(folder: Path) -> ConfigProblem:
    problems: list[ConfigProblem] = []
    schedules = load_schedules(folder, problems)
    assert len(problems) == 1, "\n".join(map(str, problems))
    assert schedules == {}
    return problems[0]


AFTER_HOURS_MEMBERS = "members: [U0SPEC2, U0SPEC3, U0SPEC1]"
BRUNCH = """    - rotation: saturday-brunch
      members: [U0LEAD1]
      length: weekly
      handoff: {weekday: mon, time: "09:00"}
      start: 2026-01-05
      when:
        - {days: [sat], from: "10:00", to: "12:00"}

    # Weekends (Saturday"""

CASES = [
    # (old, new, expected words in the problem)
    ("timezone: Asia/Singapore", "timezone: Asia/Singapur", "unknown time zone 'Asia/Singapur'"),
    ("id: ads-policy-oncall", "id: ads-oncall", "differs from the file name"),
    ("channel: C0ESCALATE", "channel: escalations", "Slack channel id"),
    ("  country: SG", "  country: XX", "no public holidays known for country 'XX'"),
    ("  subdivision: null", "  subdivision: ZZ", "SG has no subdivision 'ZZ'"),
    ("handoff: {weekday: mon,", "handoff: {weekday: mond,", "unknown weekday 'mond'"),
    ('- {days: weekdays, from: "09:00"', '- {days: weekdays, from: "25:00"', "'25:00' is not a time of day"),
    ('from: "09:00", to: "18:00"}', 'from: "09:00", to: 18:00}', "unquoted time 18:00 as the number 1080"),
    ("{days: weekdays, from", "{days: workdays, from", "unknown weekday 'workdays'"),
    ("holidays: exclude}", "holidays: skip}", "'include', 'exclude' or 'only'"),
    ("rotation: after-hours", "rotation: business-hours", "'business-hours' is used twice"),
    (AFTER_HOURS_MEMBERS, "members: []", "at least one member"),
    (AFTER_HOURS_MEMBERS, "members: [U0SPEC2, bob, U0SPEC1]", "neither a Slack user id nor an e-mail"),
    ("placeholders: [U0SPEC1,", "placeholders: [spec1,", "neither a Slack user id nor an e-mail"),
    ("start: 2026-01-05           # a Monday:", "start: next monday          #", "'next monday' is not a date"),
    ("start: 2026-01-10           # a Saturday", "start: 2026-01-11", "is a Sunday but handoffs are on Saturday"),
    ("length: weekly              #", "lenght: weekly              #", "did you mean 'length'"),
    ("length: weekly              #", "length: fortnight           #", "'fortnight' is not a turn length"),
    ("length: weekly              #", "length: daily               #", "needs turns of whole weeks"),
    ("length: weekly              #", "length: 30m                 #", "too short"),
    ("  lead: always", "  leads: always", "coverage names no layer 'leads'"),
    ("title: Ads policy on-call", "title: [Ads policy on-call", "YAML syntax"),
    ("    # Weekends (Saturday", BRUNCH, "'saturday-brunch' is never on call"),
    ("\n        - {holidays: only}\n\n  secondary:", "\n\n  secondary:", "nobody is on call for 'primary'"),
    # A rotation that stops on 30 June 2027 — far beyond any fixed look-ahead — is found now.
    (
        '- {days: weekdays, from: "18:00", to: "09:00", holidays: exclude}',
        '- {days: weekdays, from: "18:00", to: "09:00", holidays: exclude, '
        "dates: [{from: 2026-01-05, to: 2027-06-30}]}",
        "nobody is on call for 'primary' from Thu 2027-07-01 00:00",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES, ids=[c[2][:40] for c in CASES])
def test_one_mistake_gives_one_problem_at_its_line_with_a_hint(folder, old, new, expected):
    line = edit(folder / FILE, old, new)
    problem = only_problem(folder)
    assert problem.file.name == FILE
    assert expected in str(problem)
    assert problem.hint, str(problem)
    if "nobody is on call" in expected:  # reported where coverage asks for the layer
        assert problem.line == edit(folder / FILE, "  primary: always", "  primary: always")
    else:
        assert problem.line is not None and abs(problem.line - line) <= 1, (problem.line, line)


def test_a_missing_after_hours_rotation_is_reported_as_a_primary_gap(folder):
    text = (folder / FILE).read_text()
    start = text.index("    # Weekday nights")
    end = text.index("    # Weekends (Saturday")
    (folder / FILE).write_text(text[:start] + text[end:])
    problem = only_problem(folder)
    assert "nobody is on call for 'primary'" in problem.message and "more gap" in problem.message
    assert problem.where == "coverage.primary"


def test_several_files_load_and_emails_are_kept_as_emails(folder):
    text = (folder / FILE).read_text().replace("id: ads-policy-oncall", "id: ads-backup", 1)
    (folder / "ads-backup.yaml").write_text(text.replace("members: [U0LEAD1, U0LEAD2]", "members: [maya@adsco.test]"))
    problems: list[ConfigProblem] = []
    schedules = load_schedules(folder, problems)
    assert problems == []
    assert set(schedules) == {"ads-policy-oncall", "ads-backup"}
    lead = on_call(schedules["ads-backup"], datetime(2027, 3, 9, 10, tzinfo=SGT))["lead"]
    assert lead == ("maya@adsco.test",) and is_email(lead[0])
    assert load_placeholders(folder)["ads-backup"] == ("U0SPEC1", "U0SPEC2", "U0SPEC3")


def test_holidays_follow_the_default_country_and_the_extra_and_exclude_lists(folder):
    text = (folder / FILE).read_text()
    text = text.replace("  country: SG", "  country: null").replace("  extra: []", "  extra: [2027-12-24]")
    (folder / FILE).write_text(text.replace("  exclude: []", "  exclude: [2027-12-25]"))
    problems: list[ConfigProblem] = []
    malaysia = load_schedules(folder, problems, default_country="MY")["ads-policy-oncall"]
    assert problems == []
    assert date(2027, 8, 31) in malaysia.holidays  # Merdeka Day
    assert date(2027, 8, 9) not in malaysia.holidays  # Singapore's National Day
    assert date(2027, 12, 24) in malaysia.holidays and date(2027, 12, 25) not in malaysia.holidays


def test_a_folder_with_a_non_mapping_file_reports_it(folder):
    (folder / "broken.yaml").write_text("- just\n- a list\n")
    problems: list[ConfigProblem] = []
    assert set(load_schedules(folder, problems)) == {"ads-policy-oncall"}
    assert [p.file.name for p in problems] == ["broken.yaml"] and problems[0].line == 1


def test_the_horizon_reaches_the_last_dated_day_and_finds_a_holiday_gap_years_ahead(shipped):
    from bot.domain.rota import HolidayRule, defined_horizon, horizon_gaps

    _, end_at = defined_horizon(shipped)
    assert end_at.astimezone(SGT).year >= 2045  # the holiday table runs to 2045
    assert horizon_gaps(shipped) == []
    # Secondary must be covered on holidays. A company day off in 2031, with the holiday window of
    # secondary's rotation dated to end the day before: a gap five years ahead, found today.
    day_off = date(2031, 3, 4)  # a Tuesday
    assert day_off not in shipped.holidays

    def dated(window):
        return (
            replace(window, dates=((date(2020, 1, 1), date(2031, 3, 3)),))
            if window.holidays is HolidayRule.ONLY
            else window
        )

    [rotation] = shipped.layer("secondary").rotations
    secondary = Layer("secondary", (replace(rotation, restrictions=tuple(map(dated, rotation.restrictions))),))
    planted = replace(
        shipped,
        holidays=shipped.holidays | {day_off},
        layers=tuple(secondary if layer.name == "secondary" else layer for layer in shipped.layers),
    )
    gaps = horizon_gaps(planted)
    first = min(g.start_at for g in gaps if g.layer == "secondary")
    assert first == datetime.combine(day_off, time(0), tzinfo=SGT)  # and every holiday after it
