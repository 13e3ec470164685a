"""Imports point one way: only bot/slack and slack_standin know Slack's libraries; SQL stays in bot/store."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
STANDIN = ROOT / "slack_standin"


def _runtime_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for child in ast.walk(node))
    names = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _files_outside(*folders: str):
    for path in BOT.rglob("*.py"):
        if not any(part in folders for part in path.relative_to(BOT).parts[:-1]):
            yield path


def test_only_the_slack_layer_imports_slack_libraries():
    for path in _files_outside("slack"):
        for name in _runtime_imports(path):
            assert not name.startswith(("slack_bolt", "slack_sdk")), f"{path.relative_to(BOT)} imports {name}"


def test_sql_libraries_stay_in_the_store():
    for path in _files_outside("store"):
        if path.name == "conftest.py":
            continue
        for name in _runtime_imports(path):
            assert not name.startswith(("sqlalchemy", "sqlmodel")), f"{path.relative_to(BOT)} imports {name}"


def test_the_stand_in_imports_nothing_of_the_bot():
    for path in STANDIN.rglob("*.py"):
        for name in _runtime_imports(path):
            assert name != "bot" and not name.startswith("bot."), f"{path.relative_to(ROOT)} imports {name}"
