"""A case acked before the process died is posted and paged when the bot starts again: the ack's
`case.opened` job is a durable row, not work held in memory."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.events import EventKind
from bot.domain.intake import validate_intake
from bot.services.open_case import CASE_OPENED, file_case
from bot.store.store import Store
from slack_standin import SlackStandIn
from tests.slack.conftest import TEST_CLOCK, wait_until


def page_dms(standin: SlackStandIn) -> list[str]:
    return [
        c.args["channel"]
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"].startswith("U") and str(c.args.get("text", "")).startswith("Paged:")
    ]


def test_a_case_acked_just_before_a_crash_is_posted_and_paged_after_the_restart(
    store_url, standin: SlackStandIn, make_bot, shipped_config
):
    now = TEST_CLOCK.now()
    values = {
        "advertiser": "Acme Foods",
        "campaign": "Spring launch",
        "market": "SG",
        "deadline": now + timedelta(days=2),
        "question": "Is the spring creative live-blocked?",
        "creative_url": "https://cdn.adsco.test/acme/spring.mp4",
        "severity": "sev1",
    }
    intake = validate_intake(shipped_config.flow("prelaunch_review"), values, reporter_id="U0REP1", now=now)
    # What the submission's ack committed; the process then died before its runner took the job.
    acked = Store.open(store_url)
    try:
        opened = file_case(intake, store=acked, now=now, intake_key="view:VCRASH:h1")
    finally:
        acked.close()
    bot = make_bot(store_url=store_url)
    root = wait_until(
        lambda: [
            c
            for c in standin.calls("chat.postMessage")
            if c.ok and c.args.get("channel") == "C0ESCALATE" and "thread_ts" not in c.args
        ],
        timeout=15,
    )
    assert len(root) == 1 and opened.case.human_id in str(root[0].args)
    wait_until(lambda: page_dms(standin), timeout=15)  # a SEV1 pages at once
    with bot.store.read() as tx:
        assert tx.jobs.states(case_id=opened.case.id)[f"{CASE_OPENED}:{opened.case.id}"] == "done"
        events = [e.kind for e in tx.cases.events(opened.case.id)]
    assert events.count(EventKind.PAGING_STARTED) == 1
