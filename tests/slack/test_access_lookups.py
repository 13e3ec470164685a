"""Lookups, duplicates, followers and input shape under the one access decision, through signed requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.clock import FakeClock
from bot.store.cases import CaseRepo
from slack_standin import SlackStandIn
from tests.slack.conftest import SECRET, file_case, open_flow, prelaunch_values, wait_until

START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # Wednesday 16:00 in Singapore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START, ticking=True)


@pytest.fixture
def bot(make_bot, clock):
    return make_bot(clock=clock, max_attempts=12)


def case(bot, case_id: int = 1) -> Any:
    with bot.store.read() as tx:
        return tx.cases.get(case_id)


def count(bot) -> int:
    with bot.store.read() as tx:
        return tx.cases.count()


def root(standin: SlackStandIn, bot, case_id: int = 1) -> dict[str, Any]:
    ref = wait_until(lambda: case(bot, case_id).root, timeout=30)  # Slack's ~1 post a second a channel
    return next(m for m in standin.messages(ref.channel_id) if m["ts"] == ref.ts)


def said(standin: SlackStandIn, user: str, text: str) -> dict[str, Any]:
    """Run `/ad-escalate <text>` as `user` and return the ephemeral answer."""
    mark = len(standin.ephemerals(user))
    assert standin.user(user).slash_command("/ad-escalate", text=text, channel_id="C0SALES").status == 200
    return wait_until(lambda: standin.ephemerals(user)[mark:])[0]


def file_sensitive(standin: SlackStandIn, user: str = "U0REP1", advertiser: str = "Acme Secret") -> Any:
    person = open_flow(standin, user, "live_violation")
    response = person.submit_view(
        {
            "field_advertiser": advertiser,
            "field_campaign": "Spring launch",
            "field_market": "SG",
            "field_violation_type": "adult",
            "field_question": "Something confidential",
            "field_creative_url": "https://cdn.adsco.test/x.mp4",
            "field_sensitive": ["yes"],
        }
    )
    assert response.status == 200, response.body
    return response


def test_find_hides_sensitive_cases_from_non_staff_and_matches_words_literally(standin: SlackStandIn, bot, clock):
    file_case(standin, advertiser="Acme Foods", deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0))
    root(standin, bot)
    file_sensitive(standin, advertiser="Acme Secret")
    root(standin, bot, 2)
    rep = json.dumps(said(standin, "U0REP3", "find acme"))
    assert "ADS-1001" in rep and "ADS-1002" not in rep and "sensitive" not in rep
    staff = json.dumps(said(standin, "U0SPEC1", "find acme"))
    assert "ADS-1001" in staff and "ADS-1002" in staff and "Acme Secret" not in staff
    for wildcard in ("%", "a%", "%%"):
        assert "Give a part of an advertiser or campaign name" in said(standin, "U0SPEC1", f"find {wildcard}")["text"]
    assert said(standin, "U0SPEC1", "find __")["text"] == "0 case(s)"
    assert said(standin, "U0SPEC1", "find a\\_b")["text"] == "0 case(s)"


def test_the_digest_command_is_for_staff_and_a_rep_gets_their_own_cases(standin: SlackStandIn, bot, clock):
    file_case(standin, "U0REP1", deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0))
    root(standin, bot)
    file_sensitive(standin, "U0REP2", advertiser="Other Brand")
    root(standin, bot, 2)
    rep = said(standin, "U0REP1", "digest")
    assert "The digest is for the ads policy team" in json.dumps(rep)
    assert "ADS-1001" in json.dumps(rep) and "ADS-1002" not in json.dumps(rep)
    lead = json.dumps(said(standin, "U0LEAD1", "digest"))
    assert "ADS-1001" in lead and "ADS-1002" in lead and "Other Brand" not in lead


def test_a_duplicate_of_a_sensitive_case_is_filed_anew_and_linked_for_the_team(standin: SlackStandIn, bot, clock):
    file_sensitive(standin, "U0REP1", advertiser="Acme Foods")
    root(standin, bot)
    # The same flow (issue 14: duplicates are matched within a flow family, and a pre-launch review
    # is not in the live violations' family).
    person = open_flow(standin, "U0REP2", "live_violation")
    answer = person.submit_view(
        {
            "field_advertiser": "Acme Foods",
            "field_campaign": "Spring launch",
            "field_market": "SG",
            "field_violation_type": "misleading",
            "field_question": "The ad promises a cure",
            "field_creative_url": "https://cdn.adsco.test/y.mp4",
        }
    )
    assert answer.status == 200
    shown = json.dumps(answer.json())
    assert "ADS-1002" in shown and "ADS-1001" not in shown and "already open" not in shown
    assert count(bot) == 2
    # The link is made by the new case's `case.opened` job, right after the ack.
    wait_until(lambda: _linked(bot, 2, "ADS-1001"))
    assert _linked(bot, 1, "ADS-1002")
    wait_until(lambda: [m for m in _thread(standin, "C0POLICY") if "ADS-1002 was filed separately" in m])
    assert not [m for m in _thread(standin, "C0ESCALATE") if "ADS-1001" in m and "ADS-1002" in m]
    assert all("ADS-1001" not in json.dumps(m) for m in standin.dm_messages("U0REP2"))
    # Staff still see the duplicate notice (and may follow the sensitive case).
    lead = open_flow(standin, "U0LEAD1", "live_violation")
    notice = lead.submit_view(
        {
            "field_advertiser": "Acme Foods",
            "field_campaign": "Spring launch",
            "field_market": "SG",
            "field_violation_type": "misleading",
            "field_question": "The ad promises a cure",
            "field_creative_url": "https://cdn.adsco.test/y.mp4",
        }
    )
    assert "is already open for" in json.dumps(notice.json()) and count(bot) == 2


def test_a_follower_hears_the_outcome_but_gets_no_reopen_button(standin: SlackStandIn, bot, clock):
    file_case(standin, deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0))
    standin.user("U0REP2").click(root(standin, bot), "case_follow", value="1", channel="C0ESCALATE")
    wait_until(lambda: "U0REP2" in case(bot).followers)
    lead = standin.user("U0LEAD1")
    mark = len(standin.calls("views.open"))
    lead.click(root(standin, bot), "case_do", value="resolve:1", channel="C0ESCALATE")
    wait_until(lambda: len(standin.calls("views.open")) > mark)
    lead.submit_view({"case_outcome": "approved", "case_text": "Run it after 22:00."})
    for rep, button in (("U0REP1", True), ("U0REP2", False)):
        dm = wait_until(lambda rep=rep: [m for m in standin.dm_messages(rep) if "is resolved" in m["text"]])[0]
        assert "Run it after 22:00." in json.dumps(dm["blocks"])
        assert ("rep_follow_up" in json.dumps(dm["blocks"])) is button
    mark = len(standin.ephemerals("U0REP2"))
    standin.user("U0REP2").click(root(standin, bot), "case_do", value="reopen:1", channel="C0ESCALATE")
    refused = wait_until(lambda: standin.ephemerals("U0REP2")[mark:])[0]["text"]
    assert refused == ":no_entry: Only the reporter and the ads policy specialists and leads can reopen ADS-1001."
    assert case(bot).status.value == "resolved"


def test_a_selected_user_that_is_not_a_slack_id_is_refused_inline(standin: SlackStandIn, bot, clock):
    file_case(standin, deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0))
    lead = standin.user("U0LEAD1")
    mark = len(standin.calls("views.open"))
    lead.click(root(standin, bot), "case_menu", value="reassign:1", channel="C0ESCALATE")
    wait_until(lambda: len(standin.calls("views.open")) > mark)
    answer = lead.submit_view({"case_user": "U0X> <!channel"}, client_validation=False)
    assert answer.status == 200 and answer.errors == {"case_user": "Pick a person from the list"}
    assert case(bot).owner_id is None
    sent = json.dumps(
        [c.args for c in standin.calls("chat.postMessage")] + [c.args for c in standin.calls("chat.update")]
    )
    assert "<!channel>" not in sent and "U0X>" not in sent


def _signed(body: bytes, timestamp: str) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def test_a_malformed_timestamp_header_gets_401_and_no_error_log(
    standin: SlackStandIn, bot, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    body = urlencode({"command": "/ad-escalate", "user_id": "U0REP1", "trigger_id": "1.2.3"}).encode()
    for stamp in ("abc", "1e9", "", " 17", "-5"):
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp}
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
        response = standin.post_raw(body, headers)
        assert response.status == 401, (stamp, response.status, response.body)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _linked(bot: Any, case_id: int, other: str) -> bool:
    with bot.store.read() as tx:
        return ("linked", None, {"case": other}) in [(e.kind, e.actor_id, e.data) for e in tx.cases.events(case_id)]


def test_a_signed_request_whose_ids_are_not_slack_ids_is_refused(standin: SlackStandIn, bot):
    # Signed as Slack would, over the real time (the signature window is about the wall clock).
    stamp = str(int(datetime.now(UTC).timestamp()))
    for user, channel in (("U0X> <!channel", "C0SALES"), ("U0REP1", "C0S<!here>")):
        body = urlencode(
            {"command": "/ad-escalate", "text": "mine", "user_id": user, "channel_id": channel, "trigger_id": "1.2.3"}
        ).encode()
        response = standin.post_raw(body, _signed(body, stamp))
        assert response.status == 400, response.body
    assert count(bot) == 0 and not standin.calls("chat.postMessage") and not standin.ephemerals()


def test_bidi_and_zero_width_characters_are_removed_from_names_shown(standin: SlackStandIn, bot, clock):
    file_case(
        standin,
        advertiser="Acme\u202eFoods\u200b",
        campaign="Spr\u2066ing\u200d launch",
        deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0),
    )
    shown = json.dumps(root(standin, bot), ensure_ascii=False)
    assert "AcmeFoods" in shown and "Spring launch" in shown
    assert not any(ch in shown for ch in "\u202e\u200b\u2066\u200d")
    assert case(bot).advertiser == "AcmeFoods"


def test_a_submission_that_lost_the_race_to_another_replica_is_answered_200(
    store_url, standin: SlackStandIn, make_bot, clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    """Two replicas got the same submission at once: both looked, saw no case, both inserted; the one
    whose insert met the unique key answers from the store (no 500, no ERROR line with parameters)."""
    bot = make_bot(store_url=store_url, clock=clock)
    person = open_flow(standin, "U0REP1", "prelaunch_review")
    first = person.submit_view(prelaunch_values(deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0)))
    assert first.status == 200
    # The second copy looks before the first committed: it finds neither the key nor a duplicate.
    monkeypatch.setattr(CaseRepo, "id_by_intake_key", _missing_once(CaseRepo.id_by_intake_key))
    monkeypatch.setattr(CaseRepo, "open_names_in_flows", lambda self, *_, **__: [])
    again = standin.post_raw(first.request_body, dict(first.request_headers))
    assert again.status == 200, again.body
    assert json.loads(again.body)["view"] == first.json()["view"]
    assert count(bot) == 1
    assert any("concurrent submission for ADS-1001" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _missing_once(real: Any) -> Any:
    calls = {"n": 0}

    def lookup(self: CaseRepo, key: str) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(self, key)

    return lookup


def _thread(standin: SlackStandIn, channel: str) -> list[str]:
    found = []
    for message in standin.messages(channel):
        found += [json.dumps(m) for m in standin.messages(channel, thread_ts=message["ts"])]
    return found


def test_someone_on_call_by_an_override_is_paged_and_may_acknowledge(standin: SlackStandIn, bot, clock):
    """The rota YAML does not name U0REP2; `/oncall override` put them on call, so they are paged and their
    Acknowledge stops the escalation."""
    from bot.domain import rota

    with bot.store.transaction() as tx:
        tx.overrides.add(
            rota.Override(
                id=None,
                schedule_id="ads-policy-oncall",
                layer="primary",
                user_id="U0REP2",
                replaces=None,
                start_at=clock.now() - timedelta(minutes=1),
                end_at=clock.now() + timedelta(hours=8),
            ),
            created_by="U0LEAD1",
            now=clock.now(),
        )
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))
    page = wait_until(lambda: [m for m in standin.dm_messages("U0REP2") if "paged" in m["text"].lower()])[0]
    mark = len(standin.ephemerals("U0REP2"))
    standin.user("U0REP2").click(page, "case_ack", value="1")
    assert "You acknowledged ADS-1001" in wait_until(lambda: standin.ephemerals("U0REP2")[mark:])[0]["text"]
    assert case(bot).acknowledged_by == "U0REP2"
    with bot.store.read() as tx:
        pending = tx.jobs.states(kind="page.escalate")
    assert "pending" not in pending.values()
