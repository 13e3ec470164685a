"""The validated configuration the bot runs on: the deployment's settings and everything loaded with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config.errors import ConfigProblem
from bot.domain.contact import ContactBook
from bot.domain.digest_schedule import DigestSchedule
from bot.domain.flow import Flow
from bot.domain.form_text import Catalog
from bot.domain.guide import Guide
from bot.domain.policy import Policy
from bot.domain.rota import Schedule


@dataclass(frozen=True, slots=True)
class AppConfig:
    """The deployment's own settings from app.yaml."""

    team: str
    timezone: ZoneInfo
    case_prefix: str
    store_url: str
    slash_command: str
    oncall_command: str
    flows_dir: Path
    schedules_dir: Path
    escalations_channel: str
    leads_channel: str
    restricted_channel: str | None
    leads: tuple[str, ...]
    staff_usergroups: tuple[str, ...]
    holiday_country: str
    holiday_subdivision: str | None
    tick_seconds: float
    max_attempts: int
    lease: timedelta
    retry_base: timedelta
    digests: tuple[DigestSchedule, ...] = ()
    weekly_reports: tuple[DigestSchedule, ...] = ()
    rota_checks: tuple[DigestSchedule, ...] = ()  # the weekly rota check (gaps, placeholders)
    rota_check_weeks: int = 8
    public_url: str | None = None  # the bot's public base URL (calendar feed links)
    guides_dir: Path | None = None
    policy_command: str = "/ad-policy"
    guide_drafts_dir: Path | None = None
    # Every Slack send's own deadline: past it the job comes back later and reads history first.
    send_deadline: timedelta = timedelta(seconds=10)
    plan_ahead: timedelta = timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the bot reads from the repository, validated."""

    app: AppConfig
    flows: tuple[Flow, ...]
    policies: Mapping[str, Policy]
    source: Path
    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    warnings: tuple[ConfigProblem, ...] = ()
    placeholders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    guides: tuple[Guide, ...] = ()
    contacts: ContactBook = field(default_factory=ContactBook)
    # The intake form's message catalogues by locale (escalation_flows/translations/<locale>.yaml).
    form_catalogs: Mapping[str, Catalog] = field(default_factory=dict)

    def flow(self, flow_id: str) -> Flow:
        for flow in self.flows:
            if flow.id == flow_id:
                return flow
        raise KeyError(flow_id)

    def policy_for(self, flow_id: str) -> Policy:
        """The escalation policy a flow pages with."""
        return self.policies[self.flow(flow_id).policy]

    def find_flow(self, word: str) -> Flow | None:
        """The flow whose id or alias is `word` (case-insensitive), if any."""
        key = word.strip().lower().replace("-", "_")
        for flow in self.flows:
            names = {flow.id, *flow.aliases}
            if key in {n.replace("-", "_") for n in names}:
                return flow
        return None
