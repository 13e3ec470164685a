"""Contact-method secrets and endpoints, from the environment only (each also as NAME_FILE)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.domain.contact import MethodKind


def _read(env: Mapping[str, str], name: str, default: str = "") -> str:
    """NAME, or the contents of the file NAME_FILE points at (Docker/Kubernetes secrets), or `default`."""
    if env.get(name):
        return env[name].strip()
    path = env.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return default


@dataclass(frozen=True, slots=True)
class ContactSecrets:
    """What the outbound clients and the inbound checks need; a method without its secrets is off."""

    public_url: str = ""  # where Twilio, PagerDuty and Opsgenie reach this bot (its HTTP base URL)
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    pagerduty_routing_key: str = ""
    pagerduty_events_url: str = "https://events.pagerduty.com"
    pagerduty_webhook_secret: str = ""
    opsgenie_api_key: str = ""
    opsgenie_api_url: str = "https://api.opsgenie.com"
    opsgenie_webhook_key: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ContactSecrets:
        env = os.environ if env is None else env
        return cls(
            public_url=_read(env, "PUBLIC_URL").rstrip("/"),
            twilio_account_sid=_read(env, "TWILIO_ACCOUNT_SID"),
            twilio_auth_token=_read(env, "TWILIO_AUTH_TOKEN"),
            twilio_from=_read(env, "TWILIO_FROM_NUMBER"),
            twilio_api_url=_read(env, "TWILIO_API_URL", "https://api.twilio.com").rstrip("/"),
            smtp_host=_read(env, "SMTP_HOST"),
            smtp_port=int(_read(env, "SMTP_PORT", "587")),
            smtp_username=_read(env, "SMTP_USERNAME"),
            smtp_password=_read(env, "SMTP_PASSWORD"),
            smtp_from=_read(env, "SMTP_FROM"),
            smtp_starttls=_read(env, "SMTP_STARTTLS", "true").lower() not in ("0", "false", "no"),
            pagerduty_routing_key=_read(env, "PAGERDUTY_ROUTING_KEY"),
            pagerduty_events_url=_read(env, "PAGERDUTY_EVENTS_URL", "https://events.pagerduty.com").rstrip("/"),
            pagerduty_webhook_secret=_read(env, "PAGERDUTY_WEBHOOK_SECRET"),
            opsgenie_api_key=_read(env, "OPSGENIE_API_KEY"),
            opsgenie_api_url=_read(env, "OPSGENIE_API_URL", "https://api.opsgenie.com").rstrip("/"),
            opsgenie_webhook_key=_read(env, "OPSGENIE_WEBHOOK_KEY"),
        )

    def enabled(self) -> frozenset[MethodKind]:
        """The methods this deployment can use (Slack always)."""
        on = {MethodKind.SLACK}
        if self.twilio_account_sid and self.twilio_auth_token and self.twilio_from:
            on |= {MethodKind.SMS, MethodKind.VOICE}
        if self.smtp_host and self.smtp_from:
            on.add(MethodKind.EMAIL)
        if self.pagerduty_routing_key:
            on.add(MethodKind.PAGERDUTY)
        if self.opsgenie_api_key:
            on.add(MethodKind.OPSGENIE)
        return frozenset(on)
