"""Three replicas, 1,000 page timers due in the same second, random kill -9 and restarts (Postgres).

Prints pages expected / delivered / duplicated and the recovery time after each kill. The short
variant runs in the suite (tests/test_process_faults.py::test_three_replicas_random_kill_9_with_timers_due_at_once).

Usage: python bench/bench_chaos.py [--timers 1000] [--kills 6] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_paging import PrivateSchema  # noqa: E402
from tests.chaos import run_chaos  # noqa: E402

DEFAULT_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timers", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    schema = PrivateSchema(args.postgres)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_chaos(schema.url, Path(tmp), timers=args.timers, kills=args.kills, timeout=600)
    finally:
        schema.drop()
    print(result.line())
    return 0 if result.delivered == result.expected else 1


if __name__ == "__main__":
    sys.exit(main())
