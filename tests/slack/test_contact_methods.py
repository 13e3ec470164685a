"""Contact methods end to end: the real bot over HTTP, the Slack stand-in, and the Twilio, SMTP,
PagerDuty and Opsgenie stand-ins over real HTTP/SMTP, at the clock positions that matter."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import Bot, Secrets, build_bot
from bot.clock import FakeClock
from bot.config.model import Config
from bot.domain import rota
from bot.domain.contact import DEFAULT_RULES, ContactBook, ContactMethod, MethodKind, Person, Rule, Urgency, dedup_key
from bot.store.store import Store
from slack_standin import SlackStandIn
from slack_standin.contacts.base import Answer
from slack_standin.contacts.standins import ContactStandIns
from slack_standin.contacts.twilio import sign
from tests.slack.conftest import (
    SECRET,
    SGT,
    TEST_CLOCK,
    TOKEN,
    fast_config,
    file_case,
    open_flow,
    ticks_pass,
    wait_until,
)

SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=SGT)
WEDNESDAY_AFTERNOON = datetime(2026, 12, 2, 15, 0, tzinfo=SGT)


@pytest.fixture
def phones() -> Iterator[ContactStandIns]:
    with ContactStandIns(TEST_CLOCK) as running:
        yield running


@pytest.fixture
def make_contact_bot(
    standin: SlackStandIn, shipped_config: Config, tmp_path: Path, phones: ContactStandIns
) -> Iterator[Callable[..., Bot]]:
    bots: list[Bot] = []

    def make(clock: FakeClock, config: Config | None = None, store_url: str | None = None) -> Bot:
        TEST_CLOCK.target = clock
        config = fast_config(config or shipped_config, store_url or f"sqlite:///{tmp_path / 'bot.db'}")
        bot = build_bot(
            config,
            secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=standin.api_url),
            store=Store.open(config.app.store_url, prefix=config.app.case_prefix),
            clock=clock,
            env=phones.env(),
        )
        bot.start(http_port=0)
        assert bot.http is not None
        standin.bot_url = bot.http.url
        phones.point_at(f"http://127.0.0.1:{bot.http.port}")
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.stop()


def primary_at(bot: Bot, at: datetime) -> str:
    return rota.on_call(bot.config.schedules["ads-policy-oncall"], at, overrides=())["primary"][0]


def case(bot: Bot, case_id: int = 1) -> Any:
    with bot.store.read() as tx:
        return tx.cases.get(case_id)


def advance(bot: Bot, clock: FakeClock, minutes: float) -> None:
    clock.advance(timedelta(minutes=minutes))
    bot.ticker.kick()


def number(bot: Bot, user: str) -> str:
    return bot.config.contacts.people[user].methods[MethodKind.SMS].address


def thread(standin: SlackStandIn, bot: Bot) -> list[str]:
    return [m["text"] for m in standin.messages("C0ESCALATE", thread_ts=case(bot).root.ts)]


def settle(bot: Bot, clock: FakeClock, predicate: Callable[[], Any], *, tries: int = 60) -> Any:
    """Let retries come due on the frozen clock, a second at a time. The stand-in's per-channel rate limit
    runs on real time, so each step also lets real time pass (pacing only: nothing is proven by a sleep)."""
    for _ in range(tries):
        result = predicate()
        if result:
            return result
        clock.advance(timedelta(seconds=1))
        ticks_pass(bot, 1)
        time.sleep(0.3)
    raise TimeoutError("condition not met")


def leads_posts(standin: SlackStandIn, word: str) -> list[Any]:
    return [
        c
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"] == "C0LEADS" and word in json.dumps(c.args)
    ]


def file_sev1(standin: SlackStandIn, clock: FakeClock, **extra: Any) -> None:
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0), **extra)


def paged_dm(standin: SlackStandIn, user: str) -> Any:
    return wait_until(lambda: [m for m in standin.dm_messages(user) if m["text"].startswith("Paged:")])


@dataclasses.dataclass(frozen=True)
class Paged:
    """A SEV1 case filed on Sunday at 3 a.m. and its page in the primary's DMs (Slack first)."""

    bot: Bot
    clock: FakeClock
    primary: str
    page: dict[str, Any]

    @property
    def phone(self) -> str:
        return number(self.bot, self.primary)


