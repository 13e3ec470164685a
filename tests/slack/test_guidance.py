"""Policy guidance through signed requests and the stand-in: /ad-policy, its two buttons, the articles
at intake, and withdrawing a case before anyone is paged."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain.guidance import GuideEventKind, GuideSource
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, last_seq, open_flow, prelaunch_values, wait_until

SGT = ZoneInfo("Asia/Singapore")
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=SGT)  # low severities are held until Monday 09:00
ALCOHOL = "Can an alcohol brand run video ads in Singapore before 10pm?"


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def ask(standin: SlackStandIn, user: str, text: str) -> dict:
    """Run /ad-policy and return the ephemeral answer."""
    before = len(standin.ephemerals(user))
    response = standin.user(user).slash_command("/ad-policy", text=text, channel_id="C0SALES")
    assert response.status == 200
    return wait_until(lambda: standin.ephemerals(user)[before:])[-1]


def events(bot, kind: GuideEventKind | None = None):
    with bot.store.read() as tx:
        return tx.guides.events(kind=kind)


def case(bot, case_id: int = 1):
    with bot.store.read() as tx:
        return tx.cases.get(case_id)


def pages(bot, case_id: int = 1) -> list:
    with bot.store.read() as tx:
        return tx.cases.pages(case_id)


def page_dms(standin: SlackStandIn) -> list:
    return [
        c
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"].startswith("U") and c.args["text"].startswith("Paged:")
    ]


def test_ad_policy_finds_the_alcohol_article_and_records_the_search(standin: SlackStandIn, bot):
    answer = ask(standin, "U0REP1", ALCOHOL)
    shown = dump(answer["blocks"])
    assert "Alcohol ads in Singapore" in shown and "This answered it" in shown
    assert "Still need help → open an escalation" in shown
    assert "translation" not in shown  # an English reader is not told about translations
    lookup = standin.wait_for_call("users.info", where=lambda c: c.args.get("user") == "U0REP1")
    assert lookup.args.get("include_locale") in (True, "true", "1")
    [searched] = events(bot, GuideEventKind.SEARCHED)
    assert searched.source is GuideSource.COMMAND and searched.good_match
    assert searched.top_guide_id == "alcohol-sg-hours" and searched.query == ALCOHOL
    assert searched.locale == "en-GB"


def test_ad_policy_answers_in_japanese_where_translated_and_says_when_it_falls_back(standin: SlackStandIn, bot):
    crypto = dump(ask(standin, "U0SPEC2", "Can we advertise a crypto exchange in Japan?")["blocks"])
    assert "暗号資産" in crypto  # the ja-JP translation's title and body
    assert "英語で表示" not in crypto and "shown in English" not in crypto
    assert "ポリシーガイダンス" in crypto and "まだ助けが必要" in crypto  # the answer's own words in Japanese too
    alcohol = dump(ask(standin, "U0SPEC2", ALCOHOL)["blocks"])
    assert "Alcohol ads in Singapore" in alcohol  # the article has no Japanese translation: English, and said so
    assert "これらの記事の ja-JP 訳はまだありません。英語で表示しています。" in alcohol
    assert "翻訳はまだありません" in alcohol and "Policy guidance for" not in alcohol
    assert len(standin.calls("users.info")) == 1  # the locale is cached per user
    assert [e.locale for e in events(bot, GuideEventKind.SEARCHED)] == ["ja-JP", "ja-JP"]


def test_this_answered_it_is_recorded_once(standin: SlackStandIn, bot):
    answer = ask(standin, "U0REP1", ALCOHOL)
    rep = standin.user("U0REP1")
    rep.click(answer, "guide_answered", block_id="guide_0")
    reply = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if "Glad the article" in e["text"]])
    assert "Alcohol ads in Singapore" in reply[-1]["text"]
    rep.click(answer, "guide_answered", block_id="guide_0")  # a double click
    wait_until(lambda: len([e for e in standin.ephemerals("U0REP1") if "Glad the article" in e["text"]]) == 2)
    [answered] = events(bot, GuideEventKind.ANSWERED)
    assert answered.top_guide_id == "alcohol-sg-hours" and answered.case_id is None
    assert answered.query == ALCOHOL and answered.source is GuideSource.COMMAND


def test_still_need_help_opens_the_intake_form_prefilled_with_the_question(standin: SlackStandIn, bot):
    answer = ask(standin, "U0REP1", ALCOHOL)
    rep = standin.user("U0REP1")
    mark = last_seq(standin)
    rep.click(answer, "guide_escalate")
    opened = standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok)
    assert opened.args["view"]["callback_id"] == "intake_submit"
    assert json.loads(opened.args["view"]["private_metadata"])["text"] == ALCOHOL
    mark = last_seq(standin)
    rep.select(rep.open_view(), block_id="flow_pick", action_id="flow_pick", value="prelaunch_review")
    updated = standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok).args["view"]
    question = next(b for b in updated["blocks"] if b.get("block_id") == "field_question")
    assert question["element"]["initial_value"] == ALCOHOL
    assert "guide_form_answered" not in dump(updated)  # the articles were just seen in /ad-policy
    [escalated] = wait_until(lambda: events(bot, GuideEventKind.ESCALATED))
    assert escalated.top_guide_id == "alcohol-sg-hours" and escalated.good_match and escalated.case_id is None


def test_no_good_match_says_so_records_a_gap_and_offers_the_escalation(standin: SlackStandIn, bot):
    answer = ask(standin, "U0REP1", "can my client sell unicorn rides on the moon")
    shown = dump(answer["blocks"])
    assert "No article answers this well yet" in shown and "This answered it" not in shown
    assert "guide_escalate" in shown
    [searched] = events(bot, GuideEventKind.SEARCHED)
    assert not searched.good_match


def test_an_empty_question_gets_help_and_user_text_is_escaped(standin: SlackStandIn, bot):
    assert "finds the policy guidance" in ask(standin, "U0REP1", "   ")["text"]
    assert events(bot) == []
    shown = dump(ask(standin, "U0REP1", "<!channel> <@U0LEAD1> alcohol ads in Singapore")["blocks"])
    assert "&lt;!channel&gt; &lt;@U0LEAD1&gt;" in shown and "<!channel>" not in shown


def test_the_intake_form_shows_articles_and_answered_files_nothing(standin: SlackStandIn, bot):
    rep = open_flow(standin, "U0REP1", "prelaunch_review", text=ALCOHOL)
    form = rep.open_view()
    assert "These articles may already answer your question" in dump(form["blocks"])
    mark = last_seq(standin)
    rep.click(form, "guide_form_answered", block_id="guide_0")
    done = standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok).args["view"]
    assert "Nothing was filed" in dump(done)
    [answered] = wait_until(lambda: events(bot, GuideEventKind.ANSWERED))
    assert answered.source is GuideSource.INTAKE_FORM and answered.top_guide_id == "alcohol-sg-hours"
    with bot.store.read() as tx:
        assert tx.cases.count() == 0


def test_filing_anyway_after_the_form_showed_articles_counts_as_escalated(standin: SlackStandIn, bot):
    rep = open_flow(standin, "U0REP1", "prelaunch_review", text=ALCOHOL)
    assert rep.submit_view(prelaunch_values(question=ALCOHOL)).status == 200
    [escalated] = wait_until(lambda: events(bot, GuideEventKind.ESCALATED))
    assert escalated.source is GuideSource.INTAKE_FORM and escalated.case_id == 1
    [searched] = events(bot, GuideEventKind.SEARCHED)
    assert searched.source is GuideSource.INTAKE and searched.case_id == 1 and searched.good_match


@pytest.fixture
def sunday() -> FakeClock:
    return FakeClock(SUNDAY, ticking=True)  # retries (429 from the per-channel limit) come due by themselves


def file_held_case(standin: SlackStandIn, bot, clock: FakeClock) -> dict:
    """A SEV3 pre-launch review filed on a Sunday: paging is held until Monday 09:00."""
    file_case(standin, deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0), question=ALCOHOL)
    wait_until(lambda: case(bot).root)
    return standin.user("U0REP1").open_view()


def monday_morning(bot, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=SGT))
    bot.runner.run_due()
    bot.runner.run_due()


def test_withdraw_before_paging_closes_the_case_as_answered_and_nobody_is_ever_paged(
    standin: SlackStandIn, make_bot, sunday
):
    bot = make_bot(clock=sunday)
    filed = file_held_case(standin, bot, sunday)
    shown = dump(filed["blocks"])
    assert "Nobody is paged before" in shown and "Alcohol ads in Singapore" in shown
    mark = last_seq(standin)
    standin.user("U0REP1").click(filed, "guide_withdraw", block_id="guide_0")
    result = standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok).args["view"]
    assert "ADS-1001* is withdrawn" in dump(result)
    withdrawn = case(bot)
    assert withdrawn.status.value == "closed" and withdrawn.answered_by_guide == "alcohol-sg-hours"
    assert withdrawn.outcome == "answered_by_guidance" and withdrawn.resolved_at is None
    [event] = events(bot, GuideEventKind.WITHDRAWN)
    assert event.case_id == 1 and event.top_guide_id == "alcohol-sg-hours"
    with bot.store.read() as tx:
        kinds = [e.kind for e in tx.cases.events(1)]
        assert "withdraw" in kinds and "paging_stopped" in kinds
        assert set(tx.jobs.states(case_id=1, kind="page.escalate").values()) == {"cancelled"}

    monday_morning(bot, sunday)
    thread = wait_until(
        lambda: [m for m in standin.messages("C0ESCALATE", thread_ts=case(bot).root.ts) if "withdrew" in m["text"]]
    )
    assert "Alcohol ads in Singapore" in thread[0]["text"]
    root = wait_until(
        lambda: [m for m in standin.messages("C0ESCALATE") if "Answered by guidance" in dump(m.get("blocks"))]
    )
    assert "alcohol-sg-hours" in dump(root[0]["blocks"])
    assert page_dms(standin) == [] and pages(bot) == []


def test_withdraw_after_a_page_went_out_is_refused_and_the_specialist_is_told(standin: SlackStandIn, make_bot, sunday):
    bot = make_bot(clock=sunday)
    filed = file_held_case(standin, bot, sunday)
    monday_morning(bot, sunday)
    [page] = wait_until(lambda: page_dms(standin))
    wait_until(lambda: pages(bot))  # recorded once Slack answered
    mark = last_seq(standin)
    standin.user("U0REP1").click(filed, "guide_withdraw", block_id="guide_0")
    result = dump(standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok).args["view"])
    assert "Too late to withdraw *ADS-1001*" in result and f"<@{page.args['channel']}> was paged already" in result
    assert case(bot).status.value == "new" and case(bot).answered_by_guide is None
    assert events(bot, GuideEventKind.WITHDRAWN) == []
    [answered] = events(bot, GuideEventKind.ANSWERED)
    assert answered.case_id == 1  # answered, but after an escalation: not counted as answered without one
    bot.runner.run_due()
    wait_until(
        lambda: [
            m
            for m in standin.messages("C0ESCALATE", thread_ts=case(bot).root.ts)
            if "answered my question" in m["text"]
        ]
    )


def test_the_confirmation_dm_offers_the_withdrawal_only_while_the_page_is_held(standin: SlackStandIn, make_bot, sunday):
    bot = make_bot(clock=sunday)
    file_held_case(standin, bot, sunday)
    dm = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "is filed" in m["text"]])[0]
    assert "Nobody is paged before" in dump(dm["blocks"]) and "Alcohol ads in Singapore" in dump(dm["blocks"])
    standin.user("U0REP1").click(dm, "guide_withdraw")
    told = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if "is withdrawn" in e["text"]])
    assert "ADS-1001" in told[0]["text"]
    assert case(bot).status.value == "closed" and case(bot).answered_by_guide == "alcohol-sg-hours"

    file_case(standin, deadline=(sunday.now() + timedelta(hours=3)).replace(microsecond=0), question=ALCOHOL)
    urgent = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "ADS-1002 is filed" in m["text"]])
    assert "guide_withdraw" not in dump(urgent[0]["blocks"])  # SEV1: paged at once, nothing to offer
    wait_until(lambda: page_dms(standin))


def test_the_withdraw_offer_and_what_pressing_it_says_are_in_the_reps_language(standin: SlackStandIn, make_bot, sunday):
    standin.workspace.users["U0REP1"].locale = "ja-JP"
    bot = make_bot(clock=sunday)
    rep = standin.user("U0REP1")
    mark = last_seq(standin)
    rep.slash_command("/ad-escalate", channel_id="C0SALES")
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)  # redrawn in Japanese first
    mark = last_seq(standin)
    rep.select(rep.open_view(), block_id="flow_pick", action_id="flow_pick", value="prelaunch_review")
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)
    deadline = (sunday.now() + timedelta(days=3)).replace(microsecond=0)
    assert rep.submit_view(prelaunch_values(deadline=deadline, question=ALCOHOL)).status == 200
    dm = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "guide_offer" in dump(m.get("blocks"))])[0]
    shown = dump(dm["blocks"])
    assert "までは誰も呼び出されません" in shown and "これで解決した — 取り下げる" in shown
    assert "Nobody is paged" not in shown and "This answered it" not in shown
    standin.user("U0REP1").click(dm, "guide_withdraw")
    told = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if "ADS-1001" in e["text"]])
    assert "*ADS-1001* を取り下げました" in told[0]["text"] and "withdrawn" not in told[0]["text"]
    assert case(bot).status.value == "closed"


@pytest.mark.parametrize(
    ("locale", "escalate_help", "policy_help"),
    [
        ("ja-JP", "エスカレーションフォームが開きます", "ポリシーガイダンスを探します"),
        ("id-ID", "membuka formulir eskalasi", "mencari panduan kebijakan"),
        ("th-TH", "เปิดแบบฟอร์มเอสคาเลชัน", "ค้นหาคำแนะนำด้านนโยบาย"),
        ("zh-CN", "打开升级表单", "查找回答该问题的政策指南"),
    ],
)
def test_help_is_in_the_reps_language(standin: SlackStandIn, bot, locale, escalate_help, policy_help):
    standin.workspace.users["U0REP1"].locale = locale
    assert policy_help in ask(standin, "U0REP1", "")["text"]
    standin.user("U0REP1").slash_command("/ad-escalate", text="help", channel_id="C0SALES")
    said = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if escalate_help in e["text"]])[0]["text"]
    assert "/ad-escalate" in said and "ADS-1042" in said and "opens the escalation form" not in said


def test_the_forms_articles_and_nothing_filed_are_in_the_reps_language(standin: SlackStandIn, bot):
    standin.workspace.users["U0REP1"].locale = "id-ID"
    rep = standin.user("U0REP1")
    mark = last_seq(standin)
    rep.slash_command("/ad-escalate", text=ALCOHOL, channel_id="C0SALES")
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)  # redrawn once the locale is known
    mark = last_seq(standin)
    rep.select(rep.open_view(), block_id="flow_pick", action_id="flow_pick", value="prelaunch_review")
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)
    form = dump(rep.open_view()["blocks"])
    assert "Artikel-artikel ini mungkin sudah menjawab pertanyaan Anda" in form and "Ini menjawabnya" in form
    assert "These articles may" not in form
    mark = last_seq(standin)
    rep.click(rep.open_view(), "guide_form_answered", block_id="guide_0")
    done = dump(standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok).args["view"])
    assert "*Tidak ada yang diajukan*" in done and "Nothing was filed" not in done
