"""contacts.yaml: every mistake names the file, the line and what would be valid."""

from pathlib import Path

import pytest

from bot.config.contacts import load_contacts
from bot.config.errors import ConfigProblem
from bot.domain.contact import MethodKind, Urgency

ROOT = Path(__file__).resolve().parents[2]


def problems_for(tmp_path: Path, text: str) -> list[ConfigProblem]:
    (tmp_path / "contacts.yaml").write_text(text)
    problems: list[ConfigProblem] = []
    load_contacts(tmp_path, problems, severity_ids={"sev1", "sev2", "sev3", "sev4"})
    return problems


def test_shipped_contacts_load():
    problems: list[ConfigProblem] = []
    book = load_contacts(ROOT, problems, severity_ids={"sev1", "sev2", "sev3", "sev4"})
    assert problems == []
    assert book.people["U0SPEC1"].methods[MethodKind.SMS].address == "+6590000001"
    assert book.rules_for("U0SPEC3", Urgency.HIGH)[1].after.total_seconds() == 60


def test_no_file_means_slack_only(tmp_path: Path):
    problems: list[ConfigProblem] = []
    assert load_contacts(tmp_path, problems).people == {}
    assert problems == []


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("people:\n  U0SPEC1:\n    sms: '6590000001'\n", 3, ["sms", "not an E.164", "E.164"]),
        ("people:\n  U0SPEC1:\n    voice: '+65 9000 0001'\n", 3, ["voice", "E.164"]),
        ("people:\n  U0SPEC1:\n    fax: '+6590000001'\n", 3, ["unknown key 'fax'"]),
        ("people:\n  someone:\n    sms: '+6590000001'\n", 2, ["people.someone"]),
        (
            "people:\n  U0SPEC1:\n    sms: '+6590000001'\n    rules:\n      high:\n        - {method: voice}\n",
            6,
            ["U0SPEC1 has no voice contact method", "add `voice:`"],
        ),
        (
            "people:\n  U0SPEC1:\n    rules:\n      high:\n        - {method: pigeon}\n",
            5,
            ["method", "one of: slack, sms"],
        ),
        ("people:\n  U0SPEC1:\n    email: not-an-address\n", 3, ["email"]),
        ("high_urgency: [sev1, sev9]\n", 1, ["unknown severity 'sev9'"]),
        ("people:\n  U0SPEC1:\n    rules:\n      low:\n        - {method: slack, after: soon}\n", 5, ["duration"]),
    ],
)
def test_each_mistake_is_one_problem_with_its_line(tmp_path: Path, text: str, line: int, words: list[str]):
    problems = problems_for(tmp_path, text)
    assert len(problems) == 1, problems
    rendered = str(problems[0])
    assert f"contacts.yaml:{line}:" in rendered, rendered
    for word in words:
        assert word in rendered, rendered
