"""All the contact-method stand-ins together, and the environment that points a bot at them."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from slack_standin.clock import Clock
from slack_standin.contacts.pagers import OpsgenieStandIn, PagerDutyStandIn
from slack_standin.contacts.smtp import SmtpStandIn
from slack_standin.contacts.twilio import TwilioStandIn


class ContactStandIns:
    """Twilio, SMTP, PagerDuty and Opsgenie on 127.0.0.1, sharing the test's (or demo's) clock."""

    def __init__(self, clock: Clock) -> None:
        self.twilio = TwilioStandIn(clock)
        self.smtp = SmtpStandIn(clock)
        self.pagerduty = PagerDutyStandIn(clock)
        self.opsgenie = OpsgenieStandIn(clock)

    def env(self) -> dict[str, str]:
        """The variables a bot reads to use these stand-ins (names as in production)."""
        return {
            "TWILIO_ACCOUNT_SID": self.twilio.account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio.auth_token,
            "TWILIO_FROM_NUMBER": self.twilio.numbers[0],
            "TWILIO_API_URL": self.twilio.url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp.port),
            "SMTP_FROM": "escalation-bot@adsco.test",
            "SMTP_STARTTLS": "false",
            "PAGERDUTY_ROUTING_KEY": self.pagerduty.routing_keys[0],
            "PAGERDUTY_EVENTS_URL": self.pagerduty.url,
            "PAGERDUTY_WEBHOOK_SECRET": self.pagerduty.webhook_secret,
            "OPSGENIE_API_KEY": self.opsgenie.api_key,
            "OPSGENIE_API_URL": self.opsgenie.url,
            "OPSGENIE_WEBHOOK_KEY": self.opsgenie.webhook_key,
        }

    def point_at(self, bot_base_url: str) -> None:
        """Set the bot's webhook URLs, as one would in each service's console."""
        self.twilio.sms_url = f"{bot_base_url}/contact/twilio/sms"
        self.pagerduty.webhook_url = f"{bot_base_url}/contact/pagerduty"
        self.opsgenie.webhook_url = f"{bot_base_url}/contact/opsgenie"

    def close(self) -> None:
        for standin in (self.twilio, self.smtp, self.pagerduty, self.opsgenie):
            standin.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
