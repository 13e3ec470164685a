"""The YAML schema as people write it (`wait: 10m`, ids, local times), checked by pydantic."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from bot.config.durations import parse_duration
from bot.domain.flow import FieldKind, FieldRole

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
SlackUserId = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,}$")]
SlackChannelId = Annotated[str, Field(pattern=r"^[CGD][A-Z0-9]{2,}$")]
Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


class Strict(BaseModel):
    """Unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsSpec(Strict):
    flows: str = "escalation_flows"
    schedules: str = "oncall_schedules"
    guides: str = "policy_guides"  # a missing folder means no policy guides
    guide_drafts: str = "var/guide_drafts"  # approved drafts are written here as Markdown, ready to commit


class ChannelsSpec(Strict):
    escalations: SlackChannelId
    leads: SlackChannelId
    restricted: SlackChannelId | None = None


class HolidaysSpec(Strict):
    country: str = "SG"
    subdivision: str | None = None


class JobsSpec(Strict):
    tick_seconds: float = Field(default=2.0, gt=0, le=60)
    max_attempts: int = Field(default=8, ge=1, le=50)
    lease: Duration = timedelta(seconds=60)
    retry_base: Duration = timedelta(seconds=2)
    send_deadline: Duration = timedelta(seconds=10)  # one Slack send's deadline; then it is retried
    # An escalation step's page DMs are queued this long before the step is due (0: at the step), so a
    # burst of steps due together sends its pages at their time and does its bookkeeping after them.
    plan_ahead: Duration = timedelta(seconds=15)


class DigestSpec(Strict):
    channel: SlackChannelId
    at: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    days: Literal["daily", "weekdays", "weekends"] = "daily"


class WeeklySpec(Strict):
    channel: SlackChannelId
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    at: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class RotaCheckSpec(Strict):
    """The weekly look at the rota: gaps and placeholder ids in the next `weeks`, told to `channel`."""

    channel: SlackChannelId | None = None  # default: the leads' channel
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    at: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    weeks: int = Field(default=8, ge=1, le=104)


class AppSpec(Strict):
    team: str = Field(min_length=1, max_length=80)
    timezone: str = "Asia/Singapore"
    case_prefix: str = Field(default="ADS", pattern=r"^[A-Z]{2,6}$")
    store_url: str = "sqlite:///var/escalations.db"
    slash_command: str = Field(default="/ad-escalate", pattern=r"^/[a-z0-9_-]{1,31}$")
    oncall_command: str = Field(default="/oncall", pattern=r"^/[a-z0-9_-]{1,31}$")
    policy_command: str = Field(default="/ad-policy", pattern=r"^/[a-z0-9_-]{1,31}$")
    paths: PathsSpec = PathsSpec()
    channels: ChannelsSpec
    leads: list[SlackUserId] = Field(default_factory=list)
    staff_usergroups: list[Annotated[str, Field(pattern=r"^S[A-Z0-9]{2,}$")]] = Field(default_factory=list)
    holidays: HolidaysSpec = HolidaysSpec()
    jobs: JobsSpec = JobsSpec()
    digests: list[DigestSpec] = Field(default_factory=list)
    weekly_reports: list[WeeklySpec] = Field(default_factory=list)
    rota_check: RotaCheckSpec | None = RotaCheckSpec()  # `rota_check: null` turns it off
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")  # where people reach the bot

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Asia/Singapore") from exc
        return value


class OptionSpec(Strict):
    value: str = Field(min_length=1, max_length=150)
    label: str = Field(min_length=1, max_length=75)


class FieldSpec(Strict):
    id: Ident
    kind: FieldKind
    label: str = Field(min_length=1, max_length=2000)
    required: bool = False
    role: FieldRole | None = None
    placeholder: str = Field(default="", max_length=150)
    hint: str = Field(default="", max_length=2000)
    min_length: int = Field(default=0, ge=0, le=3000)
    max_length: int | None = Field(default=None, ge=1, le=3000)
    options: list[OptionSpec] = Field(default_factory=list, max_length=100)
    allowed_hosts: list[str] = Field(default_factory=list)
    prefill_from_text: bool = False

    @model_validator(mode="after")
    def _options_match_kind(self) -> FieldSpec:
        wants_options = self.kind in (FieldKind.SELECT, FieldKind.MULTI_SELECT)
        if wants_options and not self.options:
            raise ValueError(f"a {self.kind.value} field needs options")
        if self.options and not wants_options:
            raise ValueError(f"a {self.kind.value} field takes no options (only select and multi_select)")
        if self.kind is FieldKind.SEVERITY and self.role not in (None, FieldRole.SEVERITY):
            raise ValueError("a severity field can only have the role 'severity'")
        return self


