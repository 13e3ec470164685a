"""The one place that builds the object graph: config → store → Slack clients → jobs → Bolt app."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from bot.clock import Clock, DatabaseClock, SystemClock
from bot.config.model import Config
from bot.contact.secrets import ContactSecrets
from bot.contact.wiring import build_contacts
from bot.domain.access import Right
from bot.domain.case import Case
from bot.domain.form_text import pick_catalog
from bot.jobs.acks_first import AcksFirst
from bot.jobs.heartbeat import Heartbeat, describe_skew
from bot.jobs.probe import BoundedProbe
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Ticker
from bot.jobs.watchdog import Watchdog
from bot.observability import metrics
from bot.services.access import Access
from bot.services.auditor import Auditor
from bot.services.calendar_feed import CalendarFeeds
from bot.services.case_actions import CaseActions
from bot.services.case_opened import OpenedFollowUp
from bot.services.charts import Charts
from bot.services.contact import give_up_contacts
from bot.services.deliveries import Deliveries
from bot.services.digests import Digests, plan_digests
from bot.services.guidance import Guidance
from bot.services.guide_drafts import GuideExports
from bot.services.guide_search import GuideIndex
from bot.services.handoffs import Handoffs, plan_handoffs
from bot.services.handover import NOTIFY, relay_state
from bot.services.oncall import OnCall
from bot.services.open_case import CASE_OPENED, POST_ROOT
from bot.services.paging import ESCALATE, SEND, start_paging
from bot.services.paging_engine import Paging
from bot.services.ports import DeliveryError, OpsKind, OpsNotice
from bot.services.reload import ConfigReloader, LiveConfig
from bot.services.rep_messages import RepMessages
from bot.services.rota_check import RotaChecks, plan_rota_checks
from bot.services.slack_health import SlackHealth
from bot.services.swaps import RotaNotices
from bot.services.timers import Timers, schedule_timers, sla_terms
from bot.services.weekly import WeeklyReports, plan_weekly
from bot.slack.app import AFTER_ACK, ContextExecutor, build_app
from bot.slack.client import build_client, gated_listeners
from bot.slack.directory import SlackDirectory
from bot.slack.http import HttpServer, build_wsgi
from bot.slack.locales import Locales
from bot.slack.notifier import SlackNotifier
from bot.slack.rate_gate import RateGate
from bot.store.store import Store, StoreUnavailable, Tx

if TYPE_CHECKING:
    from slack_bolt import App

log = logging.getLogger(__name__)

SLOW_WORTH_TELLING = timedelta(seconds=30)


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
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, socket_mode: bool = False, serving: bool = True
    ) -> Secrets:
        """`serving` False: a worker process that takes no Slack requests needs the bot token only."""
        env = os.environ if env is None else env
        needed = ["SLACK_BOT_TOKEN"]
        if serving:
            needed.append("SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET")
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
    heartbeat: Heartbeat | None = None
    calendar_feeds: CalendarFeeds | None = None  # serves GET /calendar/<token>.ics
    stopping: bool = False
    ticking: bool = False
    signed: bool = True  # a signing secret was given: Slack's HTTP requests can be verified
    _store_probe: BoundedProbe | None = None
    slack: SlackHealth | None = None
    # Loads what only a search needs (numpy, bm25s and the guide index): run in the background once the
    # process is ready, so start-up does not wait for it and the first search does not either.
    warm_up: Callable[[], object] | None = None
    # The Slack-bound work listeners hand off once they have acked (bot/slack/app.py AFTER_ACK).
    after_ack: Executor | None = None
    # The Slack requests being answered; the listeners' kicks of the runner wait for their answers.
    acks: AcksFirst | None = None

    def health(self) -> dict[str, Any]:
        """Alive: the process answers (a load balancer restarts it otherwise)."""
        last = self.ticker.last_tick_at
        return {"status": "ok", "last_tick_at": last.isoformat() if last else None}

    def _probe_store(self) -> str:
        try:
            state = self.store.schema()
        except StoreUnavailable as exc:
            return f"unreachable: {exc}"
        return "ok" if state.status == "current" else state.describe()

    def ready(self) -> tuple[bool, dict[str, Any]]:
        """Ready for Slack's requests: not shutting down, the store answering (within 0.8 s, so this
        answers within 1 s whatever the database does) at this release's schema and taking this
        replica's writes, and (when this replica runs jobs) its tick loop not stalled. A clock that
        disagrees with the database's is shown but does not make the replica unready: time is taken
        from the database."""
        checks: dict[str, str] = {}
        checks["shutdown"] = "shutting down" if self.stopping else "ok"
        if self._store_probe is None:
            self._store_probe = BoundedProbe(self._probe_store)
        checks["store"] = self._store_probe()
        failing = self.heartbeat.writes_failing_for() if self.heartbeat is not None else None
        if checks["store"] == "ok" and failing is not None:
            error = self.heartbeat.last_error if self.heartbeat is not None else None
            checks["store"] = f"locked or slow: writes failing for {failing:.0f} s ({error})"
        if self.ticking:  # a replica that runs jobs must be running them
            limit = self.watchdog.auditor.limits.stalled_after if self.watchdog else timedelta(seconds=30)
            last = self.ticker.last_tick_at or self.ticker.started_at
            if last is None or datetime.now(UTC) - last > limit:
                checks["scheduler"] = f"stalled: last tick {last.isoformat() if last else 'never'}"
            else:
                checks["scheduler"] = "ok"
        ok = all(value == "ok" for value in checks.values())
        # Shown, never a 503: a slow, down or refusing Slack is not fixed by taking this replica out of
        # the load balancer (its acks and modals need only this process and the store).
        if self.slack is not None:
            checks["slack"] = self.slack.describe()
        skew = self.heartbeat.clock_skew() if self.heartbeat is not None else None
        if skew is not None:
            checks["clock"] = describe_skew(skew)
        return ok, {"status": "ready" if ok else "not ready", "checks": checks}

    def reload(self) -> str:
        """Read the configuration files again (SIGHUP); a broken file keeps the last good configuration."""
        return self.reloader.reload() if self.reloader is not None else "kept"

    def start(
        self,
        *,
        http_port: int | None = None,
        host: str = "127.0.0.1",
        tick: bool = True,
        serve_slack: bool = True,
        warm: bool = True,
        reuse_port: bool = False,
    ) -> None:
        """Start the ticker and its auditor and, if a port is given, the HTTP server (port 0: any free port):
        Slack's requests on /slack/events unless `serve_slack` is off (Socket Mode), and the probes and
        /metrics always. The port is bound first: a port in use fails here, before any job runs. `warm`
        (a process that takes Slack's requests): build the guide search in the background once started."""
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
                    routes=self.extra.get("routes"),
                    in_flight=self.acks,
                ),
                host=host,
                port=http_port,
                reuse_port=reuse_port,
            )
        if tick:
            if self.heartbeat is not None:
                self.heartbeat.beat()  # at once: a dead predecessor's claims are taken over before the first tick
                self.heartbeat.start()
            listener = self.extra.get("listener")
            if listener is not None:
                listener.start()
            self.ticker.start()
            self.ticking = True
            if self.watchdog is not None:
                self.watchdog.start()
        else:
            self.ticker.passive = True  # a web process: the worker processes run the jobs it files
        if self.http is not None:
            self.http.start()
            public_url = self.extra.get("public_url")
            if public_url is not None and not public_url.url:
                public_url.url = f"http://{host}:{self.http.port}"  # no PUBLIC_URL: the local stand-ins call here
        if warm and self.warm_up is not None:
            threading.Thread(target=self._warm_up, args=(self.warm_up,), name="warm-up", daemon=True).start()

    @staticmethod
    def _warm_up(build: Callable[[], object]) -> None:
        try:
            build()
        except Exception:  # the first search builds it again, and says what fails
            log.exception("building the guide search in the background failed")

    def stop(self) -> None:
        """Graceful: refuse readiness, finish the Slack requests in flight and the work they started,
        finish the running tick (the rest of its batch handed back unclaimed), then close the store."""
        self.stopping = True
        if self.http is not None:
            self.http.stop()
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        if self.after_ack is not None:  # after Bolt's pool: its listeners hand work to this one
            self.after_ack.shutdown(wait=True)
        if self.watchdog is not None:
            self.watchdog.stop()
        self.runner.stop()
        listener = self.extra.get("listener")
        if listener is not None and self.ticking:
            listener.stop()
        self.ticker.stop()
        self.runner.close()
        if self.heartbeat is not None and self.ticking:
            self.heartbeat.stop()
        if self._store_probe is not None:
            self._store_probe.close()
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
    # Due times, leases and heartbeats on the database's clock (measured by the heartbeat), so replicas
    # whose clocks disagree still agree on when a page is due.
    clock = DatabaseClock(clock or SystemClock())
    # Every service reads the same LiveConfig, so a hot reload (ConfigReloader) is one swap.
    live = LiveConfig(config)
    config = cast(Config, live)
    store = store or Store.open(config.app.store_url, prefix=config.app.case_prefix)
    # One rate gate and one view of Slack's health for the whole replica: jobs, listeners, reads.
    gate, slack = RateGate(), SlackHealth()
    reads = build_client(token=secrets.bot_token, base_url=secrets.api_url, gate=gate, health=slack)
    sends = build_client(
        token=secrets.bot_token,
        base_url=secrets.api_url,
        for_sends=True,
        gate=gate,
        health=slack,
        timeout=max(1, round(config.app.send_deadline.total_seconds())),
    )
    locales = Locales(reads)
    notifier = SlackNotifier(
        sends,
        tz=config.app.timezone,
        catalog_for=lambda user_id: pick_catalog(config.form_catalogs, locales.locale(user_id)),
        sla_terms=lambda case: sla_terms(config, case),
    )
    directory = SlackDirectory(reads)
    oncall = OnCall(config=config, store=store, directory=directory, clock=clock)
    access = Access(config=config, directory=directory, store=store)
    deliveries = Deliveries(config=config, store=store, notifier=notifier)
    contact = build_contacts(config, store, clock, ContactSecrets.from_env(env))
    paging = Paging(config=config, store=store, sender=notifier, oncall=oncall, clock=clock, on_paged=contact.on_paged)

    def on_opened(tx: Tx, case: Case, now: datetime) -> None:
        start_paging(tx, case, config=config, oncall=oncall, now=now)
        schedule_timers(tx, tx.cases.get(case.id), now, config=config)

    guidance = Guidance(index=GuideIndex(config.guides), store=store)
    guidance.rebuild(config.guides)  # approved drafts answer before their file is committed

    opened = OpenedFollowUp(config=config, store=store, on_opened=on_opened, guidance=guidance)
    runner = JobRunner(
        store=store,
        clock=clock,
        handlers=opened.handlers()
        | deliveries.handlers()
        | paging.handlers()
        | Handoffs(config, store, notifier).handlers()
        | RepMessages(config, store, notifier, access).handlers()
        | Timers(config, store, notifier, oncall, clock).handlers()
        | Digests(config, store, notifier, clock.now).handlers()
        | WeeklyReports(config, store, notifier, clock.now).handlers()
        | RotaChecks(config, store, notifier).handlers()
        | RotaNotices(notifier).handlers()
        | Charts(config, store, notifier).handlers()
        | GuideExports(notifier).handlers()
        | contact.contacts.handlers(),
        give_up=give_up_contacts,
        lease=config.app.lease,
        retry_base=config.app.retry_base,
        sendless_kinds=frozenset({ESCALATE, CASE_OPENED}),
        page_kinds=frozenset({SEND}),
        # Page DMs first (with the case's root post, which a page links to and which is due before it),
        # then the escalation steps that make them (and the person's other contact methods), then
        # everything else (thread notes, root updates, digests…): 1,000 steps due in one second page
        # people as they are planned, not after all of them.
        priority=(frozenset({CASE_OPENED, POST_ROOT, SEND}), frozenset({ESCALATE, NOTIFY})),
        limit=50,
        # A step's page DMs are queued `plan_ahead` before it is due, to go out at its time.
        ahead=paging.ahead(),
        plan_ahead=config.app.plan_ahead,
        # Postgres: a batch's sends are recorded while the next batch goes out (SQLite's writers take turns).
        record_beside=store.engine.dialect.name != "sqlite",
        wall_clock=clock.wall,
        slack=slack,
    )
    listener = store.job_listener(lambda: ticker.kick())  # Postgres: other processes' new jobs wake this runner
    ticker = Ticker(
        runner,
        interval=config.app.tick_seconds,
        timezone=config.app.timezone,
        # SQLite: a commit by any other connection (a web process, a tool) ends the idle sleep;
        # Postgres: NOTIFY does, so the fallback wakes only when the listener is not connected.
        changed_elsewhere=store.changed_elsewhere if listener is None else lambda: not listener.connected.is_set(),
        hears_elsewhere=None if listener is None else listener.connected.is_set,
    )
    acks = AcksFirst(ticker.kick)  # a listener's kick waits for its answer to Slack to go out
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

    def on_changed(tx: Tx, case: Case, now: datetime, *, overdue_now: bool = False) -> None:
        schedule_timers(tx, case, now, config=config, overdue_now=overdue_now)
        relay_state(tx, case, now)  # PagerDuty/Opsgenie follow an acknowledgement or resolution in Slack

    def reindex(new: Config) -> None:
        guidance.rebuild(new.guides)

    # A draft approved on another replica: /ad-policy checks the store before each search; the intake
    # form's articles (searched in memory, behind an ack) pick it up from this check: within 2 s, or on
    # Postgres while this process's listener is connected, as soon as it hears the approval (NOTIFY
    # bot_guides), with a look every minute only as insurance.
    def drafts_every() -> float:
        return 60.0 if listener is not None and listener.connected.is_set() else 2.0

    ticker.every("guide_drafts", drafts_every, guidance.refresh, at_start=False)
    if listener is not None:
        listener.on_guides = lambda: ticker.periodic.run_soon("guide_drafts")

    reloader.on_reload.append(reindex)
    after_ack = ContextExecutor(max_workers=16, thread_name_prefix=AFTER_ACK)
    app = build_app(
        config=config,
        store=store,
        clock=clock,
        client=reads,
        signing_secret=secrets.signing_secret,
        kick=acks.kick,
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
        after_ack=after_ack,
    )
    app.use(gated_listeners(gate))

    def slack_back(what: str, lasted: timedelta) -> None:
        if "token" not in what and lasted < SLOW_WORTH_TELLING:
            return  # one missed deadline is a log line and a metric, not a message to the leads
        notice = OpsNotice(OpsKind.SLACK_BACK, worker=runner.worker, duration=lasted, summary=what)
        # Off the calling thread: this runs inside the Slack call that found Slack answering again.
        threading.Thread(
            target=_tell_quietly, args=(notifier, notice, config.app.leads_channel), name="slack-back", daemon=True
        ).start()

    slack.on_recovered.append(slack_back)
    heartbeat = Heartbeat(store=store, clock=clock, worker=runner.worker, on_released=ticker.kick)
    auditor = Auditor(
        store=store,
        alerts=notifier,
        channel_id=config.app.leads_channel,
        now=clock.now,
        wall_now=clock.wall_now,
        last_tick_at=lambda: ticker.last_tick_at,
        worker=runner.worker,
        writes_failing_for=heartbeat.writes_failing_for,
        clock_skew=heartbeat.clock_skew,
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
        heartbeat=heartbeat,
        calendar_feeds=CalendarFeeds(config=config, store=store),
        extra={"routes": {"/contact/": contact.routes}, "public_url": contact.public_url, "listener": listener},
        slack=slack,
        signed=bool(secrets.signing_secret),
        warm_up=lambda: guidance.index.build(),
        after_ack=after_ack,
        acks=acks,
    )


def _tell_quietly(notifier: SlackNotifier, notice: OpsNotice, channel_id: str) -> None:
    try:
        notifier.alert_ops(notice, channel_id=channel_id)
    except DeliveryError as exc:
        log.warning("slack_back notice not posted: %s", exc.reason)
