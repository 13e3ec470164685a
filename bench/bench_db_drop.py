"""The database away for a long while under one replica, mid-escalation: a Postgres network drop with
bytes held (a firewall DROP), or SQLite held locked by another process.

The suite runs 12 s variants (tests/test_process_faults.py::test_postgres_network_drop_with_bytes_held,
::test_sqlite_locked_for_a_while); these are the 30 s and 90 s ones. Prints pages expected / delivered /
duplicated, how fast a rep filing during the fault was answered, how fast /readyz answered, and the
recovery time after the fault ended.

Usage: python bench/bench_db_drop.py [--seconds 90] [--postgres URL] [--sqlite]
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
from tests.test_process_faults import drop_and_recover, lock_and_recover  # noqa: E402

DEFAULT_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--sqlite", action="store_true", help="hold SQLite's write lock instead")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print(lock_and_recover(Path(tmp), seconds=args.seconds))
        return 0
    schema = PrivateSchema(args.postgres)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            figures = drop_and_recover(Path(tmp), schema.url, hold_seconds=args.seconds)
    finally:
        schema.drop()
    print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
