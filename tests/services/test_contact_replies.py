"""A pager's acknowledgement that arrives before the record of its alert waits for it, not dropped."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.contact import MethodKind
from bot.domain.events import EventKind
from bot.domain.intake import validate_intake
from bot.services.contact_replies import ContactReplies
from bot.services.open_case import open_case

SGT = ZoneInfo("Asia/Singapore")
NOW = datetime(2026, 12, 5, 3, 0, tzinfo=SGT)  # Saturday 03:00: a SEV1 handed to PagerDuty at night


def _case(store, config):
    values = {
        "advertiser": "Acme Foods",
        "campaign": "Spring launch",
        "market": "SG",
        "deadline": NOW + timedelta(hours=3),
        "question": "Can this run tonight?",
        "creative_url": "https://cdn.adsco.test/a.mp4",
    }
    intake = validate_intake(config.flow("prelaunch_review"), values, reporter_id="U0REP1", now=NOW)
    return open_case(intake, store=store, now=NOW, intake_key="view:V1:h1").case


def _handed_to_pagerduty(store, case_id: int, user_id: str) -> None:
    with store.transaction() as tx:
        tx.cases.add_event(case_id, kind=EventKind.CONTACTED, now=NOW, data={"method": "pagerduty", "user": user_id})


def test_an_acknowledgement_arriving_before_its_alert_is_recorded_waits_for_the_record(store, shipped_config):
    case = _case(store, shipped_config)
    replies = ContactReplies(config=shipped_config, store=store, now=lambda: NOW, record_wait=10)
    later = threading.Timer(0.3, _handed_to_pagerduty, args=(store, case.id, "U0SPEC2"))
    later.start()
    try:
        said = replies.pager_acknowledged(method=MethodKind.PAGERDUTY, key=f"escalation-bot:{case.human_id}")
    finally:
        later.join()
    assert said == f"Acknowledged {case.human_id}. Thank you.", said
    with store.read() as tx:
        assert tx.cases.get(case.id).acknowledged_by == "U0SPEC2"


def test_an_acknowledgement_for_an_alert_never_raised_is_unknown_after_the_wait(store, shipped_config):
    case = _case(store, shipped_config)
    replies = ContactReplies(config=shipped_config, store=store, now=lambda: NOW, record_wait=0.2)
    said = replies.pager_acknowledged(method=MethodKind.PAGERDUTY, key=f"escalation-bot:{case.human_id}")
    assert said == "unknown alert"
    assert replies.pager_acknowledged(method=MethodKind.PAGERDUTY, key="escalation-bot:ADS-9999") == "unknown alert"
    with store.read() as tx:
        assert tx.cases.get(case.id).acknowledged_by is None
