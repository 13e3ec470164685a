"""Hot reload of the configuration: flows, policies, rotas and guides change without a restart.

Every service holds the same `LiveConfig`, so a reload is one swap. A reload that finds a broken
file keeps the last good configuration, logs every problem with its file and line, and tells the
leads' channel once per distinct breakage — once across every replica, too: each notice is keyed by
a hash of the files' contents and claimed in the store (`once`) before it is sent. Settings that
only take effect at start (the store, the slash command names, the job loop's timing) are kept as
they were, and the leads are told that a restart is needed for them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config.errors import ConfigError
from bot.config.loader import load_config
from bot.config.model import Config
from bot.services.ports import DeliveryError, OpsAlerts, OpsKind, OpsNotice

log = logging.getLogger(__name__)

# AppConfig fields read once at start (engines, Bolt's command registrations, the scheduler).
RESTART_ONLY = (
    "store_url",
    "case_prefix",
    "slash_command",
    "oncall_command",
    "policy_command",
    "tick_seconds",
    "lease",
    "retry_base",
    "max_attempts",
    "timezone",
)


class LiveConfig:
    """The configuration in force, swapped in place on reload; reads pass through to it."""

    def __init__(self, config: Config) -> None:
        self._current = config

    @property
    def current(self) -> Config:
        return self._current

    def swap(self, config: Config) -> None:
        self._current = config

    def __getattr__(self, name: str) -> Any:  # only for names LiveConfig itself does not have
        return getattr(self._current, name)

    def __repr__(self) -> str:
        return f"LiveConfig({self._current.source})"


@dataclass
class ConfigReloader:
    live: LiveConfig
    alerts: OpsAlerts
    now: Callable[[], datetime]
    env: Mapping[str, str] = field(default_factory=dict)
    on_reload: list[Callable[[Config], None]] = field(default_factory=list)
    # True for the first replica to claim a notice's key (bootstrap: a row in the store); the others stay quiet.
    once: Callable[[str], bool] = field(default=lambda _key: True)
    loaded_at: datetime | None = None
    last_error: str | None = None
    _fingerprint: tuple[tuple[str, int, int], ...] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._fingerprint = self.fingerprint()
        self.loaded_at = self.now()

    def fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """Path, mtime and size of app.yaml and every file in the folders it names."""
        config = self.live.current
        app = config.app
        folders = [app.flows_dir, app.schedules_dir, app.guides_dir]
        files = [config.source] + [f for d in folders if d is not None and d.is_dir() for f in d.rglob("*")]
        seen = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                seen.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(seen))

    def content_hash(self) -> str:
        """A short hash of the configuration files' paths and contents: the same on every replica that
        reads the same files (unlike mtimes, which differ between hosts and copies)."""
        digest = hashlib.sha256()
        for path, _mtime, _size in self.fingerprint():
            digest.update(Path(path).name.encode() + b"\0")
            try:
                digest.update(Path(path).read_bytes())
            except OSError:
                continue
            digest.update(b"\0")
        return digest.hexdigest()[:16]

    def check(self) -> str | None:
        """Reload if a file changed since the last look; returns what happened, or None."""
        with self._lock:
            fingerprint = self.fingerprint()
            if fingerprint == self._fingerprint:
                return None
            self._fingerprint = fingerprint
            return self._reload()

    def reload(self) -> str:
        """Load the files again: `reloaded`, or `kept` (the last good configuration stays in force)."""
        with self._lock:
            self._fingerprint = self.fingerprint()
            return self._reload()

    def _reload(self) -> str:
        old = self.live.current
        try:
            new = load_config(Path(old.source), env=self.env, now=self.now())
        except ConfigError as error:
            return self._keep(error)
        except OSError as error:  # a file vanished mid-deploy: same as a broken one
            return self._keep(ConfigError([]), reason=f"{type(error).__name__}: {error}")
        pinned = {name: getattr(old.app, name) for name in RESTART_ONLY}
        needs_restart = sorted(name for name, value in pinned.items() if getattr(new.app, name) != value)
        new = dataclasses.replace(new, app=dataclasses.replace(new.app, **pinned))
        self.live.swap(new)
        self.loaded_at, self.last_error = self.now(), None
        for callback in self.on_reload:
            callback(new)
        summary = f"{len(new.flows)} flows, {len(new.policies)} policies, {len(new.schedules)} rotas"
        log.info("configuration reloaded from %s: %s", new.source, summary)
        if needs_restart:
            self._tell(
                OpsNotice(kind=OpsKind.CONFIG_NEEDS_RESTART, summary=summary, settings=tuple(needs_restart)),
                key=f"config.restart:{self.content_hash()}",
            )
        return "reloaded"

    def _keep(self, error: ConfigError, *, reason: str | None = None) -> str:
        lines = [str(p) for p in error.problems] or [reason or "unreadable configuration"]
        text = "\n".join(lines)
        for line in lines:
            log.error("configuration reload failed: %s", line)
        if text != self.last_error:
            self.last_error = text
            self._tell(
                OpsNotice(kind=OpsKind.CONFIG_REJECTED, problems=tuple(lines), loaded_at=self.loaded_at),
                key=f"config.rejected:{self.content_hash()}",
            )
        return "kept"

    def _tell(self, notice: OpsNotice, *, key: str) -> None:
        try:
            first = self.once(key)
        except Exception as exc:  # the store is down: better a notice per replica than none
            log.warning("could not record the configuration notice %s: %s", key, type(exc).__name__)
            first = True
        if not first:
            log.info("configuration notice %s was sent by another replica", key)
            return
        try:
            self.alerts.alert_ops(notice, channel_id=self.live.current.app.leads_channel)
        except DeliveryError as exc:
            log.error("could not tell the leads about the configuration: %s", exc.reason)
