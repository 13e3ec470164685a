"""The commands that read or change the store offline: `db`, `export`, `report`, `oncall` and `guides`.

Each opens only a store that exists at this release's schema (never a new, empty SQLite file read as if
it were the bot's): `NoStore` says what to do instead."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path

from bot.cli_config import cmd_check_config, env_of, load
from bot.clock import SystemClock
from bot.config.model import Config


def _url_source(config: Config, env: Mapping[str, str]) -> str:
    return "DATABASE_URL" if env.get("DATABASE_URL") else f"store_url in {config.source}"


def _refuse_missing_file(config: Config, env: Mapping[str, str]) -> None:
    url = config.app.store_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if ":memory:" in path or not Path(path).is_file():
            raise NoStore(
                f"no database at {path} ({_url_source(config, env)}): set DATABASE_URL to the bot's database, "
                "or run from where the bot runs (`db upgrade` creates one)"
            )


class NoStore(Exception):
    """A command that reads the store was not given one that exists; the message says what to do."""


def existing_store_url(config: Config, env: Mapping[str, str]) -> str:
    """The store URL for a command that reads it: DATABASE_URL, else app.yaml's store_url, which must
    exist and be at this release's schema. Never a new, empty SQLite file read as if it were the bot's."""
    from bot.store.engine import build_engine
    from bot.store.migrate import StoreUnavailable, display_url, schema_state

    _refuse_missing_file(config, env)
    url = config.app.store_url
    source = _url_source(config, env)
    engine = build_engine(url)
    try:
        state = schema_state(engine)
    except StoreUnavailable as exc:
        raise NoStore(f"{exc} ({source})") from exc
    finally:
        engine.dispose()
    if state.status != "current":
        raise NoStore(f"{display_url(url)} ({source}): {state.describe()}")
    return url


def cmd_db(args: argparse.Namespace) -> int:
    """`db upgrade` migrates the store to this release's schema; `db status` says where it stands."""
    from bot.store.engine import build_engine
    from bot.store.migrate import SchemaMismatch, StoreUnavailable, display_url, schema_state, upgrade

    config = load(args)
    if args.db_command == "status":
        _refuse_missing_file(config, env_of(args))  # status reads; only upgrade may create the file
    engine = build_engine(config.app.store_url)
    try:
        if args.db_command == "status":
            try:
                state = schema_state(engine)
            except StoreUnavailable as exc:
                print(str(exc), file=sys.stderr)
                return 2
            print(f"{display_url(config.app.store_url)}: {state.describe()}")
            return 0 if state.status == "current" else 1
        try:
            before, after = upgrade(engine)
        except (SchemaMismatch, StoreUnavailable) as exc:
            print(f"cannot upgrade: {exc}", file=sys.stderr)
            return 2
        print(f"{display_url(config.app.store_url)}: was {before.describe()}; now {after.describe()}")
        return 0
    finally:
        engine.dispose()


def cmd_oncall_export(args: argparse.Namespace) -> int:
    from bot.oncall_export import export_ics
    from bot.store.store import Store

    config = load(args)
    now = SystemClock().now()
    store = Store.open(existing_store_url(config, env_of(args)), prefix=config.app.case_prefix)
    try:
        with store.read() as tx:
            overrides = {s: tuple(tx.overrides.active(s)) for s in config.schedules}
            changes = {s: tx.overrides.changes(s, ending_after=now - timedelta(days=40)) for s in config.schedules}
    finally:
        store.close()
    written = export_ics(
        config, out_dir=Path(args.out), now=now, days=args.days, overrides=overrides, only=args.user, changes=changes
    )
    for path in written:
        print(path)
    return 0 if written else 1


