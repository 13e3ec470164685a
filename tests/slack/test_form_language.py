"""Forms in the rep's language, through Slack: the form opens, is redrawn once the rep's locale is known,
shows the flow's labels, options and errors in it, and the filed view too; the team's side stays English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config.loader import load_config
from bot.domain.form_text import catalog_gaps
from bot.sandbox import SlackStandIn
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