@pytest.fixture
def sev1_paged(standin: SlackStandIn, make_contact_bot: Callable[..., Bot]) -> Callable[..., Paged]:
    def page(config: Config | None = None) -> Paged:
        clock = FakeClock(SUNDAY_3AM)
        bot = make_contact_bot(clock, config=config)
        file_sev1(standin, clock)
        primary = primary_at(bot, clock.now())
        return Paged(bot, clock, primary, paged_dm(standin, primary)[0])

    return page


def incident_key(bot: Bot, phones: ContactStandIns) -> str:
    """The case's PagerDuty dedup key, once its incident is raised."""
    key = dedup_key(case(bot).human_id)
    wait_until(lambda: key in phones.pagerduty.incidents)
    return key


def test_sev1_sunday_3am_sms_at_2_min_call_at_5_then_sms_reply_acknowledges(
    standin: SlackStandIn, sev1_paged, phones: ContactStandIns
):
    paged = sev1_paged()
    bot, clock, primary, phone = paged.bot, paged.clock, paged.primary, paged.phone
    ticks_pass(bot)
    assert phones.twilio.messages_to(phone) == []  # Slack first; nothing rings before 2 minutes

    advance(bot, clock, 2)
    sms = wait_until(lambda: phones.twilio.messages_to(phone))[0]
    current = case(bot)
    assert current.human_id in sms.body and "SEV1" in sms.body and "Pre-launch" in sms.body
    for secret in ("Acme", "Spring launch", "alcohol"):  # advertiser, campaign, question: never on a phone
        assert secret not in sms.body
    assert sms.params["StatusCallback"].endswith(f"case={current.id}&user={primary}")
    ticks_pass(bot)
    assert phones.twilio.calls_to(phone) == []

    advance(bot, clock, 3)
    call = wait_until(lambda: [c for c in phones.twilio.calls_to(phone) if c.twiml])[0]
    assert "<Gather" in call.twiml and current.human_id in call.twiml and "Press 1" in call.twiml

    status, reply = phones.twilio.reply_sms(phone, f"ack {current.human_id}")
    assert status == 200 and f"Acknowledged {current.human_id}" in reply
    assert case(bot).acknowledged_by == primary
    settle(bot, clock, lambda: any("acknowledged this case by SMS" in t for t in thread(standin, bot)))
    root = wait_until(lambda: [c for c in standin.calls("chat.update") if c.args["ts"] == case(bot).root.ts])
    assert f"by <@{primary}>" in json.dumps(root[-1].args["blocks"])
    sent = len(phones.twilio.sent)
    advance(bot, clock, 60)
    ticks_pass(bot)
    assert len(phones.twilio.sent) == sent  # every pending notification was cancelled with the page

    status, reply = phones.twilio.reply_sms(phone, "1")
    assert status == 200 and "Nothing is paging you" in reply


def test_pressing_1_on_the_call_acknowledges(standin: SlackStandIn, sev1_paged, phones: ContactStandIns):
    paged = sev1_paged()
    bot, clock = paged.bot, paged.clock
    advance(bot, clock, 5)
    call = wait_until(lambda: [c for c in phones.twilio.calls_to(paged.phone) if c.twiml])[0]
    status, said = phones.twilio.press(call, "1")
    assert status == 200 and "Acknowledged" in said
    assert case(bot).acknowledged_by == paged.primary
    settle(bot, clock, lambda: any("by phone call" in t for t in thread(standin, bot)))