def cmd_oncall_import(args: argparse.Namespace) -> int:
    import csv

    from bot.rota_import import ImportRefused, import_rota, write_rota

    mapping: dict[str, str] = {}
    if args.map_file:
        with open(args.map_file, newline="") as handle:
            mapping = {row[0].strip(): row[1].strip() for row in csv.reader(handle) if len(row) >= 2}
    try:
        doc = import_rota(
            args.source,
            Path(args.file),
            layer=args.layer,
            mapping=mapping,
            schedule_id=args.schedule_id,
            timezone=args.timezone,
        )
    except (ImportRefused, OSError, KeyError) as refused:
        print(f"cannot import: {refused}", file=sys.stderr)
        return 2
    config_path = Path(args.config)
    folder = Path(args.out) if args.out else load(args).app.schedules_dir
    written = write_rota(doc, folder, source=args.source, path=Path(args.file))
    print(f"wrote {written}")
    if args.out and folder.resolve() != load(args).app.schedules_dir:
        from bot.config.errors import ConfigProblem
        from bot.config.schedules import load_schedules

        problems: list[ConfigProblem] = []
        load_schedules(folder, problems)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1 if problems else 0
    print("checking the configuration with it:")
    check = argparse.Namespace(
        config=str(config_path), slack=False, allow_placeholders=args.allow_placeholders, env=env_of(args)
    )
    return cmd_check_config(check)


def cmd_report_burden(args: argparse.Namespace) -> int:
    import csv

    from bot.domain.burden import rows
    from bot.domain.rota import local_instant
    from bot.export import tomorrow
    from bot.services.burden import build_burden
    from bot.store.store import Store

    config = load(args)
    zone = config.app.timezone
    until = args.until or tomorrow(zone, SystemClock().now())
    start_at, end_at = local_instant(zone, args.since, time(0)), local_instant(zone, until, time(0))
    if end_at <= start_at:
        print("--until must be after --since", file=sys.stderr)
        return 2
    store = Store.open(existing_store_url(config, env_of(args)), prefix=config.app.case_prefix)
    try:
        table = rows(build_burden(config, store, start_at=start_at, end_at=end_at))
    finally:
        store.close()
    columns = rows_header()
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
        return 0
    print(f"On-call burden {args.since} to {until} (exclusive), {zone.key}")
    widths = {c: max(len(c), *(len(str(r[c])) for r in table)) if table else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in table:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns))
    return 0


def rows_header() -> list[str]:
    from bot.domain.burden import KINDS

    return (
        ["user"]
        + [f"{what}_{k.value}" for what in ("shifts", "hours", "pages") for k in KINDS]
        + ["covered", "covered_by"]
    )


def cmd_export(args: argparse.Namespace) -> int:
    from bot.export import export, tomorrow
    from bot.store.store import Store

    config = load(args)
    tz = config.app.timezone
    until = args.until or tomorrow(tz, SystemClock().now())
    store = Store.open(existing_store_url(config, env_of(args)), prefix=config.app.case_prefix)
    try:
        files, cases, events = export(
            store, since=args.since, until=until, tz=tz, fmt=args.format, out_dir=Path(args.out)
        )
    finally:
        store.close()
    for path in files:
        print(path)
    print(f"{cases} case(s), {events} event(s) opened from {args.since} to {until} ({tz.key})", file=sys.stderr)
    return 0


def cmd_guides_export_drafts(args: argparse.Namespace) -> int:
    """Write the approved guide drafts not yet in the repository, to commit them to policy_guides/."""
    from bot.services.guide_drafts import export_drafts
    from bot.store.store import Store

    config = load(args)
    out = Path(args.out) if args.out else (config.app.guides_dir or Path("policy_guides"))
    store = Store.open(existing_store_url(config, env_of(args)), prefix=config.app.case_prefix)
    try:
        written = export_drafts(store, guides=config.guides, out_dir=out, tz=config.app.timezone)
    finally:
        store.close()
    for path in written:
        print(path)
    print(
        f"{len(written)} approved draft(s) written; commit them to make them part of the policy repo", file=sys.stderr
    )
    return 0
