"""Start-up loads what serving needs and not the guide search's stack (numpy, bm25s): that is loaded
when the index is first built (in the background once a serving process is ready, or by the first
search), so a fresh interpreter is the only honest place to look."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from datetime import date
from pathlib import Path
import bot.bootstrap, bot.cli
from bot.config.guides import load_guides
from bot.services.guide_search import GuideIndex
at_start = sorted(m for m in ("numpy", "bm25s") if m in sys.modules)
root = Path(sys.argv[1])
flows = {p.stem for p in (root / "escalation_flows").glob("*.yaml") if not p.name.startswith("_")}
guides = load_guides(root / "policy_guides", flow_ids=flows, today=date(2026, 11, 25), problems=[], warnings=[])
index = GuideIndex(guides)
unbuilt = sorted(m for m in ("numpy", "bm25s") if m in sys.modules)
hits = index.search("can this alcohol brand run in Singapore before 10 p.m.?", market="SG")
print(json.dumps({
    "at_start": at_start, "unbuilt": unbuilt, "built": index.built,
    "after_search": sorted(m for m in ("numpy", "bm25s") if m in sys.modules),
    "good": [h.guide.id for h in hits if h.good],
}))
"""


def test_the_search_stack_is_not_imported_at_start_and_the_first_search_loads_it_and_answers():
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT)], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["at_start"] == []  # importing the whole bot (cli, wiring) loads neither
    assert seen["unbuilt"] == []  # nor does making an index: it is built on first use
    assert seen["built"] is True
    assert seen["after_search"] == ["bm25s", "numpy"]
    assert seen["good"][0] == "alcohol-sg-hours"  # and the first search answers
