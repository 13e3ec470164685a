"""app.yaml's validated spec turned into the deployment's AppConfig (paths relative to app.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import schema
from bot.config.model import AppConfig
from bot.domain.digest_schedule import DAYS, WEEKDAY, DigestSchedule


def _store_url(url: str, base: Path) -> str:
    """Relative SQLite paths are relative to app.yaml, not to wherever the bot was started."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((base / url.removeprefix(prefix)).resolve())
    return url


def build_app_config(spec: schema.AppSpec, base: Path, env: Mapping[str, str]) -> AppConfig:
    """The deployment's settings; `base` is app.yaml's folder, DATABASE_URL in `env` wins over store_url."""
    return AppConfig(
        team=spec.team,
        timezone=ZoneInfo(spec.timezone),
        case_prefix=spec.case_prefix,
        store_url=_store_url(env.get("DATABASE_URL") or spec.store_url, base),
        slash_command=spec.slash_command,
        oncall_command=spec.oncall_command,
        flows_dir=(base / spec.paths.flows).resolve(),
        schedules_dir=(base / spec.paths.schedules).resolve(),
        guides_dir=(base / spec.paths.guides).resolve(),
        policy_command=spec.policy_command,
        guide_drafts_dir=(base / spec.paths.guide_drafts).resolve(),
        escalations_channel=spec.channels.escalations,
        leads_channel=spec.channels.leads,
        restricted_channel=spec.channels.restricted,
        leads=tuple(spec.leads),
        staff_usergroups=tuple(spec.staff_usergroups),
        holiday_country=spec.holidays.country,
        holiday_subdivision=spec.holidays.subdivision,
        tick_seconds=spec.jobs.tick_seconds,
        max_attempts=spec.jobs.max_attempts,
        lease=spec.jobs.lease,
        retry_base=spec.jobs.retry_base,
        send_deadline=spec.jobs.send_deadline,
        plan_ahead=spec.jobs.plan_ahead,
        digests=tuple(
            DigestSchedule(
                channel_id=d.channel,
                at=time.fromisoformat(d.at),
                days=DAYS[d.days],
                timezone=ZoneInfo(spec.timezone),
            )
            for d in spec.digests
        ),
        weekly_reports=tuple(
            DigestSchedule(
                channel_id=w.channel,
                at=time.fromisoformat(w.at),
                days=frozenset({WEEKDAY[w.day]}),
                timezone=ZoneInfo(spec.timezone),
                kind="weekly",
            )
            for w in spec.weekly_reports
        ),
        rota_checks=tuple(
            DigestSchedule(
                channel_id=r.channel or spec.channels.leads,
                at=time.fromisoformat(r.at),
                days=frozenset({WEEKDAY[r.day]}),
                timezone=ZoneInfo(spec.timezone),
                kind="rota_check",
            )
            for r in ([spec.rota_check] if spec.rota_check else [])
        ),
        rota_check_weeks=spec.rota_check.weeks if spec.rota_check else 8,
        public_url=spec.public_url,
    )
