"""Loading policy_guides/: each mistake stops start-up with its file and line; stale articles only warn."""

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.config.errors import ConfigError, ConfigProblem
from bot.config.guides import load_guides
from bot.config.loader import load_config

ROOT = Path(__file__).resolve().parents[2]
FLOWS = {p.stem for p in (ROOT / "escalation_flows").glob("*.yaml") if not p.name.startswith("_")}
TODAY = date(2026, 11, 25)
VALID = """\
---
title: Alcohol ads in Singapore
policy_area: alcohol
markets: [SG]
flows: [prelaunch_review]
keywords: [beer, wine]
owner: U0POLICY1
last_reviewed: 2026-11-02
policy_url: https://policies.example.com/alcohol
---
Adults only, and video only after 22:00.
"""


def load(folder: Path, today: date = TODAY) -> tuple[list, list[ConfigProblem], list[ConfigProblem]]:
    problems: list[ConfigProblem] = []
    warnings: list[ConfigProblem] = []
    guides = load_guides(folder, flow_ids=FLOWS, today=today, problems=problems, warnings=warnings)
    return list(guides), problems, warnings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "guides" / "alcohol-sg.md", VALID)
    return tmp_path / "guides"


def test_a_valid_article_loads_with_defaults(folder: Path):
    guides, problems, warnings = load(folder)
    assert problems == [] and warnings == []
    (guide,) = guides
    assert guide.id == "alcohol-sg"
    assert guide.markets == ("SG",) and guide.flows == ("prelaunch_review",)
    assert guide.review_every == timedelta(days=180)
    assert guide.body == "Adults only, and video only after 22:00."


def test_a_missing_folder_means_no_guides(tmp_path: Path):
    assert load(tmp_path / "nowhere") == ([], [], [])


def test_readme_and_underscore_files_are_not_articles(folder: Path):
    write(folder / "README.md", "# How to write guides\n")
    write(folder / "_template.md", "---\ntitle: x\n---\n")
    guides, problems, _ = load(folder)
    assert problems == [] and [g.id for g in guides] == ["alcohol-sg"]


MISTAKES = [
    # (what is replaced, by what, the line it is on, words in the message, words in the hint)
    ("title: Alcohol ads in Singapore\n", "", 2, "missing required key 'title'", ""),
    ("title: Alcohol ads in Singapore", "title: '  '", 2, "at least 1 character", ""),
    (
        "flows: [prelaunch_review]",
        "flows: [prelaunch_reviw]",
        5,
        "unknown flow id 'prelaunch_reviw'",
        "prelaunch_review",
    ),
    ("markets: [SG]", "markets: [SG, XX]", 4, "unknown market 'XX'", "ALL"),
    ("markets: [SG]", "markets: []", 4, "at least 1 item", ""),
    ("last_reviewed: 2026-11-02", "last_reviewed: 2026-02-30", 8, "day is out of range", "YYYY-MM-DD"),
    ("last_reviewed: 2026-11-02", "last_reviewed: last week", 8, "'last week' is not a date", "YYYY-MM-DD"),
    ("owner: U0POLICY1", "owner: alice", 7, "should match pattern", "Slack user id"),
    ("policy_url: https://policies.example.com/alcohol", "policy_url: policies/alcohol", 9, "pattern", "full link"),
    ("keywords: [beer, wine]", "keywrds: [beer, wine]", 6, "unknown key 'keywrds'", "did you mean 'keywords'?"),
    ("keywords: [beer, wine]", "keywords: [beer, 404]", 6, "valid string", "quotes"),
    ("policy_area: alcohol", "policy_area: Alcohol & Spirits", 3, "pattern", "lower-case"),
    ("owner: U0POLICY1\n", "owner: U0POLICY1\nreview_every: 6 months\n", 8, "is not a duration", "180d"),
    ("Adults only, and video only after 22:00.\n", "\n\n", 11, "empty body", "below"),
    ("keywords: [beer, wine]", "keywords: [beer, wine", 7, "YAML syntax", "quoting"),
    ("---\ntitle", "title", 1, "no front matter", "'---'"),
    ("---\nAdults", "Adults", 1, "front matter is not closed", "'---'"),
]


@pytest.mark.parametrize(("old", "new", "line", "message", "hint"), MISTAKES, ids=[m[3] for m in MISTAKES])
def test_each_mistake_is_one_problem_with_file_and_line(folder: Path, old, new, line, message, hint):
    path = folder / "alcohol-sg.md"
    assert old in VALID
    write(path, VALID.replace(old, new, 1))
    guides, problems, _ = load(folder)
    assert guides == []
    assert len(problems) == 1, "\n".join(map(str, problems))
    (problem,) = problems
    assert (problem.file, problem.line) == (path, line), str(problem)
    assert message in problem.message and hint in problem.hint, str(problem)
    assert str(problem).startswith(f"{path}:{line}:")


def test_a_duplicate_id_names_both_files(folder: Path):
    copy = write(folder / "zz-copy.md", VALID.replace("---\ntitle", "---\nid: alcohol-sg\ntitle", 1))
    guides, problems, _ = load(folder)
    assert [g.id for g in guides] == ["alcohol-sg"]
    (problem,) = problems
    assert (problem.file, problem.line) == (copy, 2)
    assert "'alcohol-sg' is also used by alcohol-sg.md" in problem.message


def test_a_file_name_that_is_not_an_id_needs_an_id_key(folder: Path):
    write(folder / "Alcohol SG.md", VALID)
    _, problems, _ = load(folder)
    assert [(p.file.name, p.line) for p in problems] == [("Alcohol SG.md", 1)]
    assert "not an id" in problems[0].message