def test_unsigned_or_forged_twilio_requests_are_refused(sev1_paged, phones: ContactStandIns):
    paged = sev1_paged()
    bot, phone = paged.bot, paged.phone
    assert phones.twilio.reply_sms(phone, "1", signature="")[0] == 403
    forged = sign("not-the-auth-token", phones.twilio.sms_url, {"From": phone, "Body": "1"})
    assert phones.twilio.reply_sms(phone, "1", signature=forged)[0] == 403
    assert case(bot).acknowledged_by is None
    # Someone who is not on the rota cannot acknowledge either, even signed.
    status, reply = phones.twilio.reply_sms("+6599999999", "1")
    assert status == 200 and "not on the escalation rota" in reply
    assert case(bot).acknowledged_by is None


def test_undeliverable_sms_is_reported_and_the_call_still_goes_out(
    standin: SlackStandIn, sev1_paged, phones: ContactStandIns
):
    paged = sev1_paged()  # the SMS goes out 2 minutes after the page: the number is dead by then
    bot, clock, phone = paged.bot, paged.clock, paged.phone
    phones.twilio.unreachable.add(phone)
    advance(bot, clock, 2)
    report = settle(bot, clock, lambda: leads_posts(standin, "SMS"))[0]
    assert "30003" in json.dumps(report.args)
    settle(bot, clock, lambda: any("Could not reach" in t and "SMS" in t for t in thread(standin, bot)))
    advance(bot, clock, 3)
    wait_until(lambda: phones.twilio.calls_to(phone))  # the next method is not held up


def test_twilio_429_is_retried_and_the_sms_is_sent_once(sev1_paged, phones: ContactStandIns):
    paged = sev1_paged()  # the SMS goes out 2 minutes after the page, into two 429s
    bot, clock = paged.bot, paged.clock
    phones.twilio.server.fail(
        "/Messages.json",
        Answer(429, {"code": 20429, "message": "Too Many Requests", "status": 429}, {"Retry-After": "1"}),
        times=2,
    )
    advance(bot, clock, 2)
    for _ in range(30):
        if phones.twilio.messages_to(paged.phone):
            break
        advance(bot, clock, 0.05)
        ticks_pass(bot)
    assert len(phones.twilio.messages_to(paged.phone)) == 1
    answered = phones.twilio.server.wait_for(lambda r: "Messages" in r.path, count=3)
    assert [r.status for r in answered] == [429, 429, 201]


def test_low_urgency_in_business_hours_stays_in_slack(standin: SlackStandIn, make_contact_bot, phones: ContactStandIns):
    clock = FakeClock(WEDNESDAY_AFTERNOON)
    bot = make_contact_bot(clock)
    file_case(standin)  # deadline in 3 days: SEV3, low urgency
    primary = primary_at(bot, clock.now())
    paged_dm(standin, primary)
    assert bot.config.contacts.rules_for(primary, Urgency.LOW) == DEFAULT_RULES[Urgency.LOW] or primary == "U0SPEC3"
    advance(bot, clock, 10)
    ticks_pass(bot)
    assert phones.twilio.sent == []


def pager_config(config: Config, method: MethodKind, address: str = "ads-policy") -> Config:
    people = {
        user: Person(
            user_id=user,
            methods={method: ContactMethod(method, address), MethodKind.SLACK: ContactMethod(MethodKind.SLACK, user)},
            rules={Urgency.HIGH: (Rule(MethodKind.SLACK), Rule(method))},
        )
        for user in ("U0SPEC1", "U0SPEC2", "U0SPEC3")
    }
    return dataclasses.replace(config, contacts=ContactBook(people=people))


