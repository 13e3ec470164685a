"""The case lifecycle through signed block actions and view submissions against the stand-in."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, open_flow, wait_until

SGT = ZoneInfo("Asia/Singapore")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)  # a Tuesday morning


@pytest.fixture
def bot(make_bot, clock):
    return make_bot(clock=clock)


def case(bot, case_id: int = 1):
    with bot.store.read() as tx:
        return tx.cases.get(case_id)


def events(bot, case_id: int = 1):
    with bot.store.read() as tx:
        return tx.cases.events(case_id)


def file_and_post(standin, clock, bot, **extra):
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0), **extra)
    return wait_until(lambda: case(bot).root)


def root_message(standin: SlackStandIn, bot) -> dict:
    root = case(bot).root
    return next(m for m in standin.messages("C0ESCALATE") if m["ts"] == root.ts)


def menu(standin: SlackStandIn, user: str, bot, action: str) -> None:
    """Pick `action` from the root message: its own button if it has one, else the overflow menu."""
    elements = [e for b in root_message(standin, bot)["blocks"] for e in b.get("elements", [])]
    own = any(e.get("action_id") == "case_do" and e.get("value") == f"{action}:1" for e in elements)
    control = "case_do" if own else "case_menu"
    standin.user(user).click(root_message(standin, bot), control, value=f"{action}:1", channel="C0ESCALATE")


def thread_texts(standin: SlackStandIn, bot) -> list[str]:
    return [m["text"] for m in standin.messages("C0ESCALATE", thread_ts=case(bot).root.ts)]


def test_take_makes_the_specialist_owner_stops_paging_and_updates_the_root(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    standin.user("U0SPEC2").click(root_message(standin, bot), "case_take", value="1", channel="C0ESCALATE")
    wait_until(lambda: case(bot).owner_id == "U0SPEC2")
    current = case(bot)
    assert current.status.value == "investigating" and current.acknowledged_by == "U0SPEC2"
    wait_until(lambda: "*Owner*\\n<@U0SPEC2>" in json.dumps(root_message(standin, bot)["blocks"]))
    wait_until(lambda: any("took this case" in t for t in thread_texts(standin, bot)))
    kinds = [e.kind for e in events(bot)]
    assert "take" in kinds and "paging_stopped" in kinds
    take = next(e.data for e in events(bot) if e.kind == "take")
    assert take["before"]["status"] == "new" and take["after"]["status"] == "investigating"


def test_a_rep_who_is_not_staff_is_refused_and_nothing_changes(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    version = case(bot).version
    standin.user("U0REP3").click(root_message(standin, bot), "case_take", value="1", channel="C0ESCALATE")
    told = wait_until(lambda: standin.ephemerals("U0REP3"))
    assert "Only the ads policy specialists and leads" in told[-1]["text"]
    assert case(bot).version == version and case(bot).owner_id is None


def test_change_severity_needs_a_reason_and_an_upgrade_repages(standin: SlackStandIn, bot, clock):
    file_case(standin, deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0))  # SEV3, held? no: Tuesday
    wait_until(lambda: case(bot).root)
    menu(standin, "U0LEAD1", bot, "change_severity")
    lead = standin.user("U0LEAD1")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    missing = lead.submit_view({"case_severity": "sev1"})
    assert missing.errors == {"case_text": missing.errors["case_text"]} and case(bot).severity_id != "sev1"
    lead.submit_view({"case_severity": "sev1", "case_text": "Press picked it up"})
    wait_until(lambda: case(bot).severity_id == "sev1")
    assert case(bot).paging_generation == 2  # the policy restarted under SEV1
    wait_until(lambda: any("changed the severity to *SEV1 · Critical*" in t for t in thread_texts(standin, bot)))


def test_request_info_dms_the_rep_and_their_answer_lands_in_the_thread(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    menu(standin, "U0SPEC1", bot, "request_info")
    spec = standin.user("U0SPEC1")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    spec.submit_view({"case_text": "Which markets will the spot run in?"})
    wait_until(lambda: case(bot).status.value == "waiting_on_rep")
    question = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "needs more information" in m["text"]])
    assert "Which markets will the spot run in?" in json.dumps(question[0]["blocks"])
    clock.advance(timedelta(hours=1))
    rep = standin.user("U0REP1")
    rep.click(question[0], "rep_reply", value="1")
    standin.wait_for_call("views.open", where=lambda c: "Your answer" in json.dumps(c.args["view"]))
    rep.submit_view({"case_text": "SG and MY only"})
    wait_until(lambda: case(bot).status.value == "investigating")
    wait_until(lambda: any("SG and MY only" in t for t in thread_texts(standin, bot)))
    [(paused, resumed)] = case(bot).pauses
    assert timedelta(hours=1) <= resumed - paused < timedelta(hours=1, seconds=10)  # the clock ticks


def test_resolve_tells_every_rep_the_outcome_and_a_follow_up_reopens(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    standin.user("U0REP2").click(root_message(standin, bot), "case_follow", value="1", channel="C0ESCALATE")
    wait_until(lambda: "U0REP2" in case(bot).followers)
    menu(standin, "U0SPEC1", bot, "resolve")
    spec = standin.user("U0SPEC1")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    assert "case_outcome" in spec.submit_view({"case_text": "Run it after 22:00 only."}).errors  # Slack's own check
    answer = spec.submit_view({"case_text": "Run it after 22:00 only."}, client_validation=False)
    assert answer.errors == {"case_outcome": "Pick an outcome"}  # and ours, for an older client
    spec.submit_view(
        {
            "case_outcome": "approved_with_changes",
            "case_text": "Run it after 22:00 only.",
            "case_policy": "Alcohol policy §4",
        }
    )
    wait_until(lambda: case(bot).status.value == "resolved")
    for rep in ("U0REP1", "U0REP2"):
        dm = wait_until(lambda rep=rep: [m for m in standin.dm_messages(rep) if "is resolved" in m["text"]])
        assert "Approved with changes" in dm[0]["text"]
        assert "Run it after 22:00 only." in json.dumps(dm[0]["blocks"])
    wait_until(lambda: "*Outcome*\\nApproved with changes" in json.dumps(root_message(standin, bot)["blocks"]))
    outcome = next(m for m in standin.dm_messages("U0REP1") if "is resolved" in m["text"])
    standin.user("U0REP1").click(outcome, "rep_follow_up", value="1")
    standin.wait_for_call("views.open", where=lambda c: "What is still open?" in json.dumps(c.args["view"]))
    standin.user("U0REP1").submit_view({"case_text": "The advertiser also asks about TH"})
    wait_until(lambda: case(bot).status.value == "investigating")
    assert case(bot).outcome is None


def test_an_impossible_action_is_refused_with_a_plain_reason(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    menu(standin, "U0SPEC1", bot, "resolve")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    standin.user("U0SPEC1").submit_view({"case_outcome": "rejected", "case_text": "Not allowed in SG."})
    outcome = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "is resolved" in m["text"]])[0]
    menu(standin, "U0SPEC1", bot, "reopen")
    standin.wait_for_call("views.open", where=lambda c: "What is still open?" in json.dumps(c.args["view"]))
    standin.user("U0SPEC1").submit_view({"case_text": "New evidence"})
    wait_until(lambda: case(bot).status.value == "investigating")
    standin.user("U0REP1").click(outcome, "rep_follow_up", value="1")  # the old outcome DM
    told = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if "no_entry" in e["text"]])
    assert "A case that is investigating cannot be reopened." in told[-1]["text"]


def test_a_sensitive_case_never_shows_its_details_in_the_public_channel(standin: SlackStandIn, bot, clock):
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
    wait_until(lambda: [m for m in standin.messages("C0POLICY") if "ADS-1001" in m["text"]])
    wait_until(lambda: any("restricted channel" in t for t in thread_texts(standin, bot)))
    public = json.dumps(standin.messages("C0ESCALATE")) + json.dumps(
        [c.args for c in standin.calls("chat.postMessage") if c.args.get("channel") == "C0ESCALATE"]
    )
    for secret in ("Shocking Brand", "Gore promo", "graphic injury", "gore.mp4"):
        assert secret not in public
    restricted = json.dumps(standin.messages("C0POLICY"))
    assert "graphic injury footage" in restricted


def test_status_shows_the_history_to_people_on_the_case_only(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    standin.user("U0SPEC2").click(root_message(standin, bot), "case_take", value="1", channel="C0ESCALATE")
    wait_until(lambda: case(bot).owner_id == "U0SPEC2")
    standin.user("U0REP1").slash_command("/ad-escalate", text="status ADS-1001", channel_id="C0SALES")
    history = json.dumps(wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if e.get("blocks")])[-1])
    assert "opened by <@U0REP1>" in history and "take by <@U0SPEC2>" in history and "status: investigating" in history
    standin.user("U0REP3").slash_command("/ad-escalate", text="status ADS-1001", channel_id="C0SALES")
    assert "Only the people on ADS-1001" in wait_until(lambda: standin.ephemerals("U0REP3"))[-1]["text"]


def test_mine_and_find_list_cases(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    standin.user("U0REP1").slash_command("/ad-escalate", text="mine", channel_id="C0SALES")
    mine = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if e.get("blocks")])[-1]
    assert "ADS-1001" in json.dumps(mine["blocks"]) and "Acme Foods / Spring launch" in json.dumps(mine["blocks"])
    standin.user("U0REP2").slash_command("/ad-escalate", text="find acme", channel_id="C0SALES")
    found = wait_until(lambda: [e for e in standin.ephemerals("U0REP2") if e.get("blocks")])[-1]
    assert "ADS-1001" in json.dumps(found["blocks"])
    standin.user("U0REP2").slash_command("/ad-escalate", text="find zzzz", channel_id="C0SALES")
    none = wait_until(lambda: [e for e in standin.ephemerals("U0REP2") if e.get("blocks")][1:])[-1]
    assert "_none_" in json.dumps(none["blocks"])


def test_the_rep_can_ask_for_an_update_in_the_thread(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    standin.user("U0REP1").slash_command(
        "/ad-escalate", text="update ADS-1001 the client calls at 3pm", channel_id="C0SALES"
    )
    wait_until(lambda: any("the client calls at 3pm" in t for t in thread_texts(standin, bot)))
    standin.user("U0REP3").slash_command("/ad-escalate", text="update ADS-1001", channel_id="C0SALES")
    assert (
        "Only the people on ADS-1001 and the ads policy team"
        in wait_until(lambda: standin.ephemerals("U0REP3"))[-1]["text"]
    )


def test_reassign_note_partner_wait_resume_and_close(standin: SlackStandIn, bot, clock):
    file_and_post(standin, clock, bot)
    lead = standin.user("U0LEAD1")

    def through_modal(action: str, values: dict) -> None:
        mark = len(standin.calls("views.open"))
        menu(standin, "U0LEAD1", bot, action)
        wait_until(lambda: len(standin.calls("views.open")) > mark)
        assert lead.submit_view(values).status == 200

    through_modal("reassign", {"case_user": "U0SPEC3"})
    wait_until(lambda: case(bot).owner_id == "U0SPEC3")
    through_modal("add_note", {"case_text": "Checked the landing page: fine"})
    through_modal("wait_on_partner", {"case_text": "Legal APAC, for the MY rules"})
    wait_until(lambda: case(bot).status.value == "waiting_on_partner")
    wait_until(lambda: "resume:1" in json.dumps(root_message(standin, bot)["blocks"]))  # the root was updated
    menu(standin, "U0LEAD1", bot, "resume")
    wait_until(lambda: case(bot).status.value == "investigating")
    through_modal("resolve", {"case_outcome": "no_violation", "case_text": "Fine to run."})
    wait_until(lambda: case(bot).status.value == "resolved")
    wait_until(lambda: "close:1" in json.dumps(root_message(standin, bot)["blocks"]))
    menu(standin, "U0LEAD1", bot, "close")
    wait_until(lambda: case(bot).status.value == "closed")
    texts = "\n".join(thread_texts(standin, bot))
    for expected in (
        "reassigned this case to <@U0SPEC3>",
        "Checked the landing page: fine",
        "waiting on a partner team",
        "resumed work",
        "resolved this case",
        "closed this case",
    ):
        try:
            wait_until(lambda expected=expected: expected in "\n".join(thread_texts(standin, bot)))
        except TimeoutError:
            raise AssertionError(f"{expected!r} not in thread:\n" + "\n".join(thread_texts(standin, bot))) from None
    assert texts  # the thread tells the story
    kinds = [e.kind for e in events(bot)]
    for kind in ("reassign", "add_note", "wait_on_partner", "resume", "resolve", "close"):
        assert kind in kinds
