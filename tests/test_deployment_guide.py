"""docs/DEPLOYMENT.md backs each claim with a test: every test it names must exist, so the guide
cannot quietly cite a test that was renamed or removed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "DEPLOYMENT.md"
# `tests/x.py::test_name`, `tests/x.py`, and `::test_name` (same file as the previous reference)
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`")


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_test_the_deployment_guide_cites_exists():
    text = GUIDE.read_text(encoding="utf-8")
    cited: list[tuple[str, str | None]] = []
    current: str | None = None
    for match in REFERENCE.finditer(text):
        path, name = match.groups()
        if path is None and name is None:
            continue
        current = path or current
        assert current is not None, f"{match.group(0)} names no file"
        cited.append((current, name))
    assert len(cited) >= 25
    missing = []
    for path, name in cited:
        file = ROOT / path
        if not file.exists():
            missing.append(path)
        elif name is not None and name not in defined_tests(file):
            missing.append(f"{path}::{name}")
    assert missing == []


DEV_TASKS = {"demo", "test", "bench", "image", "help"}
FENCE = re.compile(r"```(?:sh|bash)\n(.*?)```", re.S)
INLINE = re.compile(r"`((?:\./dev|escalation-bot) [^`]+)`")


def _commands(text: str) -> list[str]:
    """`escalation-bot …` and `./dev …` commands in shell blocks and inline code, without comments,
    redirections or a trailing `&`."""
    found = []
    for block in FENCE.findall(text):
        found += [line for line in block.splitlines() if line.startswith(("escalation-bot ", "./dev "))]
    found += INLINE.findall(text)
    cleaned = []
    for command in found:
        command = re.sub(r"\s+#.*$", "", command).rstrip(" &")
        command = re.split(r"\s[>|]\s", command)[0]
        cleaned.append(command)
    return cleaned


def test_every_command_in_the_guide_and_the_readme_is_one_the_cli_accepts():
    import shlex

    from bot.cli import build_parser

    checked = 0
    for doc in (GUIDE, ROOT / "README.md"):
        for command in _commands(doc.read_text(encoding="utf-8")):
            words = shlex.split(command.replace("…", "x"))
            if "[" in command or "<" in command or words[1] == "x":  # a usage line or `./dev …`, not a step
                continue
            if words[0] == "./dev":
                words = words[1:]
                if not words or words[0] in DEV_TASKS:
                    continue
            else:
                words = words[1:]
            build_parser().parse_args(words)  # exits (fails the test) on anything the CLI refuses
            checked += 1
    assert checked >= 10


def test_every_deploy_file_the_guide_names_exists():
    text = GUIDE.read_text(encoding="utf-8")
    named = set(re.findall(r"(?<![\w/])((?:deploy|docs)/[\w./-]+\w)", text))
    assert {"deploy/prometheus/alerts.yaml", "deploy/kubernetes", "deploy/compose/compose.yaml"} <= named
    missing = [path for path in named if not (ROOT / path).exists() and "secrets" not in path]
    assert missing == []
