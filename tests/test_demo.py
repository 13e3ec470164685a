"""The README's first command: the demo plays a whole intake against the stand-in."""

import io
import shutil
from pathlib import Path

from bot.config.loader import load_config
from bot.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]


def test_demo_prints_what_each_person_sees(tmp_path: Path):
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    shutil.copy(ROOT / "contacts.yaml", tmp_path / "contacts.yaml")
    shutil.copytree(ROOT / "escalation_flows", tmp_path / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", tmp_path / "oncall_schedules")
    shutil.copytree(ROOT / "policy_guides", tmp_path / "policy_guides")
    out = io.StringIO()
    assert run_demo(config=load_config(tmp_path / "app.yaml", env={}), out=out) == 0
    transcript = out.getvalue()
    for expected in (
        "The modal opens at once",
        "✗ deadline: The deadline is in the past",
        "ADS-1001 is filed as SEV2",
        ":large_orange_circle: SEV2 · High — ADS-1001 · Acme Foods / Spring launch 2027",
        "What do you need from the policy team?",
        "Follow it here: ADS-1001 thread (https://sandbox.slack.test/archives/C0ESCALATE/",
        "is paged by DM:",
        "You are paged (level 1, round 1)",
        "Status · Acknowledged by @",
        "is already open for Acme Foods",
        "These articles may answer it",
        "Alcohol ads in Singapore — hours and audience",
        "India — real-money online games, fantasy sports and rummy",
        "[ Still need help → open an escalation ]",
        "暗号資産の取引所・ウォレット・トークン・NFT の広告",
        "1 case (ADS-1001, sev2, followers U0REP1, U0REP2)",
        "Sunday 03:00 in Singapore",
        "03:02 SMS to +65",
        "03:05 the phone rings",
        "the bot replies “Acknowledged ADS-1001. Thank you.”",
        "acknowledged this case by SMS.",
        "Nothing more rings after the acknowledgement: 2 Twilio requests in all.",
    ):
        assert expected in transcript, expected
    assert (tmp_path / "var" / "demo-escalations.db").exists()
