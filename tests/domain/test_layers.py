"""The domain imports only the standard library and itself, and never reads the clock."""

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"
ALLOWED = set(sys.stdlib_module_names) | {"bot"}


def _modules():
    return sorted(DOMAIN.glob("*.py"))


def test_domain_imports_only_stdlib_and_domain():
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED, f"{path.name} imports {name}"
                if top == "bot":
                    assert name.startswith("bot.domain"), f"{path.name} imports {name}"


def test_domain_never_reads_the_clock():
    for path in _modules():
        source = path.read_text()
        for forbidden in ("datetime.now(", ".utcnow(", "time.time(", "date.today("):
            assert forbidden not in source, f"{path.name} calls {forbidden}"
