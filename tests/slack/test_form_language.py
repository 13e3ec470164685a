"""Forms in the rep's language, through Slack: the form opens, is redrawn once the rep's locale is known,
shows the flow's labels, options and errors in it, and the filed view too; the team's side stays English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config.loader import load_config
from bot.domain.form_text import catalog_gaps
from slack_standin import SlackStandIn
from tests.slack.conftest import in_days, last_seq, prelaunch_values, ticks_pass, wait_until

ROOT = Path(__file__).resolve().parents[2]


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def open_in(standin: SlackStandIn, user: str, locale: str, flow: str = "prelaunch_review"):
    standin.workspace.users[user].locale = locale
    person = standin.user(user)
    mark = last_seq(standin)
    person.slash_command("/ad-escalate", channel_id="C0SALES")
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok)
    redrawn = standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)
    mark = last_seq(standin)
    person.select(person.open_view(), block_id="flow_pick", action_id="flow_pick", value=flow)
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)
    return person, redrawn.args["view"]


@pytest.mark.parametrize(
    ("locale", "picker", "label", "error"),
    [
        ("ja-JP", "エスカレーションの種類", "広告主", "期限が過去です"),
        ("id-ID", "Jenis eskalasi", "Pengiklan", "Tenggatnya sudah lewat"),
        ("th-TH", "ประเภทการส่งเรื่อง", "ผู้ลงโฆษณา", "กำหนดเวลาผ่านไปแล้ว"),
        ("zh-CN", "升级类型", "广告主", "截止时间已过"),
    ],
)
def test_the_form_and_its_errors_are_in_the_reps_language(standin: SlackStandIn, bot, locale, picker, label, error):
    person, first = open_in(standin, "U0REP1", locale)
    assert picker in dump(first["blocks"])  # redrawn in the rep's language once users.info answered
    form = person.open_view()
    assert label in dump(form["blocks"]) and "Advertiser" not in dump(form["blocks"])
    response = person.submit_view(prelaunch_values(deadline=in_days(-1)), client_validation=False)
    assert response.errors["field_deadline"].startswith(error)


def test_the_filed_view_is_in_japanese_and_the_teams_side_stays_english(standin: SlackStandIn, bot):
    person, _ = open_in(standin, "U0REP1", "ja-JP")
    answer = person.submit_view(prelaunch_values())
    assert "として登録しました" in dump(answer.json()["view"])
    root = standin.wait_for_call(
        "chat.postMessage", where=lambda c: c.args.get("channel") == "C0ESCALATE" and "thread_ts" not in c.args
    )
    details = standin.wait_for_call("chat.postMessage", where=lambda c: c.args.get("thread_ts") == root.response["ts"])
    assert "Ad formats" in dump(details.args["blocks"]) and "広告" not in dump(root.args["blocks"])


def test_a_locale_without_a_catalogue_gets_english_and_no_redraw(standin: SlackStandIn, bot):
    standin.workspace.users["U0REP3"].locale = "fr-FR"
    mark = last_seq(standin)
    standin.user("U0REP3").slash_command("/ad-escalate", channel_id="C0SALES")
    opened = standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok)
    wait_until(lambda: standin.calls("users.info"))
    ticks_pass(bot)
    assert "Escalation type" in dump(opened.args["view"]["blocks"])
    assert [c for c in standin.calls("views.update") if c.seq > mark] == []


def test_the_shipped_catalogues_cover_every_string_of_the_shipped_flows():
    config = load_config(ROOT / "app.yaml")
    assert sorted(config.form_catalogs) == ["id-ID", "ja-JP", "th-TH", "zh-CN"]
    for catalog in config.form_catalogs.values():
        assert catalog_gaps(catalog, config.flows) == ([], [])


def test_the_reps_messages_are_in_their_language_and_the_thread_stays_english(standin: SlackStandIn, bot):
    from tests.slack.test_lifecycle import menu, thread_texts

    standin.workspace.users["U0REP1"].locale = "ja-JP"
    person = standin.user("U0REP1")
    mark = last_seq(standin)
    person.slash_command("/ad-escalate", text="review", channel_id="C0SALES")
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok)
    person.submit_view(prelaunch_values())
    filed = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "を登録しました" in m["text"]])
    assert "ADS-1001" in filed[0]["text"] and "広告ポリシーチーム" in dump(filed[0]["blocks"])

    menu(standin, "U0SPEC1", bot, "request_info")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    standin.user("U0SPEC1").submit_view({"case_text": "Which markets will the spot run in?"})
    asked = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "追加情報" in m["text"]])
    assert "Which markets will the spot run in?" in dump(asked[0]["blocks"])  # the team's words as typed

    mark = last_seq(standin)
    menu(standin, "U0SPEC1", bot, "resolve")
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.args["view"]["callback_id"] == "case_action")
    standin.user("U0SPEC1").submit_view({"case_outcome": "approved", "case_text": "Fine to run."})
    outcome = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "解決しました" in m["text"]])
    assert "承認" in outcome[0]["text"] and "Fine to run." in dump(outcome[0]["blocks"])
    assert not any("登録" in t or "解決" in t for t in thread_texts(standin, bot))


def test_a_reps_lookups_answer_in_their_language_and_the_thread_note_stays_english(standin: SlackStandIn, bot):
    rep, _ = open_in(standin, "U0REP1", "th-TH")
    assert rep.submit_view(prelaunch_values()).status == 200
    wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "ADS-1001" in m["text"]])

    def said(text: str) -> str:
        before = len(standin.ephemerals("U0REP1"))
        rep.slash_command("/ad-escalate", text=text, channel_id="C0SALES")
        return str(wait_until(lambda: standin.ephemerals("U0REP1")[before:])[-1]["text"])

    assert said("mine") == "เคสที่เปิดอยู่ 1 เคส"
    assert said("find a") == "ใส่ชื่อผู้ลงโฆษณาหรือแคมเปญบางส่วน: `/ad-escalate find acme`"
    assert said("status ADS-9999").startswith("ไม่พบเคส ADS-9999")
    assert said("update ADS-1001") == "โพสต์ในเธรดของ ADS-1001 แล้ว ทีมจะตอบที่นั่น"
    root = next(m for m in standin.messages("C0ESCALATE") if "ADS-1001" in dump(m))
    note = wait_until(
        lambda: [m for m in standin.messages("C0ESCALATE", root["ts"]) if "Is there an update" in m["text"]]
    )
    assert note  # the team's side stays in the team's language
