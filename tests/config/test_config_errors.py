"""Each broken file yields exactly one problem naming the file, the line and what would be valid."""

import shutil
from pathlib import Path

import pytest

from bot.config.durations import format_duration, parse_duration
from bot.config.errors import ConfigError
from bot.config.loader import load_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", tmp_path / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", tmp_path / "oncall_schedules")
    return tmp_path


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` with `new`; return its 1-based line."""
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def only_problem(config_dir: Path):
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir / "app.yaml", env={})
    assert len(caught.value.problems) == 1, "\n".join(map(str, caught.value.problems))
    return caught.value.problems[0]


CASES = [
    # (file, old, new, expected words in the message)
    ("escalation_flows/prelaunch_review.yaml", "kind: multi_select", "kind: multiselect", "'multi_select'"),
    (
        "escalation_flows/prelaunch_review.yaml",
        "    required: true\n  - use: severity",
        "    requred: true\n  - use: severity",
        "did you mean 'required'",
    ),
    ("escalation_flows/pr_risk.yaml", "policy: ads-urgent", "policy: ads-urgnt", "unknown policy 'ads-urgnt'"),
    ("escalation_flows/live_violation.yaml", "raise_to: sev1", "raise_to: sev0", "unknown severity 'sev0'"),
    ("escalation_flows/advertiser_appeal.yaml", "default: sev4", "default: low", "unknown severity 'low'"),
    ("escalation_flows/_policies.yaml", "wait: 5m", "wait: 5 minutes", "is not a duration"),
    (
        "escalation_flows/_policies.yaml",
        "{schedule: ads-policy-oncall, layer: lead}]   #",
        "{user: lead}]   #",
        "Slack user id",
    ),
    ("escalation_flows/prelaunch_review.yaml", "  - use: campaign", "  - use: campain", "no shared field 'campain'"),
    (
        "escalation_flows/restricted_category.yaml",
        "      - {value: dating, label: Dating}\n",
        "      - {value: dating}\n",
        "missing required key 'label'",
    ),
    ("escalation_flows/live_violation.yaml", "field: violation_type", "field: violation", "no field 'violation'"),
    ("escalation_flows/_common.yaml", 'emoji: ":red_circle:"', "emoji: red", "should match pattern"),
    ("escalation_flows/prelaunch_review.yaml", "id: prelaunch_review", "id: prelaunch", "differs from the file name"),
    (
        "escalation_flows/pr_risk.yaml",
        "aliases: [press, pr, exec]",
        "aliases: [press, pr, appeal]",
        "'appeal' is also used",
    ),
    ("escalation_flows/advertiser_appeal.yaml", "title: Advertiser appeal", "title: [Advertiser appeal", "YAML syntax"),
    ("escalation_flows/pr_risk.yaml", "    kind: select\n", "    kind: select\n    kind: text\n", "duplicate key"),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), CASES, ids=[c[3][:30] for c in CASES])
def test_one_mistake_gives_one_problem_at_its_line(config_dir, file, old, new, expected):
    line = edit(config_dir / file, old, new)
    problem = only_problem(config_dir)
    assert problem.file.name == Path(file).name
    assert expected in str(problem)
    assert problem.line is not None and abs(problem.line - line) <= 1, (problem.line, line)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("timezone: Asia/Singapore", "timezone: Asia/Singapur", "unknown time zone"),
        ("escalations: C0ESCALATE", "escalations: ads-escalations", "Slack channel id"),
        ("case_prefix: ADS", "case_prefix: ads", "should match pattern"),
        ("tick_seconds: 0.5", "tick_seconds: 0", "greater than 0"),
        ("team: Ads", "teem: Ads", "did you mean 'team'"),
    ],
)
def test_app_yaml_mistakes_name_the_line(config_dir, old, new, expected):
    line = edit(config_dir / "app.yaml", old, new)
    problem = only_problem(config_dir)
    assert problem.file.name == "app.yaml"
    assert expected in str(problem)
    if "teem" not in new:
        assert problem.line == line


def test_a_step_naming_a_person_who_is_also_in_a_layer_is_a_warning_at_its_line(config_dir):
    line = edit(
        config_dir / "escalation_flows/_policies.yaml",
        "{schedule: ads-policy-oncall, layer: lead}]   #",
        "{user: U0LEAD2}]   #",
    )
    config = load_config(config_dir / "app.yaml", env={})
    (warning,) = [w for w in config.warnings if "also in layer" in str(w)]
    assert "U0LEAD2 is also in layer 'lead' of schedule 'ads-policy-oncall'" in str(warning)
    assert "{schedule: ads-policy-oncall, layer: lead}" in str(warning)
    assert warning.line == line


def test_several_mistakes_are_all_listed(config_dir):
    edit(config_dir / "escalation_flows/pr_risk.yaml", "policy: ads-urgent", "policy: nope")
    edit(config_dir / "escalation_flows/live_violation.yaml", "raise_to: sev1", "raise_to: sev0")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir / "app.yaml", env={})
    assert len(caught.value.problems) == 2


def test_database_url_overrides_store_url_and_relative_sqlite_is_beside_app_yaml(config_dir):
    config = load_config(config_dir / "app.yaml", env={})
    assert config.app.store_url == f"sqlite:///{config_dir / 'var' / 'escalations.db'}"
    config = load_config(config_dir / "app.yaml", env={"DATABASE_URL": "postgresql://db/x"})
    assert config.app.store_url == "postgresql://db/x"


def test_missing_flow_folder_is_a_problem(config_dir):
    shutil.rmtree(config_dir / "escalation_flows")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir / "app.yaml", env={})
    assert "does not exist" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "minutes"), [("10m", 10), ("4h", 240), ("1h30m", 90), ("2d", 2880), (15, 15), ("90s", 1.5)]
)
def test_durations_read_like_people_write_them(text, minutes):
    assert parse_duration(text).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "10", "ten minutes", "5 minutes", "0m", "1x", "-5m"])
def test_bad_durations_say_how_to_write_one(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_duration_is_readable():
    assert format_duration(parse_duration("1h30m")) == "1h 30m"
    assert format_duration(parse_duration("2d")) == "2d"
