"""`escalation-bot serve | demo | check-config | manifest | db | export | oncall`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from bot.clock import SystemClock
from bot.config.errors import ConfigError
from bot.config.loader import load_config
from bot.config.model import Config
from bot.domain import rota

if TYPE_CHECKING:
    from bot.bootstrap import Bot


def _env(args: argparse.Namespace) -> dict[str, str]:
    """The environment with `*_FILE` secrets read in (main() sets it; tests may call a command directly)."""
    env = getattr(args, "env", None)
    return dict(os.environ) if env is None else env


def _load(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config), env=_env(args))


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


def _existing_store_url(config: Config, env: Mapping[str, str]) -> str:
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


def _print_problems(error: ConfigError) -> None:
    print(f"{len(error.problems)} configuration problem(s):", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)


def coverage_findings(config: Config, now: datetime) -> list[str]:
    """Gaps in the next weeks (app.yaml `rota_check.weeks`, 8 by default) for layers that need coverage.

    Gaps anywhere in a rota's defined horizon already stop the configuration from loading; these are
    the ones the rotas leave with today's date (e.g. a rotation whose `dates` ran out)."""
    lines = []
    weeks = config.app.rota_check_weeks
    for schedule in config.schedules.values():
        for gap in rota.coverage_gaps(schedule, now, now + timedelta(weeks=weeks)):
            start = gap.start_at.astimezone(schedule.timezone)
            end = gap.end_at.astimezone(schedule.timezone)
            lines.append(
                f"{schedule.id}: nobody on call for {gap.layer!r} {start:%a %Y-%m-%d %H:%M} → {end:%a %Y-%m-%d %H:%M}"
            )
    return lines


def cmd_check_config(args: argparse.Namespace) -> int:
    from bot.config.named_ids import placeholder_findings
    from bot.domain.form_text import catalog_gaps

    config = _load(args)
    now = SystemClock().now()
    print(
        f"OK: {len(config.flows)} flows, {len(config.policies)} policies, {len(config.schedules)} schedule(s), "
        f"time zone {config.app.timezone.key}"
    )
    for flow in config.flows:
        print(f"  {flow.id:22} → {flow.channel_id}  policy {flow.policy}  {len(flow.fields)} fields")
    for schedule in config.schedules.values():
        on_call = rota.on_call(schedule, now)
        who = "; ".join(f"{layer}: {', '.join(users) or 'nobody'}" for layer, users in on_call.items())
        print(f"  schedule {schedule.id}: on call now — {who}")
    placeholders = placeholder_findings(config)
    for line in placeholders:
        print(f"  PLACEHOLDER {line}", file=sys.stdout if args.allow_placeholders else sys.stderr)
    gaps = coverage_findings(config, now)
    if args.slack:
        from bot.slack.client import build_client
        from bot.slack.member_check import slack_problems

        env = _env(args)
        token = env.get("SLACK_BOT_TOKEN")
        if not token:
            print("--slack needs SLACK_BOT_TOKEN (and SLACK_API_URL for a stand-in)", file=sys.stderr)
            return 2
        client = build_client(token=token, base_url=env.get("SLACK_API_URL"))
        unknown = slack_problems(config, client)
        for line in unknown:
            print(f"  UNRESOLVED {line}", file=sys.stderr)
        if unknown:
            return 1
        print("  slack: the token works; every channel exists with the bot in it; everyone named exists")
    for locale, catalog in sorted(config.form_catalogs.items()):
        missing, extra = catalog_gaps(catalog, config.flows)
        counts = f"{len(catalog.strings)} string(s), {len(missing)} missing, {len(extra)} extra"
        print(f"  form translation {locale}: {counts}")
        for text in missing:  # shown in English until translated; not a reason to stop a deployment
            print(f"  TRANSLATION {locale} missing: {text!r}", file=sys.stderr)
        for text in extra:
            print(f"  TRANSLATION {locale} extra (no flow uses it): {text!r}", file=sys.stderr)
    guides_dir = config.app.guides_dir
    reviews = [w for w in config.warnings if guides_dir is not None and w.file.is_relative_to(guides_dir)]
    warnings = [w for w in config.warnings if w not in reviews]
    print(f"  guides: {len(config.guides)} article(s), {len(reviews)} past their review date")
    for review in reviews:  # flagged for the owners; not a reason to stop a deployment
        print(f"  REVIEW {review}", file=sys.stderr)
    for line in [str(w) for w in warnings] + gaps:
        print(f"  WARNING {line}", file=sys.stderr)
    if gaps or warnings:
        print(f"{len(gaps) + len(warnings)} coverage warning(s)", file=sys.stderr)
    else:
        print(f"  coverage: no gaps in the next {config.app.rota_check_weeks} weeks")
    refused_placeholders = bool(placeholders) and not args.allow_placeholders
    if refused_placeholders:
        print(
            f"{len(placeholders)} placeholder id(s): replace them with your workspace's Slack ids "
            "(or pass --allow-placeholders for the demo and tests)",
            file=sys.stderr,
        )
    return 1 if gaps or warnings or refused_placeholders else 0


