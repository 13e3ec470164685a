"""`escalation-bot demo`: the real bot against the local Slack stand-in, with a readable transcript."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.bootstrap import Secrets, build_bot
from bot.config.model import Config
from bot.demo_phone import run_night_scene
from bot.services.open_case import POST_ROOT
from slack_standin import SlackStandIn, posted_by
from slack_standin.blockkit.render import plain, render_blocks, render_view

SECRET = "demo-signing-secret"
TOKEN = "xoxb-sandbox"


def _wait(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError("the demo waited too long for the bot")


def _posts_root(message: dict[str, Any]) -> bool:
    """Whether the bot's job that posted `message` (named in its metadata) is a case's root post."""
    job = posted_by(message)
    return job is not None and job[0].startswith(POST_ROOT)


def _demo_store(config: Config) -> str:
    """A fresh SQLite file beside the configured one, so each run tells the same story."""
    url = config.app.store_url
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else Path("var/escalations.db")
    demo = path.with_name("demo-escalations.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(demo) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{demo}"


def _view_of(answer: Any) -> dict[str, Any]:
    assert isinstance(answer, dict), answer
    view = answer["view"]
    assert isinstance(view, dict)
    return view


def run_demo(*, config: Config, out: TextIO) -> int:
    """Play an intake: a rep files a pre-launch review; a second rep is offered the open case."""
    logging.getLogger().setLevel(logging.WARNING)
    store_url = _demo_store(config)
    config = dataclasses.replace(config, app=dataclasses.replace(config.app, store_url=store_url, tick_seconds=0.5))

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as slack:
        names = {u.id: u.name for u in slack.workspace.users.values()}
        names.update({c.id: c.name for c in slack.workspace.channels.values()})
        bot = build_bot(config, secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=slack.api_url))
        bot.start(http_port=0)
        assert bot.http is not None
        slack.bot_url = bot.http.url
        try:
            say(f"Slack stand-in on {slack.api_url}  ·  bot on {bot.http.url}  ·  store {store_url}\n")
            rep = slack.user("U0REP1")
            say(f"① @{names['U0REP1']} in #sales-apac types:  /ad-escalate review Acme Foods spring launch")
            rep.slash_command(
                "/ad-escalate", text="review Can the Acme Foods spring launch creative run?", channel_id="C0SALES"
            )
            _wait(lambda: rep.current_view())
            say("   The modal opens at once, on the pre-launch review type (picked by the word 'review'):")
            say(render_view(rep.open_view(), names))

            deadline = (datetime.now(UTC) + timedelta(hours=20)).replace(second=0, microsecond=0)
            values = {
                "field_advertiser": "Acme Foods",
                "field_campaign": "Spring launch 2027",
                "field_market": "SG",
                "field_deadline": deadline - timedelta(days=2),
                "field_question": "Can the alcohol creative run before 10 pm in Singapore? Legal says the "
                "brand is a beer, the spot shows the product at 0:12.",
                "field_ad_formats": ["video", "ctv"],
                "field_salesforce_url": "https://adsco.lightning.force.com/lightning/r/Opportunity/0065g00000AbCdEAAV/view",
                "field_creative_url": "not a link",
            }
            say("\n② She submits with a deadline two days ago and a broken creative link:")
            answer = rep.submit_view(values, client_validation=False)
            for block_id, message in (answer.errors or {}).items():
                say(f"   ✗ {block_id.removeprefix('field_')}: {message}")

            say("\n③ She fixes both and submits again (deadline in 20 hours):")
            values.update({"field_deadline": deadline, "field_creative_url": "https://cdn.adsco.test/acme/spring.mp4"})
            answer = rep.submit_view(values)
            say(render_view(_view_of(answer.json()), names))

            root = _wait(
                lambda: next(
                    (
                        m
                        for m in slack.messages("C0ESCALATE")
                        if _posts_root(m)  # not a handoff note the rota posts there
                    ),
                    None,
                )
            )
            say("\n④ #ads-escalations — the root message (severity tag first):")
            say(render_blocks(root.get("blocks", []), names))
            thread = _wait(
                lambda: (
                    len(slack.messages("C0ESCALATE", thread_ts=root["ts"])) > 1
                    and slack.messages("C0ESCALATE", thread_ts=root["ts"])
                )
            )
            say("\n⑤ …and in its thread, the details:")
            say(render_blocks(thread[1].get("blocks", []), names))
            dm = _wait(lambda: slack.dm_messages("U0REP1"))
            say(f"\n⑥ @{names['U0REP1']}'s direct message from the bot:")
            say(render_blocks(dm[-1].get("blocks", []), names))

            other = slack.user("U0REP2")
            page_call = _wait(
                lambda: next(
                    (
                        c
                        for c in slack.calls("chat.postMessage")
                        if c.ok and str(c.args.get("text", "")).startswith("Paged:")
                    ),
                    None,
                )
            )
            oncall_id = str(page_call.args["channel"])
            say(f"\n⑥b The on-call specialist @{names.get(oncall_id, oncall_id)} is paged by DM:")
            page = next(m for m in slack.dm_messages(oncall_id) if m["text"].startswith("Paged:"))
            say(render_blocks(page.get("blocks", []), names))
            slack.user(oncall_id).click(page, "case_ack", value="1")
            _wait(lambda: any("acknowledged" in str(m.get("text", "")) for m in slack.dm_messages(oncall_id)))
            root_now = next(m for m in slack.messages("C0ESCALATE") if m["ts"] == root["ts"])
            say("   …clicks Acknowledge; paging stops and the root message now reads:")
            say(render_blocks(root_now.get("blocks", [])[:2], names))

            say(f"\n⑦ @{names['U0REP2']} escalates the same advertiser and campaign a minute later:")
            other.slash_command("/ad-escalate", text="review Acme spring launch again", channel_id="C0SALES")
            _wait(lambda: other.current_view())
            other.submit_view(values | {"field_advertiser": "ACME foods", "field_campaign": "spring launch 2027"})
            notice = other.open_view()["blocks"][0]
            say("   " + plain(notice["text"]["text"], names))
            answer = other.submit_view({"duplicate_choice": "follow"})
            say(render_view(_view_of(answer.json()), names))
            _wait(lambda: slack.dm_messages("U0REP2"))
            say(f"   and gets a DM: {plain(slack.dm_messages('U0REP2')[-1]['text'], names)}")

            say(f"\n⑧ @{names['U0REP2']} asks before escalating:  /ad-policy is a fantasy cricket app ok in India")
            arjun_seen = len(slack.ephemerals("U0REP2"))
            other.slash_command("/ad-policy", text="is a fantasy cricket app ok in India", channel_id="C0SALES")
            reply = _wait(lambda: slack.ephemerals("U0REP2")[arjun_seen:])[-1]
            say(render_blocks(reply.get("blocks", [])[:4], names))
            say(f"   …and @{names['U0SPEC2']}, whose Slack is in Japanese:  /ad-policy 日本でNFTの広告は出せますか")
            hana = slack.user("U0SPEC2")
            hana_seen = len(slack.ephemerals("U0SPEC2"))
            hana.slash_command("/ad-policy", text="日本でNFTの広告は出せますか", channel_id="C0SALES")
            reply = _wait(lambda: slack.ephemerals("U0SPEC2")[hana_seen:])[-1]
            say(render_blocks(reply.get("blocks", [])[:3], names))

            _wait(lambda: len(slack.messages("C0ESCALATE", thread_ts=root["ts"])) > 2)
            with bot.store.transaction() as tx:
                case = tx.cases.get(1)
                events = [event.kind for event in tx.cases.events(1)]
                count = tx.cases.count()
            calls: dict[str, int] = {}
            for call in slack.calls():
                calls[call.method] = calls.get(call.method, 0) + 1
            say(
                "\n⑨ In the store: "
                f"{count} case ({case.human_id}, {case.severity_id}, followers {', '.join(case.followers)}); "
                f"events: {', '.join(events)}"
            )
            say("   Web API calls the stand-in answered: " + ", ".join(f"{m} x{n}" for m, n in sorted(calls.items())))
        finally:
            bot.stop()
    run_night_scene(config=config, store_url=store_url.replace("demo-escalations", "demo-night"), say=say)
    return 0
