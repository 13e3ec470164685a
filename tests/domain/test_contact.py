"""Notification rules and the text that goes to phones: pure, with `paged_at` passed in."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.contact import (
    DEFAULT_RULES,
    ContactBook,
    ContactMethod,
    MethodKind,
    Person,
    Rule,
    Urgency,
    dedup_key,
    human_id_from_dedup,
    parse_ack_reply,
    phone_text,
)

PAGED_AT = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)  # Sunday 03:00 in Singapore


def person(user: str, **methods: str) -> Person:
    return Person(user, {MethodKind(k): ContactMethod(MethodKind(k), v) for k, v in methods.items()})


def test_default_high_urgency_is_sms_after_2_min_and_a_call_after_5():
    book = ContactBook({"U1": person("U1", sms="+6590000001", voice="+6590000001")})
    plan = book.plan("U1", Urgency.HIGH, paged_at=PAGED_AT)
    assert [(n.method.kind, n.due_at - PAGED_AT) for n in plan] == [
        (MethodKind.SMS, timedelta(minutes=2)),
        (MethodKind.VOICE, timedelta(minutes=5)),
    ]


def test_low_urgency_is_slack_only_and_a_person_without_a_phone_gets_slack_only():
    book = ContactBook({"U1": person("U1", sms="+6590000001")})
    assert book.plan("U1", Urgency.LOW, paged_at=PAGED_AT) == ()
    assert [n.method.kind for n in book.plan("U1", Urgency.HIGH, paged_at=PAGED_AT)] == [MethodKind.SMS]
    assert book.plan("U2", Urgency.HIGH, paged_at=PAGED_AT) == ()


def test_personal_rules_replace_the_default_for_their_urgency_only():
    own = Person(
        "U1",
        {MethodKind.EMAIL: ContactMethod(MethodKind.EMAIL, "a@b.test")},
        {Urgency.LOW: (Rule(MethodKind.SLACK), Rule(MethodKind.EMAIL, timedelta(minutes=30)))},
    )
    book = ContactBook({"U1": own})
    assert [n.due_at - PAGED_AT for n in book.plan("U1", Urgency.LOW, paged_at=PAGED_AT)] == [timedelta(minutes=30)]
    assert book.rules_for("U1", Urgency.HIGH) == DEFAULT_RULES[Urgency.HIGH]


def test_severity_decides_urgency():
    book = ContactBook()
    assert book.urgency("sev1") is Urgency.HIGH and book.urgency("sev2") is Urgency.HIGH
    assert book.urgency("sev3") is Urgency.LOW
    assert ContactBook(high_urgency=frozenset({"sev1"})).urgency("sev2") is Urgency.LOW


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1", (True, None)),
        (" 1 ", (True, None)),
        ("ack", (True, None)),
        ("ACK ads-1042", (True, "ADS-1042")),
        ("ack ADS-1042.", (True, "ADS-1042")),
        ("acknowledge ADS-7", (True, "ADS-7")),
        ("2", (False, None)),
        ("ok", (False, None)),
        ("11", (False, None)),
        ("", (False, None)),
    ],
)
def test_sms_replies(body, expected):
    assert parse_ack_reply(body) == expected


def test_phone_text_carries_only_id_severity_flow_and_link():
    text = phone_text(human_id="ADS-1042", severity="SEV1 · Critical", flow="PR risk", link="https://x.test/p1")
    assert text == "ADS-1042 SEV1 · Critical PR risk: you are paged. https://x.test/p1"


def test_dedup_key_round_trip_and_phone_lookup():
    assert human_id_from_dedup(dedup_key("ADS-1042")) == "ADS-1042"
    assert human_id_from_dedup("someone-else:ADS-1") is None
    book = ContactBook({"U1": person("U1", voice="+6590000001")})
    assert book.by_phone("+6590000001") == "U1" and book.by_phone("+6590000002") is None
