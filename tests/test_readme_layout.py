"""The README's layout and "where a change goes" name files that exist: a move that forgets them fails here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("## Layout\n") : text.index("## Development\n")]


def _named_paths(section: str) -> set[str]:
    quoted = re.findall(r"`([^`\s]+)`", section)
    listed = re.findall(r"^([a-z_]+/[\w/]*|bot/[\w.]+\.py)\s", section, flags=re.MULTILINE)
    paths = {p.rstrip("/") for p in quoted + listed if "/" in p or p.endswith((".py", ".yaml"))}
    return {p for p in paths if "<" not in p and not p.startswith("/")}


def test_every_path_the_layout_names_exists():
    paths = _named_paths(_layout_section())
    assert len(paths) > 40  # the section still names files (a rewrite that drops them is caught too)
    missing = sorted(p for p in paths if not any(ROOT.glob(p)))
    assert missing == []