def cmd_manifest(args: argparse.Namespace) -> int:
    from bot.slack.manifest import build_manifest, request_url_problem

    if not args.socket:
        problem = request_url_problem(args.request_url)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
    manifest = build_manifest(_load(args), request_url=args.request_url, socket_mode=args.socket)
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.bootstrap import MissingSecret, Secrets, build_bot
    from bot.slack.preflight import slack_problem
    from bot.store.migrate import SchemaMismatch, StoreUnavailable
    from bot.store.store import Store

    config = _load(args)
    try:
        secrets = Secrets.from_env(_env(args), socket_mode=not args.http)
    except MissingSecret as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    # Each way start-up can fail is one line and a non-zero exit, before any job runs: the database
    # (missing, unreachable, wrong schema), then Slack (unreachable, token refused), then the port.
    try:
        store = Store.open(config.app.store_url, prefix=config.app.case_prefix)
    except (SchemaMismatch, StoreUnavailable) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    problem = slack_problem(token=secrets.bot_token, base_url=secrets.api_url)
    if problem is not None:
        store.close()
        print(f"cannot start: {problem}", file=sys.stderr)
        return 2
    log = logging.getLogger("bot.cli")
    for line in [str(w) for w in config.warnings] + coverage_findings(config, SystemClock().now()):
        log.warning("check-config: %s", line)
    bot = build_bot(config, secrets=secrets, env=_env(args), store=store)

    stopping, reloads = threading.Event(), threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signum)
        stopping.set()

    def reload(_signum: int, _frame: FrameType | None) -> None:
        reloads.set()  # done by the main loop, not inside the handler (it may interrupt anything)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    # Both modes serve /healthz, /readyz and /metrics on --port; only HTTP mode takes Slack's requests there.
    try:
        bot.start(http_port=args.port, host=args.host, serve_slack=args.http)  # binds before the job loop
    except OSError as exc:
        bot.store.close()
        print(f"cannot start: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    assert bot.http is not None
    if args.http:
        log.info("serving Slack requests on http://%s:%d/slack/events", args.host, bot.http.port)
        _serve_until_stopped(bot, stopping=stopping, reloads=reloads)
        return 0
    from bot.slack.socket_mode import connect_socket_mode

    assert secrets.app_token is not None
    log.info("connecting to Slack in Socket Mode; probes and metrics on http://%s:%d", args.host, bot.http.port)
    handler = connect_socket_mode(bot.app, app_token=secrets.app_token)
    try:
        _serve_until_stopped(bot, stopping=stopping, reloads=reloads)
    finally:
        handler.close()  # type: ignore[no-untyped-call]
    return 0


def _serve_until_stopped(bot: Bot, *, stopping: threading.Event, reloads: threading.Event) -> None:
    """The main thread's loop: SIGHUP (`reloads`) reloads and keeps serving; only SIGTERM/SIGINT
    (`stopping`) end it, with the graceful drain of `Bot.stop`."""
    log = logging.getLogger("bot.cli")
    while not stopping.wait(0.2):
        if reloads.is_set():
            reloads.clear()
            log.info("SIGHUP: reloading the configuration (result: %s)", bot.reload())
    bot.stop()


def cmd_db(args: argparse.Namespace) -> int:
    """`db upgrade` migrates the store to this release's schema; `db status` says where it stands."""
    from bot.store.engine import build_engine
    from bot.store.migrate import SchemaMismatch, StoreUnavailable, display_url, schema_state, upgrade

    config = _load(args)
    if args.db_command == "status":
        _refuse_missing_file(config, _env(args))  # status reads; only upgrade may create the file
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


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(config=_load(args), out=sys.stdout)


def cmd_oncall_export(args: argparse.Namespace) -> int:
    from bot.oncall_export import export_ics
    from bot.store.store import Store

    config = _load(args)
    now = SystemClock().now()
    store = Store.open(_existing_store_url(config, _env(args)), prefix=config.app.case_prefix)
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
    folder = Path(args.out) if args.out else _load(args).app.schedules_dir
    written = write_rota(doc, folder, source=args.source, path=Path(args.file))
    print(f"wrote {written}")
    if args.out and folder.resolve() != _load(args).app.schedules_dir:
        from bot.config.errors import ConfigProblem
        from bot.config.schedules import load_schedules

        problems: list[ConfigProblem] = []
        load_schedules(folder, problems)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1 if problems else 0
    print("checking the configuration with it:")
    check = argparse.Namespace(
        config=str(config_path), slack=False, allow_placeholders=args.allow_placeholders, env=_env(args)
    )
    return cmd_check_config(check)


def cmd_report_burden(args: argparse.Namespace) -> int:
    import csv

    from bot.domain.burden import rows
    from bot.domain.rota import local_instant
    from bot.export import tomorrow
    from bot.services.burden import build_burden
    from bot.store.store import Store

    config = _load(args)
    zone = config.app.timezone
    until = args.until or tomorrow(zone, SystemClock().now())
    start_at, end_at = local_instant(zone, args.since, time(0)), local_instant(zone, until, time(0))
    if end_at <= start_at:
        print("--until must be after --since", file=sys.stderr)
        return 2
    store = Store.open(_existing_store_url(config, _env(args)), prefix=config.app.case_prefix)
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

    config = _load(args)
    tz = config.app.timezone
    until = args.until or tomorrow(tz, SystemClock().now())
    store = Store.open(_existing_store_url(config, _env(args)), prefix=config.app.case_prefix)
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

    config = _load(args)
    out = Path(args.out) if args.out else (config.app.guides_dir or Path("policy_guides"))
    store = Store.open(_existing_store_url(config, _env(args)), prefix=config.app.case_prefix)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escalation-bot", description=__doc__)
    parser.add_argument("--config", default="app.yaml", help="path to app.yaml (default: ./app.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    parser.add_argument(
        "--log-format",
        choices=("json", "text"),
        help="log lines as JSON or plain text (default: $LOG_FORMAT, else text on a terminal, JSON otherwise)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack: Socket Mode (SLACK_APP_TOKEN) or --http")
    serve.add_argument("--http", action="store_true", help="serve Slack's HTTP requests on /slack/events")
    serve.add_argument(
        "--port", type=int, default=3000, help="HTTP port: Slack's requests (--http), probes and /metrics (both modes)"
    )
    serve.add_argument("--host", default="0.0.0.0")
    serve.set_defaults(func=cmd_serve)
    check = sub.add_parser("check-config", help="validate app.yaml, flows and policies; non-zero on problems")
    check.add_argument(
        "--slack",
        action="store_true",
        help="also check with Slack: the token, every channel (exists, bot is in it) and every person",
    )
    check.add_argument(
        "--allow-placeholders",
        action="store_true",
        help="accept the example's placeholder user and channel ids (the demo and tests)",
    )
    check.set_defaults(func=cmd_check_config)
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (JSON)")
    mode = manifest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--request-url", help="public https:// URL of /slack/events (HTTP mode)")
    mode.add_argument("--socket", action="store_true", help="a manifest for Socket Mode")
    manifest.set_defaults(func=cmd_manifest)
    demo = sub.add_parser("demo", help="play an intake against the local Slack stand-in; no workspace needed")
    demo.set_defaults(func=cmd_demo)
    from bot.export import parse_day

    exporter = sub.add_parser("export", help="write cases and events opened in a date range (CSV or JSON lines)")
    exporter.add_argument("--since", type=parse_day, required=True, help="first local day, YYYY-MM-DD")
    exporter.add_argument("--until", type=parse_day, help="day after the last (default: tomorrow)")
    exporter.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    exporter.add_argument("--out", default="var/export", help="output folder (default var/export)")
    exporter.set_defaults(func=cmd_export)
    db = sub.add_parser("db", help="the store's schema: upgrade it (before starting a new release), or its status")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    for name, text in (("upgrade", "migrate the database to this release's schema"), ("status", "print the revision")):
        db_sub.add_parser(name, help=text).add_argument("--config", default=argparse.SUPPRESS, help="path to app.yaml")
    db.set_defaults(func=cmd_db)
    oncall = sub.add_parser("oncall", help="on-call tools")
    oncall_sub = oncall.add_subparsers(dest="oncall_command", required=True)
    export = oncall_sub.add_parser("export", help="write each person's shifts as an iCalendar (.ics) file")
    export.add_argument("--ics", action="store_true", required=True, help="iCalendar format (the only one)")
    export.add_argument("--out", default="var/ics", help="folder for <person>.ics files (default var/ics)")
    export.add_argument("--days", type=int, default=90, help="how far ahead (default 90 days)")
    export.add_argument("--user", help="only this person (Slack id or e-mail)")
    export.add_argument("--config", default=argparse.SUPPRESS, help="path to app.yaml")
    export.set_defaults(func=cmd_oncall_export)
    importer = oncall_sub.add_parser("import", help="write oncall_schedules/<id>.yaml from another tool, then check it")
    importer.add_argument("--from", dest="source", choices=("csv", "pagerduty", "opsgenie"), required=True)
    importer.add_argument("file", help="a CSV of shifts, or a PagerDuty / Opsgenie schedule export (JSON)")
    importer.add_argument("--layer", default="primary", help="the layer the rotations go to (default primary)")
    importer.add_argument("--id", dest="schedule_id", help="the schedule id (default: from the export's name)")
    importer.add_argument("--timezone", help="IANA time zone (default: the export's)")
    importer.add_argument("--map", dest="map_file", help="CSV of `id,slack id or e-mail` for PagerDuty users")
    importer.add_argument("--out", help="folder to write to (default: the schedules folder of app.yaml)")
    importer.add_argument("--allow-placeholders", action="store_true", help="check-config accepts placeholder ids")
    importer.add_argument("--config", default=argparse.SUPPRESS, help="path to app.yaml")
    importer.set_defaults(func=cmd_oncall_import)
    report = sub.add_parser("report", help="reports from the store")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    burden = report_sub.add_parser("burden", help="on-call shifts, hours and pages per person, by kind of time")
    burden.add_argument("--since", type=parse_day, required=True, help="first local day, YYYY-MM-DD")
    burden.add_argument("--until", type=parse_day, help="day after the last (default: tomorrow)")
    burden.add_argument("--format", choices=("csv", "table"), default="table")
    burden.add_argument("--config", default=argparse.SUPPRESS, help="path to app.yaml")
    burden.set_defaults(func=cmd_report_burden)
    guides = sub.add_parser("guides", help="policy guide tools")
    guides_sub = guides.add_subparsers(dest="guides_command", required=True)
    drafts = guides_sub.add_parser("export-drafts", help="write approved drafts not yet committed as <id>.md files")
    drafts.add_argument("--out", help="folder to write to (default: the guides folder of app.yaml)")
    drafts.add_argument("--config", default=argparse.SUPPRESS, help="path to app.yaml")
    drafts.set_defaults(func=cmd_guides_export_drafts)
    for name in ("serve", "check-config", "manifest", "demo", "export"):
        sub.choices[name].add_argument("--config", default=argparse.SUPPRESS, help="path to app.yaml")
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.config.secret_files import SecretFileError, resolve_secret_files
    from bot.observability.logs import configure_logging, default_log_format, known_secrets

    args = build_parser().parse_args(argv)
    try:
        args.env = resolve_secret_files(os.environ)
    except SecretFileError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    configure_logging(
        args.log_format or default_log_format(args.env),
        logging.DEBUG if args.verbose else logging.INFO,
        secrets=known_secrets(args.env),
        quiet=args.command != "serve",
    )
    try:
        return int(args.func(args))
    except ConfigError as error:
        _print_problems(error)
        return 2
    except NoStore as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
