"""`escalation-bot serve | demo | check-config | manifest | db | export | oncall | report | guides`.

This module holds the parser, `main` and `serve`; the other commands live in `cli_config` (the ones that
read the configuration) and `cli_store` (the ones that read or change the store offline)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from bot.cli_config import cmd_check_config, cmd_demo, cmd_manifest, coverage_findings, env_of, load, print_problems
from bot.cli_store import (
    NoStore,
    cmd_db,
    cmd_export,
    cmd_guides_export_drafts,
    cmd_oncall_export,
    cmd_oncall_import,
    cmd_report_burden,
)
from bot.clock import SystemClock
from bot.config.errors import ConfigError

if TYPE_CHECKING:
    from bot.bootstrap import Bot, Secrets

DESCRIPTION = "`escalation-bot serve | demo | check-config | manifest | db | export | oncall | report | guides`."


@contextmanager
def _start_up() -> Iterator[None]:
    """Start-up without the cyclic collector: importing and wiring allocate a great deal and free
    almost nothing, so its passes found nothing and cost a tenth of the time to /readyz. What was built
    lives as long as the process: frozen (out of the collector's way, so a burst's allocations do not
    rescan it again and again) before the collector is on again."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _build(args: argparse.Namespace) -> tuple[Bot, Secrets, logging.Logger] | int:
    """The configuration, the store, Slack's answer and the wired bot; an exit status if one fails."""
    from bot.bootstrap import MissingSecret, Secrets, build_bot
    from bot.slack.preflight import slack_problem
    from bot.store.migrate import SchemaMismatch, StoreUnavailable
    from bot.store.store import Store

    config = load(args)
    serving = args.role != "worker"  # a worker takes no Slack requests: probes and /metrics only
    try:
        secrets = Secrets.from_env(env_of(args), socket_mode=not args.http, serving=serving)
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
    return build_bot(config, secrets=secrets, env=env_of(args), store=store), secrets, log


# SIGTERM and SIGINT drain and stop; SIGHUP reloads.
_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve Slack (HTTP or Socket Mode) until SIGTERM/SIGINT; SIGHUP reloads the configuration.

    The main thread takes the signals with sigwait, not in a handler: they are blocked here, before
    start-up makes any thread (threads inherit the mask), so each stays pending until the main thread
    takes it. A handler runs only on the main thread, when it runs Python; a signal the kernel handed to
    another thread left the main thread asleep in its wait (seen once: a SIGTERM just after /readyz
    ignored). One arriving during start-up is taken once the bot has started."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        return _serve(args)
    finally:
        for _ in signal.sigpending() & _SIGNALS:  # one more SIGTERM during the drain: taken, not fatal
            signal.sigwait(_SIGNALS)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _serve(args: argparse.Namespace) -> int:
    with _start_up():
        built = _build(args)
    if isinstance(built, int):
        return built
    bot, secrets, log = built
    serving = args.role != "worker"
    # Both modes serve /healthz, /readyz and /metrics on --port; only HTTP mode takes Slack's requests there.
    # --role web runs no jobs (the worker processes sharing its store do); --role worker serves no Slack.
    try:
        bot.start(
            http_port=args.port,
            host=args.host,
            serve_slack=args.http and serving,
            tick=args.role != "web",
            warm=serving,  # a worker builds the guide search only when one of its jobs searches
            reuse_port=args.reuse_port,
        )  # binds before the job loop
    except OSError as exc:
        bot.store.close()
        print(f"cannot start: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    assert bot.http is not None
    if not serving:
        log.info("running jobs (role worker); probes and metrics on http://%s:%d", args.host, bot.http.port)
        _serve_until_stopped(bot)
        return 0
    if args.http:
        log.info("serving Slack requests on http://%s:%d/slack/events (role %s)", args.host, bot.http.port, args.role)
        _serve_until_stopped(bot)
        return 0
    from bot.slack.socket_mode import connect_socket_mode

    assert secrets.app_token is not None
    log.info("connecting to Slack in Socket Mode; probes and metrics on http://%s:%d", args.host, bot.http.port)
    handler = connect_socket_mode(bot.app, app_token=secrets.app_token)
    try:
        _serve_until_stopped(bot)
    finally:
        handler.close()  # type: ignore[no-untyped-call]
    return 0


def _serve_until_stopped(bot: Bot) -> None:
    """The main thread's loop: SIGHUP reloads and keeps serving; only SIGTERM/SIGINT end it, with the
    graceful drain of `Bot.stop`. It sleeps in sigwait until a signal arrives, so an idle process never
    wakes it."""
    log = logging.getLogger("bot.cli")
    while True:
        signum = signal.sigwait(_SIGNALS)
        if signum != signal.SIGHUP:
            log.info("signal %s: stopping", int(signum))
            break
        log.info("SIGHUP: reloading the configuration (result: %s)", bot.reload())
    bot.stop()


def parse_day(text: str) -> date:
    """bot.export.parse_day, imported when `export` is run: every command builds the parser, and the
    export module (with the store's) is start-up time `serve` should not pay for."""
    from bot.export import parse_day as parse

    return parse(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escalation-bot", description=DESCRIPTION)
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
    serve.add_argument(
        "--role",
        choices=("all", "web", "worker"),
        default="all",
        help="all: one process serves Slack and runs the jobs (default); web: serve Slack and file jobs only; "
        "worker: run the jobs only (several web and worker processes may share one store; docs/DEPLOYMENT.md)",
    )
    serve.add_argument(
        "--reuse-port",
        action="store_true",
        help="bind --port with SO_REUSEPORT (Linux), so several serve processes listen on one port and the "
        "kernel shares Slack's connections out among them (e.g. several --role web beside one --role worker)",
    )
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
        print_problems(error)
        return 2
    except NoStore as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