def test_pagerduty_handover_acknowledged_in_pagerduty_then_resolved_in_slack(
    standin: SlackStandIn, sev1_paged, phones: ContactStandIns, shipped_config: Config
):
    paged = sev1_paged(pager_config(shipped_config, MethodKind.PAGERDUTY))
    bot, clock, primary = paged.bot, paged.clock, paged.primary
    key = incident_key(bot, phones)
    trigger = phones.pagerduty.server.wait_for(lambda r: r.path == "/v2/enqueue")[0].json()
    assert trigger["event_action"] == "trigger" and trigger["payload"]["severity"] == "critical"
    assert "Acme" not in json.dumps(trigger)

    assert phones.pagerduty.acknowledge_in_app(key, signature="v1=" + "0" * 64)[0] == 403
    assert case(bot).acknowledged_by is None
    assert phones.pagerduty.acknowledge_in_app(key)[0] == 200
    assert case(bot).acknowledged_by == primary
    settle(bot, clock, lambda: any("by PagerDuty" in t for t in thread(standin, bot)))

    from bot.domain.case import CaseStatus

    with bot.store.transaction() as tx:  # resolved in Slack (the lifecycle's hook relays it)
        tx.cases.change(1, now=clock.now(), status=CaseStatus.RESOLVED, resolved_by=primary, resolved_at=clock.now())
    from bot.services.handover import relay_state

    with bot.store.transaction() as tx:
        relay_state(tx, tx.cases.get(1), clock.now())
    bot.ticker.kick()
    wait_until(lambda: phones.pagerduty.incidents[key].status == "resolved")


def test_opsgenie_handover_acknowledged_in_opsgenie(sev1_paged, phones: ContactStandIns, shipped_config: Config):
    paged = sev1_paged(pager_config(shipped_config, MethodKind.OPSGENIE, "ads-policy-team"))
    bot, primary = paged.bot, paged.primary
    alias = dedup_key(case(bot).human_id)
    wait_until(lambda: alias in phones.opsgenie.alerts)
    assert phones.opsgenie.alerts[alias].priority == "P1"
    assert phones.opsgenie.acknowledge_in_app(alias, key="wrong")[0] == 403
    assert case(bot).acknowledged_by is None
    assert phones.opsgenie.acknowledge_in_app(alias)[0] == 200
    assert case(bot).acknowledged_by == primary


def test_slack_acknowledgement_is_relayed_to_pagerduty(
    standin: SlackStandIn, sev1_paged, phones: ContactStandIns, shipped_config: Config
):
    paged = sev1_paged(pager_config(shipped_config, MethodKind.PAGERDUTY))
    key = incident_key(paged.bot, phones)
    standin.user(paged.primary).click(paged.page, "case_ack", value="1")
    wait_until(lambda: phones.pagerduty.incidents[key].status == "acknowledged")


def test_invalid_routing_key_is_not_retried_and_is_reported(
    standin: SlackStandIn, make_contact_bot, phones: ContactStandIns, shipped_config: Config
):
    clock = FakeClock(SUNDAY_3AM)
    bot = make_contact_bot(clock, config=pager_config(shipped_config, MethodKind.PAGERDUTY))
    phones.pagerduty.routing_keys = ("R0" + "9" * 30,)  # the bot's key is no longer an integration's
    file_sev1(standin, clock)
    report = settle(bot, clock, lambda: leads_posts(standin, "PagerDuty"))[0]
    assert "routing_key" in json.dumps(report.args)
    assert [r.status for r in phones.pagerduty.server.received] == [400]
    settle(bot, clock, lambda: any("Could not reach" in t for t in thread(standin, bot)))


def test_email_goes_through_smtp(standin: SlackStandIn, make_contact_bot, phones: ContactStandIns, shipped_config):
    clock = FakeClock(SUNDAY_3AM)
    bot = make_contact_bot(clock, config=pager_config(shipped_config, MethodKind.EMAIL, "oncall@adsco.test"))
    file_sev1(standin, clock)
    mail = wait_until(lambda: phones.smtp.mails)[0]
    assert mail.recipients == ["oncall@adsco.test"] and case(bot).human_id in mail.message["Subject"]
    assert "Acme" not in mail.message.get_payload()


