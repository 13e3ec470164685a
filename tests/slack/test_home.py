"""App Home renders for each role: a rep, an on-call specialist, a lead."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from slack_standin import SlackStandIn
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


def test_your_shifts_lists_every_shift_of_the_next_14_days(standin: SlackStandIn, make_bot):
    from bot.domain import rota

    clock = FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT))
    bot = make_bot(clock=clock)
    schedule = bot.config.schedules["ads-policy-oncall"]
    expected = [
        s for s in rota.shifts(schedule, clock.now(), clock.now() + timedelta(days=14)) if s.user_id == "U0SPEC2"
    ]
    assert len(expected) > 6  # more than the old cut-off
    last = max(s.start_at for s in expected)
    assert last > clock.now() + timedelta(days=10)  # the second week is there too
    shown = home(standin, "U0SPEC2")
    for shift in expected:
        assert f"<!date^{int(shift.start_at.timestamp())}^" in shown, shift
    assert f"next 14 days ({len(expected)})" in shown


def test_the_rotas_duty_lead_sees_the_leads_view(standin: SlackStandIn, make_bot):
    bot = make_bot(clock=FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT)))
    assert "U0LEAD2" not in bot.config.app.leads
    duty = home(standin, "U0LEAD2")
    assert "The team this week" in duty
    for period in ("week", "month", "quarter"):  # the full burden, for the leads only
        assert f"last {period}*" in duty
    assert "The team this week" not in home(standin, "U0SPEC1")