class SeveritySpec(Strict):
    id: Ident
    label: str = Field(min_length=1, max_length=60)
    emoji: str = Field(pattern=r"^:[a-z0-9_+-]+:$")
    acknowledge_within: Duration
    resolve_within: Duration


class RuleWhen(Strict):
    deadline_within: Duration | None = None
    field: str | None = None
    values: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_condition(self) -> RuleWhen:
        if self.deadline_within is None and self.field is None:
            raise ValueError("a rule needs deadline_within or field")
        if self.field is not None and not self.values:
            raise ValueError("a field rule needs values to match")
        return self


class RuleSpec(Strict):
    when: RuleWhen
    raise_to: Ident
    reason: str = ""


class SeverityPolicySpec(Strict):
    default: Ident
    rules: list[RuleSpec] = Field(default_factory=list)


class GuidanceSpec(Strict):
    title: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://\S+$")


SlaClockName = Literal["wall", "business_hours"]


class SlaSpec(Strict):
    # One clock for every severity, or one per severity id; severities left out follow the policy's
    # timing (paged immediately: the wall clock; held for business hours: business hours).
    clock: SlaClockName | dict[Ident, SlaClockName] | None = None
    skip_holidays: bool = True
    schedule: str | None = None  # whose business hours and holidays count; default: the policy's first


class FlowSpec(Strict):
    id: Ident
    title: str = Field(min_length=1, max_length=75)
    description: str = Field(default="", max_length=1000)
    channel: SlackChannelId | None = None
    policy: str = Field(min_length=1)
    aliases: list[Ident] = Field(default_factory=list)
    duplicates_of: list[Ident] = Field(default_factory=list)  # flows whose open cases count as duplicates
    sensitive: bool = False
    fields: list[FieldSpec] = Field(min_length=1, max_length=90)
    severities: list[SeveritySpec] | None = None
    severity: SeverityPolicySpec
    guidance: list[GuidanceSpec] = Field(default_factory=list, max_length=10)
    sla: SlaSpec = SlaSpec()


class CommonSpec(Strict):
    severities: list[SeveritySpec] = Field(min_length=1)
    fields: dict[Ident, dict[str, object]] = Field(default_factory=dict)


class TargetSpec(Strict):
    schedule: str | None = None
    layer: str | None = None
    user: SlackUserId | None = None
    usergroup: str | None = Field(default=None, pattern=r"^S[A-Z0-9]{2,}$")

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetSpec:
        chosen = [k for k in ("schedule", "user", "usergroup") if getattr(self, k)]
        if len(chosen) != 1:
            raise ValueError("a target names exactly one of schedule, user or usergroup")
        if self.layer and not self.schedule:
            raise ValueError("layer goes with schedule")
        return self


class LevelSpec(Strict):
    targets: list[TargetSpec] = Field(min_length=1)
    wait: Duration
    repage_after: Duration | None = None

    @model_validator(mode="after")
    def _repage_within_wait(self) -> LevelSpec:
        if self.repage_after is not None and self.repage_after >= self.wait:
            raise ValueError("repage_after must be shorter than wait (the next level comes at wait)")
        return self


class PolicySpec(Strict):
    description: str = ""
    repeat: int = Field(default=1, ge=0, le=20)
    levels: list[LevelSpec] = Field(min_length=1)
    timing: dict[str, Literal["immediately", "business_hours"]] = Field(default_factory=dict)
    deadline_margin: Duration = timedelta(hours=1)


class PoliciesSpec(Strict):
    policies: dict[str, PolicySpec] = Field(min_length=1)
