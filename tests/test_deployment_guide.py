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
