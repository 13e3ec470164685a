"""App Home renders for each role: a rep, an on-call specialist, a lead."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs.clock import FakeClock
from bot.sandbox import SlackStandIn
from tests.slack.conftest import file_case, wait_until

SGT = ZoneInfo("Asia/Singapore")


def home(standin: SlackStandIn, user: str) -> str:
    responses = standin.user(user).open_home()
    assert responses[0].status == 200
    return json.dumps(wait_until(lambda: standin.home_view(user)))


def test_each_role_sees_what_concerns_them(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(hours=20)).replace(microsecond=0))
    wait_until(lambda: standin.calls("chat.getPermalink"))

    rep = home(standin, "U0REP1")
    assert "Your open cases" in rep and "ADS-1001" in rep
    assert "Your queue" not in rep and "The team this week" not in rep

    specialist = home(standin, "U0SPEC2")
    assert "Your queue (owned by you or nobody)" in specialist and "ADS-1001" in specialist
    assert "Your shifts" in specialist and "primary" in specialist

    lead = home(standin, "U0LEAD1")
    assert "The team this week" in lead and "Escalations digest" in lead
    views = [c for c in standin.calls("views.publish") if c.ok]
    assert {c.args["user_id"] for c in views} == {"U0REP1", "U0SPEC2", "U0LEAD1"}
    assert bot.config.app.leads == ("U0LEAD1",)