def test_a_sensitive_case_reaches_phones_with_id_severity_flow_and_link_only(
    standin: SlackStandIn, make_contact_bot, phones: ContactStandIns, shipped_config: Config
):
    everything_high = dataclasses.replace(
        shipped_config.contacts, high_urgency=frozenset(s.id for f in shipped_config.flows for s in f.severities)
    )
    clock = FakeClock(SUNDAY_3AM)
    bot = make_contact_bot(clock, config=dataclasses.replace(shipped_config, contacts=everything_high))
    person = open_flow(standin, "U0REP1", "live_violation")
    person.submit_view(
        {
            "field_advertiser": "Shocking Brand",
            "field_campaign": "Gore promo",
            "field_market": "SG",
            "field_violation_type": "adult",
            "field_question": "The ad shows graphic injury footage",
            "field_creative_url": "https://cdn.adsco.test/gore.mp4",
            "field_sensitive": ["yes"],
        }
    )
    primary = primary_at(bot, clock.now())
    paged_dm(standin, primary)
    advance(bot, clock, 5)
    call = wait_until(lambda: [c for c in phones.twilio.calls_to(number(bot, primary)) if c.twiml])[0]
    sms = phones.twilio.messages_to(number(bot, primary))[0]
    assert case(bot).human_id in sms.body and case(bot).human_id in call.twiml
    for secret in ("Shocking", "Gore", "injury", "gore.mp4"):
        assert secret not in sms.body and secret not in call.twiml


def test_two_replicas_on_one_store_send_each_notification_once(
    standin: SlackStandIn, make_contact_bot, phones: ContactStandIns, store_url: str
):
    clock = FakeClock(SUNDAY_3AM)
    first = make_contact_bot(clock, store_url=store_url)
    second = make_contact_bot(clock, store_url=store_url)
    file_sev1(standin, clock)
    primary = primary_at(first, clock.now())
    paged_dm(standin, primary)
    for _ in range(6):  # past the SMS (2 min) and the call (5 min), each replica ticking on its own
        advance(first, clock, 1)
        second.ticker.kick()
        ticks_pass(first)
        ticks_pass(second)
    phone = number(first, primary)
    wait_until(lambda: phones.twilio.calls_to(phone))
    ticks_pass(first)
    ticks_pass(second)
    assert len(phones.twilio.messages_to(phone)) == 1 and len(phones.twilio.calls_to(phone)) == 1
    with first.store.read() as tx:
        contacted = [e.data["method"] for e in tx.cases.events(1) if e.kind == "contacted"]
    assert sorted(contacted) == ["sms", "voice"]


def test_resolving_in_slack_resolves_the_pagerduty_incident(
    standin: SlackStandIn, sev1_paged, phones: ContactStandIns, shipped_config: Config
):
    paged = sev1_paged(pager_config(shipped_config, MethodKind.PAGERDUTY))
    bot, clock = paged.bot, paged.clock
    key = incident_key(bot, phones)
    root = next(m for m in standin.messages("C0ESCALATE") if m["ts"] == case(bot).root.ts)
    elements = [e for b in root["blocks"] for e in b.get("elements", [])]
    own = any(e.get("action_id") == "case_do" and e.get("value") == "resolve:1" for e in elements)
    lead = standin.user("U0LEAD1")
    lead.click(root, "case_do" if own else "case_menu", value="resolve:1", channel="C0ESCALATE")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    lead.submit_view({"case_outcome": "no_violation", "case_text": "Fine to run."})
    wait_until(lambda: case(bot).status.value == "resolved")
    settle(bot, clock, lambda: phones.pagerduty.incidents[key].status == "resolved")
    assert phones.pagerduty.incidents[key].log == ["trigger", "resolve"]


