"""The demo's night scene: a SEV1 on a Sunday at 03:00 that nobody acknowledges in Slack; the SMS goes
out, then the call, and the specialist acknowledges by replying to the SMS."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.bootstrap import Secrets, build_bot
from bot.clock import FakeClock
from bot.config.model import Config
from bot.domain.contact import MethodKind
from slack_standin import SlackStandIn
from slack_standin.blockkit.render import plain
from slack_standin.contacts.standins import ContactStandIns

SECRET = "demo-signing-secret"
TOKEN = "xoxb-sandbox"
SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=ZoneInfo("Asia/Singapore"))


def _wait(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError("the demo waited too long for the bot")


def run_night_scene(*, config: Config, store_url: str, say: Callable[[str], None]) -> None:
    clock = FakeClock(SUNDAY_3AM)
    for suffix in ("", "-wal", "-shm"):
        Path(store_url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    config = dataclasses.replace(config, app=dataclasses.replace(config.app, store_url=store_url, tick_seconds=0.2))
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, clock=clock) as slack, ContactStandIns(clock) as phones:
        names = {u.id: u.name for u in slack.workspace.users.values()}
        bot = build_bot(
            config,
            secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=slack.api_url),
            clock=clock,
            env=phones.env(),
        )
        bot.start(http_port=0)
        assert bot.http is not None
        slack.bot_url = bot.http.url
        phones.point_at(f"http://127.0.0.1:{bot.http.port}")

        def advance(minutes: float) -> None:
            clock.advance(timedelta(minutes=minutes))
            bot.ticker.kick()

        try:
            say("\n⑩ Sunday 03:00 in Singapore. A campaign goes live at 06:00; the rep files it (SEV1):")
            rep = slack.user("U0REP1")
            rep.slash_command("/ad-escalate", text="review Acme Foods night launch", channel_id="C0SALES")
            _wait(lambda: rep.current_view())
            rep.submit_view(
                {
                    "field_advertiser": "Acme Foods",
                    "field_campaign": "Night launch",
                    "field_market": "SG",
                    "field_deadline": (clock.now() + timedelta(hours=3)).replace(second=0, microsecond=0),
                    "field_question": "Can the beer creative run at 06:00 on a Sunday?",
                    "field_ad_formats": ["video"],
                    "field_creative_url": "https://cdn.adsco.test/acme/night.mp4",
                }
            )
            page = _wait(
                lambda: next(
                    (c for c in slack.calls("chat.postMessage") if c.ok and str(c.args["text"]).startswith("Paged:")),
                    None,
                )
            )
            who = str(page.args["channel"])
            person = bot.config.contacts.people.get(who)
            if person is None or MethodKind.SMS not in person.methods:
                say(
                    f"   @{names.get(who, who)} has no phone number in contacts.yaml: the rest of this scene needs one."
                )
                return
            phone = person.methods[MethodKind.SMS].address
            say(f"   03:00 @{names.get(who, who)} is paged by Slack DM. It is the middle of the night: no answer.")
            advance(2)
            sms = _wait(lambda: phones.twilio.messages_to(phone))[0]
            say(f"   03:02 SMS to {phone} (Twilio stand-in):  “{sms.body}”")
            advance(3)
            call = _wait(lambda: [c for c in phones.twilio.calls_to(phone) if c.twiml])[0]
            spoken = call.twiml.split("<Say>")[1].split("</Say>")[0]
            say(f"   03:05 the phone rings; Twilio reads:  “{spoken}”  (no key pressed)")
            with bot.store.read() as tx:
                human_id = tx.cases.get(1).human_id
            advance(1)
            status, reply = phones.twilio.reply_sms(phone, f"ack {human_id}")
            answer = reply.split("<Message>")[1].split("</Message>")[0] if "<Message>" in reply else reply
            say(f"   03:06 @{names.get(who, who)} texts back “ack {human_id}” → {status}, the bot replies “{answer}”")
            with bot.store.read() as tx:
                case = tx.cases.get(1)
            say(f"   The case is acknowledged by @{names.get(case.acknowledged_by or '', case.acknowledged_by)}.")
            for _ in range(40):  # the thread's lines come one a second (Slack's per-channel limit)
                lines = slack.messages("C0ESCALATE", thread_ts=case.root.ts) if case.root else []
                if any("by SMS" in str(m.get("text", "")) for m in lines):
                    break
                clock.advance(timedelta(seconds=1))
                bot.ticker.kick()
                time.sleep(0.3)
            say("   Its thread reads:")
            for message in lines[2:]:
                say("     " + plain(str(message.get("text", "")), names))
            advance(30)
            time.sleep(1)
            say(f"   Nothing more rings after the acknowledgement: {len(phones.twilio.sent)} Twilio requests in all.")
        finally:
            bot.stop()
