"""The commands that read the configuration: `check-config`, `manifest` and `demo`, and the arguments
every command shares (the environment with its `*_FILE` secrets, the loaded app.yaml)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.config.errors import ConfigError
from bot.config.loader import load_config
from bot.config.model import Config
from bot.domain import rota


def env_of(args: argparse.Namespace) -> dict[str, str]:
    """The environment with `*_FILE` secrets read in (main() sets it; tests may call a command directly)."""
    env = getattr(args, "env", None)
    return dict(os.environ) if env is None else env


def load(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config), env=env_of(args))


def print_problems(error: ConfigError) -> None:
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
    """Load and check the configuration (and, with --slack, the workspace); non-zero when something is wrong."""
    from bot.config.named_ids import placeholder_findings
    from bot.domain.form_text import catalog_gaps

    config = load(args)
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

        env = env_of(args)
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
    """Print the Slack app manifest for HTTP mode or Socket Mode."""
    from bot.slack.manifest import build_manifest, request_url_problem

    if not args.socket:
        problem = request_url_problem(args.request_url)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
    manifest = build_manifest(load(args), request_url=args.request_url, socket_mode=args.socket)
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Play an intake against the local Slack stand-in."""
    from bot.demo import run_demo

    return run_demo(config=load(args), out=sys.stdout)
