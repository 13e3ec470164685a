"""The shipped guides and an index over them, loaded once for the search tests."""

from datetime import date
from pathlib import Path

import pytest

from bot.config.errors import ConfigProblem
from bot.config.guides import load_guides
from bot.domain.guide import Guide
from bot.services.guide_search import GuideIndex

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shipped_guides() -> tuple[Guide, ...]:
    problems: list[ConfigProblem] = []
    flow_ids = {p.stem for p in (ROOT / "escalation_flows").glob("*.yaml") if not p.name.startswith("_")}
    guides = load_guides(
        ROOT / "policy_guides", flow_ids=flow_ids, today=date(2026, 11, 25), problems=problems, warnings=[]
    )
    assert problems == []
    return guides


@pytest.fixture(scope="session")
def shipped_index(shipped_guides: tuple[Guide, ...]) -> GuideIndex:
    return GuideIndex(shipped_guides)
