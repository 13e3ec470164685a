"""The digest message stays within Block Kit's limits, escapes what people typed, and links every case."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import digest as d
from bot.domain import digest_compose as dc
from bot.domain import digest_input as di
from bot.domain import rota
from bot.domain.case import CaseStatus
from bot.domain.severity import Severity
from bot.slack.blocks.digest import build_digest
from slack_standin.blockkit.checks import check_message_blocks

SGT = ZoneInfo("Asia/Singapore")
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=1)
H = timedelta(hours=1)
SEVERITIES = tuple(
    Severity(f"sev{n}", f"SEV{n}", f":sev{n}:", n - 1, timedelta(minutes=15 * n), timedelta(hours=4 * n))
    for n in (1, 2, 3, 4)
)
NASTY = "<!channel> Acme & <@U0BOSS> <https://evil.test|click> " + "x" * 250


def permalink(n: int) -> str:
    return f"https://team.slack.test/archives/C0ESCALATE/p{n}"


def open_case(n: int, **extra: Any) -> di.OpenCase:
    values: dict[str, Any] = {
        "id": n,
        "human_id": f"ADS-{1000 + n}",
        "flow_id": "prelaunch_review",
        "severity_id": f"sev{n % 4 + 1}",
        "status": CaseStatus.NEW,
        "advertiser": NASTY,
        "campaign": f"<!here> campaign {n} " + "y" * 250,
        "sensitive": n % 7 == 0,
        "created_at": NOW - n * timedelta(minutes=7),
        "owner_id": None if n % 3 else "U0SPEC1",
        "deadline_at": NOW + n * timedelta(minutes=2),
        "permalink": permalink(n),
    }
    return di.OpenCase(**(values | extra))


def busy_digest(count: int = 500, **given: Any) -> d.Digest:
    cases = [open_case(n) for n in range(1, count + 1)]
    resolved = tuple(
        di.ResolvedCase(
            id=n,
            human_id=f"ADS-{1000 + n}",
            severity_id="sev2",
            status=CaseStatus.RESOLVED,
            advertiser=NASTY,
            campaign="<!everyone>",
            sensitive=n % 5 == 0,
            resolved_at=NOW - n * timedelta(seconds=30),
            outcome="approved",
            permalink=permalink(n),
        )
        for n in range(count + 1, 2 * count + 1)
    )
    schedule = rota.Schedule(
        id="s",
        title="<!channel> rota",
        timezone=SGT,
        layers=(
            rota.Layer(
                "primary",
                (rota.Rotation("r", ("U0A", "lead@ads.test"), timedelta(days=1), time(9), date(2026, 11, 1)),),
            ),
        ),
    )
    arguments: dict[str, Any] = {
        "now": NOW,
        "since": SINCE,
        "late": False,
        "severities": SEVERITIES,
        "open_counts": [di.SeverityCount(f"sev{n}", count // 4, count // 8) for n in (1, 2, 3, 4)],
        "open_cases": cases,
        "sla_dues": [
            di.SlaDue(c.id, di.Measure.ACKNOWLEDGE, NOW + (c.id - count // 2) * timedelta(minutes=1)) for c in cases
        ],
        "breach_events": di.BreachCounts(acknowledge=3, resolve=2, deadlines_passed=1),
        "deadlines": cases,
        "resolved": di.Resolved(total=count, by_outcome=(("approved", count),), latest=resolved),
        "opened_since": count,
        "response_times": [
            di.ResponseTime(s.id, day, measure, 10, H, 3 * H)
            for s in SEVERITIES
            for day in di.DayKind
            for measure in di.Measure
        ],
        "schedules": [schedule],
        "overrides": {},
    }
    return dc.compose_digest(**(arguments | given))


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn or plain text in the message (section and header text, context elements)."""
    found = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", []) if isinstance(element.get("text"), str)]
    return found


def assert_within_limits(blocks: list[dict[str, Any]]) -> None:
    assert 1 <= len(blocks) <= 50
    assert check_message_blocks(blocks) == []  # the stand-in checks what Slack checks
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for element in block.get("elements", []):
            assert len(element.get("text", "")) <= 3000
    assert len(json.dumps(blocks, ensure_ascii=False)) < 50_000


