"""Build the contact-method services from their secrets: clients, job handlers, webhook routes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config.model import Config
from bot.contact.clients import OpsgenieClient, PagerDutyClient, SmtpClient, TwilioClient
from bot.contact.inbound import WsgiApp, build_contact_routes
from bot.contact.secrets import ContactSecrets
from bot.domain.case import Case
from bot.domain.contact import MethodKind
from bot.services.contact import Contacts, schedule_contacts
from bot.store.store import Store, Tx

log = logging.getLogger(__name__)


@dataclass
class PublicUrl:
    """Where the outside world reaches this bot: PUBLIC_URL, or the local server once it listens."""

    url: str = ""

    def __call__(self) -> str:
        return self.url


@dataclass
class ContactWiring:
    contacts: Contacts
    routes: WsgiApp
    public_url: PublicUrl
    config: Config
    enabled: frozenset[MethodKind] = field(default_factory=frozenset)

    def on_paged(
        self,
        tx: Tx,
        case: Case,
        user_id: str,
        generation: int,
        round: int,
        level: int,
        paged_at: datetime,
        now: datetime,
    ) -> None:
        schedule_contacts(
            tx,
            case,
            config=self.config,
            enabled=self.enabled,
            user_id=user_id,
            generation=generation,
            round=round,
            level=level,
            paged_at=paged_at,
            now=now,
        )


def build_contacts(config: Config, store: Store, clock: Clock, secrets: ContactSecrets) -> ContactWiring:
    enabled = secrets.enabled()
    public_url = PublicUrl(secrets.public_url)
    contacts = Contacts(
        config=config,
        store=store,
        phones=TwilioClient(secrets, public_url=public_url) if MethodKind.SMS in enabled else None,
        mail=SmtpClient(secrets) if MethodKind.EMAIL in enabled else None,
        pagerduty=PagerDutyClient(secrets) if MethodKind.PAGERDUTY in enabled else None,
        opsgenie=OpsgenieClient(secrets) if MethodKind.OPSGENIE in enabled else None,
        enabled=enabled,
        now=clock.now,
    )
    wanted = {m.kind for p in config.contacts.people.values() for m in p.methods.values()}
    missing = sorted(k.value for k in wanted - enabled)
    if missing:
        log.warning("contact methods without secrets are not used: %s (see README, Contact methods)", missing)
    return ContactWiring(
        contacts=contacts,
        routes=build_contact_routes(contacts, secrets, public_url=public_url),
        public_url=public_url,
        config=config,
        enabled=enabled,
    )
