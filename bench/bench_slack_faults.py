"""Pages expected / delivered / duplicated while Slack misbehaves for a long while, on the real bot
as a process: a 30 s hang past the client's deadline, a 60 s 429 storm (Retry-After 1-5 s), 30 s of
token_revoked then recovery. Run: .venv/bin/python -m bench.bench_slack_faults [--cases N]."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.slack_fault_scenarios import run

LONG = (("hang", 30.0), ("storm", 60.0), ("revoked", 30.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=3)
    parser.add_argument("--only", choices=[k for k, _ in LONG])
    args = parser.parse_args()
    worst = 0
    for kind, seconds in LONG:
        if args.only and kind != args.only:
            continue
        with tempfile.TemporaryDirectory() as folder:
            measure = run(kind, seconds=seconds, folder=Path(folder), cases=args.cases)
        print(measure.line(), flush=True)
        worst = max(worst, measure.expected - measure.delivered + measure.duplicated)
    return 1 if worst else 0


if __name__ == "__main__":
    raise SystemExit(main())
