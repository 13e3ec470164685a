"""The one place that builds the object graph: config → store → Slack clients → jobs → Bolt app."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from bot.config.loader import Config
from bot.domain.access import Right
from bot.domain.case import Case
from bot.domain.form_text import pick_catalog
from bot.jobs.clock import Clock, SystemClock
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Ticker
from bot.jobs.watchdog import Watchdog
from bot.observability import metrics
from bot.services.access import Access
from bot.services.auditor import Auditor
from bot.services.calendar_feed import CalendarFeeds
from bot.services.case_actions import CaseActions, RepMessages
from bot.services.charts import Charts
from bot.services.deliveries import Deliveries, give_up
from bot.services.digests import Digests, plan_digests
from bot.services.guidance import Guidance
from bot.services.guide_drafts import GuideExports
from bot.services.guide_search import GuideIndex
from bot.services.handoffs import Handoffs, plan_handoffs
from bot.services.oncall import OnCall
from bot.services.paging import ESCALATE, Paging, start_paging
from bot.services.reload import ConfigReloader, LiveConfig
from bot.services.rota_check import RotaChecks, plan_rota_checks
from bot.services.swaps import RotaNotices
from bot.services.timers import Timers, schedule_timers, sla_terms
from bot.services.weekly import WeeklyReports, plan_weekly
from bot.slack.app import build_app
from bot.slack.client import build_client
from bot.slack.directory import SlackDirectory
from bot.slack.http import HttpServer, build_wsgi
from bot.slack.locales import Locales
from bot.slack.notifier import SlackNotifier
from bot.store.store import Store, StoreUnavailable, Tx

if TYPE_CHECKING:
    from slack_bolt import App

log = logging.getLogger(__name__)


class MissingSecret(Exception):
    """A required environment variable is not set."""


@dataclass(frozen=True)
class Secrets:
    """Secrets and endpoints, from the environment only (never from YAML); `*_FILE` variants are
    read into it first (bot.config.secret_files)."""

    bot_token: str
    signing_secret: str | None  # HTTP mode only: Socket Mode's requests come over the app token's socket
    app_token: str | None = None
    api_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, socket_mode: bool = False) -> Secrets:
        env = os.environ if env is None else env
        needed = ["SLACK_BOT_TOKEN"] + (["SLACK_APP_TOKEN"] if socket_mode else ["SLACK_SIGNING_SECRET"])
        missing = [name for name in needed if not env.get(name)]
        if missing:
            raise MissingSecret("set " + ", ".join(f"{n} (or {n}_FILE)" for n in missing) + " in the environment")
        return cls(
            bot_token=env["SLACK_BOT_TOKEN"],
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            api_url=env.get("SLACK_API_URL") or None,
        )


@dataclass
class Bot:
    """A whole bot: what `serve`, the demo and the end-to-end tests run."""

    config: Config
    store: Store
    clock: Clock
    app: App
    runner: JobRunner
    ticker: Ticker
    http: HttpServer | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    watchdog: Watchdog | None = None
    reloader: ConfigReloader | None = None
    calendar_feeds: CalendarFeeds | None = None  # serves GET /calendar/<token>.ics
    stopping: bool = False
    ticking: bool = False
    signed: bool = True  # a signing secret was given: Slack's HTTP requests can be verified

    def health(self) -> dict[str, Any]:
        """Alive: the process answers (a load balancer restarts it otherwise)."""
        last = self.ticker.last_tick_at
        return {"status": "ok", "last_tick_at": last.isoformat() if last else None}

    def ready(self) -> tuple[bool, dict[str, Any]]:
        """Ready for Slack's requests: not shutting down, the store reachable at this release's schema,
        and (when this replica runs jobs) its tick loop not stalled."""
        checks: dict[str, str] = {}
        checks["shutdown"] = "shutting down" if self.stopping else "ok"
        try:
            state = self.store.schema()
            checks["store"] = "ok" if state.status == "current" else state.describe()
        except StoreUnavailable as exc:
            checks["store"] = f"unreachable: {exc}"
        if self.ticking:  # a replica that runs jobs must be running them
            limit = self.watchdog.auditor.limits.stalled_after if self.watchdog else timedelta(seconds=30)
            last = self.ticker.last_tick_at or self.ticker.started_at
            if last is None or datetime.now(UTC) - last > limit:
                checks["scheduler"] = f"stalled: last tick {last.isoformat() if last else 'never'}"
            else:
                checks["scheduler"] = "ok"
        ok = all(value == "ok" for value in checks.values())
        return ok, {"status": "ready" if ok else "not ready", "checks": checks}

    def reload(self) -> str:
        """Read the configuration files again (SIGHUP); a broken file keeps the last good configuration."""
        return self.reloader.reload() if self.reloader is not None else "kept"

    def start(
        self, *, http_port: int | None = None, host: str = "127.0.0.1", tick: bool = True, serve_slack: bool = True
    ) -> None:
        """Start the ticker and its auditor and, if a port is given, the HTTP server (port 0: any free port):
        Slack's requests on /slack/events unless `serve_slack` is off (Socket Mode), and the probes and
        /metrics always."""
        if tick:
            self.ticker.start()
            self.ticking = True
            if self.watchdog is not None:
                self.watchdog.start()
        if http_port is not None:
            if serve_slack and not self.signed:  # an empty HMAC key would let anyone sign requests
                raise ValueError("serving Slack's HTTP requests needs the signing secret")
            self.http = HttpServer(
                build_wsgi(
                    self.app if serve_slack else None,
                    health=self.health,
                    ready=self.ready,
                    calendar=lambda token: (
                        self.calendar_feeds.render(token, now=self.clock.now()) if self.calendar_feeds else None
                    ),
                ),
                host=host,
                port=http_port,
            )
            self.http.start()

    def stop(self) -> None:
        """Graceful: refuse readiness, finish the Slack requests in flight and the work they started,
        finish the running tick (the rest of its batch handed back unclaimed), then close the store."""
        self.stopping = True
        if self.http is not None:
            self.http.stop()
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        if self.watchdog is not None:
            self.watchdog.stop()
        self.runner.stop()
        self.ticker.stop()
        self.runner.close()
        self.store.close()
        log.info("stopped")


def build_bot(
    config: Config,
    *,
    secrets: Secrets,
    clock: Clock | None = None,
    store: Store | None = None,
    env: Mapping[str, str] | None = None,
) -> Bot:
    """Wire everything; the Web API must be reachable (Bolt calls auth.test as the app is built)."""
    clock = clock or SystemClock()
    # Every service reads the same LiveConfig, so a hot reload (ConfigReloader) is one swap.
    live = LiveConfig(config)
    config = cast(Config, live)
    store = store or Store.open(config.app.store_url, prefix=config.app.case_prefix)
    reads = build_client(token=secrets.bot_token, base_url=secrets.api_url)
    locales = Locales(reads)
    notifier = SlackNotifier(
        build_client(token=secrets.bot_token, base_url=secrets.api_url, for_sends=True),
        tz=config.app.timezone,
        catalog_for=lambda user_id: pick_catalog(config.form_catalogs, locales.locale(user_id)),
        sla_terms=lambda case: sla_terms(config, case),
    )
    directory = SlackDirectory(reads)
    oncall = OnCall(config=config, store=store, directory=directory, clock=clock)
    access = Access(config=config, directory=directory, store=store)
    deliveries = Deliveries(config=config, store=store, notifier=notifier)
    paging = Paging(config=config, store=store, sender=notifier, oncall=oncall)
    runner = JobRunner(
        store=store,
        clock=clock,
        handlers=deliveries.handlers()
        | paging.handlers()
        | Handoffs(config, store, notifier).handlers()
        | RepMessages(config, store, notifier, access).handlers()
        | Timers(config, store, notifier, oncall).handlers()
        | Digests(config, store, notifier, clock.now).handlers()
        | WeeklyReports(config, store, notifier, clock.now).handlers()
        | RotaChecks(config, store, notifier).handlers()
        | RotaNotices(notifier).handlers()
        | Charts(config, store, notifier).handlers()
        | GuideExports(notifier).handlers(),
        give_up=give_up,
        lease=config.app.lease,
        retry_base=config.app.retry_base,
        sendless_kinds=frozenset({ESCALATE}),
    )
    ticker = Ticker(runner, interval=config.app.tick_seconds, timezone=config.app.timezone)
    ticker.every("plan_handoffs", 60, lambda: plan_handoffs(config=config, store=store, now=clock.now()))
    ticker.every("plan_digests", 60, lambda: plan_digests(config=config, store=store, now=clock.now()))
    ticker.every("plan_weekly", 300, lambda: plan_weekly(config=config, store=store, now=clock.now()))
    ticker.every("plan_rota_checks", 300, lambda: plan_rota_checks(config=config, store=store, now=clock.now()))

    def notice_once(key: str) -> bool:
        with store.transaction(patient=True) as tx:
            return tx.jobs.record_once(kind="ops.config_notice", key=key, now=clock.now())

    reloader = ConfigReloader(
        live=live, alerts=notifier, now=clock.now, env=env if env is not None else os.environ, once=notice_once
    )
    ticker.every("reload_config", 10, reloader.check, at_start=False)  # the files were just read

    def on_opened(tx: Tx, case: Case, now: datetime) -> None:
        start_paging(tx, case, config=config, oncall=oncall, now=now)
        schedule_timers(tx, tx.cases.get(case.id), now, config=config)

    def on_changed(tx: Tx, case: Case, now: datetime, *, overdue_now: bool = False) -> None:
        schedule_timers(tx, case, now, config=config, overdue_now=overdue_now)

    guidance = Guidance(index=GuideIndex(config.guides), store=store)
    guidance.rebuild(config.guides)  # approved drafts answer before their file is committed

    def reindex(new: Config) -> None:
        guidance.rebuild(new.guides)

    reloader.on_reload.append(reindex)
    app = build_app(
        config=config,
        store=store,
        clock=clock,
        client=reads,
        signing_secret=secrets.signing_secret,
        kick=ticker.kick,
        on_opened=on_opened,
        case_actions=CaseActions(
            config=config,
            store=store,
            oncall=oncall,
            on_timers=on_changed,
            # Reassign only to someone who may act on the case: the one access decision (issue 13).
            may_act=lambda user_id, case, now: access.may(user_id, Right.WORK, case, now=now),
        ),
        staff=access,
        guidance=guidance,
        locales=locales,
    )
    auditor = Auditor(
        store=store,
        alerts=notifier,
        channel_id=config.app.leads_channel,
        now=clock.now,
        wall_now=SystemClock().now,
        last_tick_at=lambda: ticker.last_tick_at,
        worker=runner.worker,
        on_backlog=lambda backlog, now: metrics.set_timer_backlog(
            backlog.pending, backlog.lateness(now).total_seconds()
        ),
    )
    return Bot(
        config=config,
        store=store,
        clock=clock,
        app=app,
        runner=runner,
        ticker=ticker,
        watchdog=Watchdog(auditor),
        reloader=reloader,
        calendar_feeds=CalendarFeeds(config=config, store=store),
        signed=bool(secrets.signing_secret),
    )