def test_pagerduty_429_and_500_are_retried_then_the_incident_is_raised_once(
    standin: SlackStandIn, make_contact_bot, phones: ContactStandIns, shipped_config: Config
):
    clock = FakeClock(SUNDAY_3AM)
    phones.pagerduty.server.fail("/v2/enqueue", Answer(429, {"status": "throttle event"}), times=1)
    phones.pagerduty.server.fail("/v2/enqueue", Answer(500, {"status": "error"}), times=1)
    bot = make_contact_bot(clock, config=pager_config(shipped_config, MethodKind.PAGERDUTY))
    file_sev1(standin, clock)
    key = dedup_key(case(bot).human_id) if wait_until(lambda: case(bot).root) else ""
    settle(bot, clock, lambda: key in phones.pagerduty.incidents)
    answered = phones.pagerduty.server.wait_for(lambda r: r.path == "/v2/enqueue", count=3)
    assert [r.status for r in answered] == [429, 500, 202]
    assert phones.pagerduty.incidents[key].log == ["trigger"]


def test_a_final_twilio_error_is_reported_at_once_without_retrying(
    standin: SlackStandIn, sev1_paged, phones: ContactStandIns
):
    paged = sev1_paged()  # the SMS goes out 2 minutes after the page, into Twilio's refusal
    bot, clock = paged.bot, paged.clock
    stop = {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
    phones.twilio.server.fail("/Messages.json", Answer(400, stop), times=5)
    advance(bot, clock, 2)
    report = settle(bot, clock, lambda: leads_posts(standin, "21610"))[0]
    assert "SMS" in json.dumps(report.args)
    assert len([r for r in phones.twilio.server.received if "Messages" in r.path]) == 1


def test_a_second_reply_is_told_who_acknowledged_first_and_others_cannot_ack_a_case_not_paging_them(
    standin: SlackStandIn, sev1_paged, phones: ContactStandIns
):
    paged = sev1_paged()
    bot, primary, page = paged.bot, paged.primary, paged.page
    human_id = case(bot).human_id
    other = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != primary)
    assert "is not paging you" in phones.twilio.reply_sms(number(bot, other), f"ack {human_id}")[1]
    assert case(bot).acknowledged_by is None
    standin.user(primary).click(page, "case_ack", value="1")
    wait_until(lambda: case(bot).acknowledged_by == primary)
    status, reply = phones.twilio.reply_sms(number(bot, primary), f"ack {human_id}")
    assert status == 200 and f"already acknowledged by {primary}" in reply


def test_a_restart_between_the_sms_and_the_call_sends_each_once(
    standin: SlackStandIn, make_contact_bot, phones: ContactStandIns, tmp_path: Path
):
    clock = FakeClock(SUNDAY_3AM)
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    before = make_contact_bot(clock, store_url=url)
    file_sev1(standin, clock)
    primary = primary_at(before, clock.now())
    phone = number(before, primary)
    paged_dm(standin, primary)
    advance(before, clock, 2)
    wait_until(lambda: phones.twilio.messages_to(phone))
    ticks_pass(before)
    before.stop()  # the replica goes away; its successor starts on the same store
    after = make_contact_bot(clock, store_url=url)
    advance(after, clock, 3)
    wait_until(lambda: phones.twilio.calls_to(phone))
    ticks_pass(after)
    assert len(phones.twilio.messages_to(phone)) == 1 and len(phones.twilio.calls_to(phone)) == 1


def test_a_refused_email_address_is_reported(
    standin: SlackStandIn, make_contact_bot, phones: ContactStandIns, shipped_config
):
    clock = FakeClock(SUNDAY_3AM)
    phones.smtp.refuse.add("oncall@adsco.test")
    bot = make_contact_bot(clock, config=pager_config(shipped_config, MethodKind.EMAIL, "oncall@adsco.test"))
    file_sev1(standin, clock)
    report = settle(bot, clock, lambda: leads_posts(standin, "e-mail"))[0]
    assert "SMTP refused" in json.dumps(report.args)
    assert phones.smtp.mails == []