def test_translations_attach_to_their_article(folder: Path):
    write(
        folder / "translations" / "ja-JP" / "alcohol-sg.md", "---\ntitle: 酒類広告\nkeywords: [酒]\n---\n成人のみ。\n"
    )
    (guide,), problems, _ = load(folder)
    assert problems == []
    (translation,) = guide.translations
    assert (translation.locale, translation.title, translation.body, translation.keywords) == (
        "ja-JP",
        "酒類広告",
        "成人のみ。",
        ("酒",),
    )


def test_a_translation_of_an_unknown_article_is_an_error(folder: Path):
    path = write(folder / "translations" / "ja-JP" / "alcohol-sgp.md", "---\ntitle: 酒類広告\n---\n成人のみ。\n")
    _, problems, _ = load(folder)
    (problem,) = problems
    assert (problem.file, problem.line) == (path, 1)
    assert "translation of unknown guide 'alcohol-sgp'" in problem.message and "alcohol-sg.md" in problem.hint


def test_a_broken_article_is_reported_once_not_again_through_its_translation(folder: Path):
    write(folder / "alcohol-sg.md", VALID.replace("markets: [SG]", "markets: [XX]"))
    write(folder / "translations" / "ja-JP" / "alcohol-sg.md", "---\ntitle: 酒類広告\n---\n成人のみ。\n")
    _, problems, _ = load(folder)
    assert [(p.file.name, p.line) for p in problems] == [("alcohol-sg.md", 4)]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\ntitle: 酒類広告\n---\n\n", 4, "empty body"),
        ("---\ntitel: 酒類広告\n---\n成人のみ。\n", 2, "unknown key 'titel'"),
    ],
)
def test_a_broken_translation_is_one_problem(folder: Path, text: str, line: int, message: str):
    path = write(folder / "translations" / "ja-JP" / "alcohol-sg.md", text)
    _, problems, _ = load(folder)
    assert [(p.file, p.line) for p in problems] == [(path, line)]
    assert message in problems[0].message


def test_a_locale_folder_must_be_named_like_a_locale(folder: Path):
    write(folder / "translations" / "japanese" / "alcohol-sg.md", "---\ntitle: 酒類広告\n---\n成人のみ。\n")
    _, problems, _ = load(folder)
    assert len(problems) == 1 and "'japanese' is not a locale" in problems[0].message


def test_an_article_past_its_review_date_is_a_warning_on_its_last_reviewed_line(folder: Path):
    write(folder / "quarterly.md", VALID.replace("owner: U0POLICY1\n", "owner: U0POLICY1\nreview_every: 90d\n"))
    guides, problems, warnings = load(folder, today=date(2027, 3, 1))
    assert problems == [] and len(guides) == 2
    (warning,) = warnings
    assert (warning.file, warning.line, warning.where) == (folder / "quarterly.md", 9, "last_reviewed")
    assert "due for review on 2027-01-31" in warning.message and "U0POLICY1" in warning.hint


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", tmp_path / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", tmp_path / "oncall_schedules")
    write(tmp_path / "policy_guides" / "alcohol-sg.md", VALID)
    return tmp_path


def test_the_configuration_carries_the_guides(config_dir: Path):
    config = load_config(config_dir / "app.yaml", env={}, now=datetime(2026, 11, 25, tzinfo=UTC))
    assert [g.id for g in config.guides] == ["alcohol-sg"]
    assert config.app.guides_dir == (config_dir / "policy_guides").resolve()


def test_review_warnings_use_the_clock_and_join_the_configuration_warnings(config_dir: Path):
    with freeze_time("2027-05-01 16:30:00"):  # 00:30 on 2 May in Singapore: the day after it fell due
        config = load_config(config_dir / "app.yaml", env={})
    assert [(w.file.name, w.line) for w in config.warnings if w.where == "last_reviewed"] == [("alcohol-sg.md", 8)]
    with freeze_time("2027-05-01 15:30:00"):  # 23:30 on 1 May in Singapore: still due today
        config = load_config(config_dir / "app.yaml", env={})
    assert not [w for w in config.warnings if w.where == "last_reviewed"]


def test_an_invalid_article_stops_the_configuration(config_dir: Path):
    path = config_dir / "policy_guides" / "alcohol-sg.md"
    write(path, VALID.replace("flows: [prelaunch_review]", "flows: [pre_launch]"))
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir / "app.yaml", env={})
    assert [str(p) for p in caught.value.problems] == [
        f"{path.resolve()}:5: flows[0]: unknown flow id 'pre_launch' (hint: did you mean 'prelaunch_review'?)"
    ]


def test_a_missing_guides_folder_is_not_an_error(config_dir: Path):
    shutil.rmtree(config_dir / "policy_guides")
    assert load_config(config_dir / "app.yaml", env={}).guides == ()


def test_the_shipped_guides_load_without_problems_or_overdue_reviews_today():
    problems: list[ConfigProblem] = []
    warnings: list[ConfigProblem] = []
    guides = load_guides(ROOT / "policy_guides", flow_ids=FLOWS, today=TODAY, problems=problems, warnings=warnings)
    assert problems == [] and warnings == []
    assert len(guides) >= 30
    assert {t.locale for g in guides for t in g.translations} >= {"ja-JP", "zh-CN", "zh-TW", "id-ID"}
    assert all(g.policy_url.startswith("https://policies.example.com/") for g in guides)