def test_500_open_cases_stay_within_block_kit_limits():
    text, blocks = build_digest(busy_digest(500), tz=SGT)
    assert_within_limits(blocks)
    assert len(text) <= 300
    whole = json.dumps(blocks, ensure_ascii=False)
    assert "…and 490 more" in whole  # the 10 most urgent of 500


def test_lists_longer_than_a_section_fold_by_characters():
    digest = busy_digest(500, limits=d.Limits(urgent=500, sla=500, deadlines=500, resolved=500))
    _, blocks = build_digest(digest, tz=SGT)
    assert_within_limits(blocks)
    urgent = next(
        b["text"]["text"] for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("*Most urgent*")
    )
    shown = urgent.count("\n• ")
    assert 0 < shown < 500
    assert urgent.endswith(f"…and {500 - shown} more")


def test_what_people_typed_is_escaped():
    text, blocks = build_digest(busy_digest(30), tz=SGT)
    whole = json.dumps(blocks, ensure_ascii=False) + text
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<https://evil.test"):
        assert raw not in whole
    assert "&lt;!channel&gt; Acme &amp; &lt;@U0BOSS&gt;" in whole


def test_every_listed_case_links_to_its_thread():
    _, blocks = build_digest(busy_digest(40), tz=SGT)
    body = "\n".join(texts(blocks))
    mentioned = set(re.findall(r"ADS-\d+", body))
    assert len(mentioned) > 20
    for human_id in mentioned:
        n = int(human_id.removeprefix("ADS-")) - 1000
        assert body.count(human_id) == body.count(f"<{permalink(n)}|{human_id}>"), human_id


def test_sensitive_cases_show_no_advertiser_campaign_or_owner():
    secret = open_case(1, sensitive=True, advertiser="Hush Co", owner_id="U0SPEC9")
    digest = busy_digest(1, open_cases=[secret], deadlines=[secret])
    _, blocks = build_digest(digest, tz=SGT)
    whole = json.dumps(blocks, ensure_ascii=False)
    assert "ADS-1001" in whole and ":lock: sensitive" in whole
    assert "Hush" not in whole and "U0SPEC9" not in whole and "campaign 1 " not in whole


def test_owner_or_unowned_and_age_are_shown_for_urgent_cases():
    digest = busy_digest(3)
    _, blocks = build_digest(digest, tz=SGT)
    urgent = next(t for t in texts(blocks) if t.startswith("*Most urgent*"))
    assert "<@U0SPEC1>" in urgent and "*unowned*" in urgent and "21m old" in urgent


def test_nothing_to_report_is_one_line():
    quiet = busy_digest(0, open_counts=[], open_cases=[], sla_dues=[], deadlines=[], resolved=di.Resolved())
    text, blocks = build_digest(quiet, tz=SGT)
    assert len(blocks) == 1 and blocks[0]["type"] == "section"
    line = blocks[0]["text"]["text"]
    assert line.startswith("Nothing to report: no open cases, nothing resolved since <!date^")
    assert "\n" not in line
    assert text.startswith("Nothing to report")


def test_a_late_digest_says_so():
    planned = NOW - 3 * H
    _, blocks = build_digest(busy_digest(5, late=True, scheduled_at=planned), tz=SGT)
    late = json.dumps(blocks[:2], ensure_ascii=False)
    assert "Late digest" in late and f"<!date^{int(planned.timestamp())}^" in late
    quiet = busy_digest(0, late=True, open_counts=[], open_cases=[], sla_dues=[], deadlines=[], resolved=di.Resolved())
    text, blocks = build_digest(quiet, tz=SGT)
    assert len(blocks) == 1 and "Late digest" in blocks[0]["text"]["text"] and text.startswith("Late digest")


def test_on_call_and_response_times_are_shown():
    _, blocks = build_digest(busy_digest(4), tz=SGT)
    body = "\n".join(texts(blocks))
    assert "*primary*: <@U0A>" in body and "then lead@ads.test" in body
    assert "&lt;!channel&gt; rota" in body
    assert "weekday 1h / 3h (n=10)" in body
