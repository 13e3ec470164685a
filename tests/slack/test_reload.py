"""Hot reload (fault matrix #9): a changed flow applies without a restart; a broken file keeps the
last good configuration, and the leads' channel is told what is wrong, with file and line, once."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Bot, Secrets, build_bot
from bot.config.loader import load_config
from bot.store.store import Store
from slack_standin import SlackStandIn
from tests.slack.conftest import SECRET, TOKEN, fast_config, last_seq, wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    for name in ("escalation_flows", "oncall_schedules", "policy_guides"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    return tmp_path


@pytest.fixture
def reloadable_bot(standin: SlackStandIn, config_dir: Path) -> Iterator[Bot]:
    config = fast_config(load_config(config_dir / "app.yaml", env={}), f"sqlite:///{config_dir / 'bot.db'}")
    bot = build_bot(
        config,
        secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=standin.api_url),
        store=Store.open(config.app.store_url),
        env={},
    )
    bot.start(http_port=0)
    standin.bot_url = bot.http.url
    assert bot.ticker.periodic.has("reload_config")  # the files are watched every 10 s
    bot.ticker.periodic.remove("reload_config")  # here the test looks, when it has changed a file
    yield bot
    bot.stop()


def type_picker(standin: SlackStandIn) -> str:
    mark = last_seq(standin)
    assert standin.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES").status == 200
    return json.dumps(standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok).args["view"])


def leads(standin: SlackStandIn) -> list[str]:
    return [c.args["text"] for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"] == "C0LEADS"]


def test_a_changed_flow_applies_and_a_broken_one_keeps_the_last_good(
    standin: SlackStandIn, reloadable_bot: Bot, config_dir: Path
):
    bot = reloadable_bot
    flow = config_dir / "escalation_flows" / "prelaunch_review.yaml"
    assert bot.reloader.check() is None  # nothing changed yet

    flow.write_text(flow.read_text().replace("title: Pre-launch creative / policy review", "title: Pre-launch check"))
    assert bot.reloader.check() == "reloaded"
    assert bot.config.flow("prelaunch_review").title == "Pre-launch check"
    assert "Pre-launch check" in type_picker(standin)

    good = flow.read_text()
    flow.write_text(good.replace("policy: ads-standard", "policy: nobody-knows-this"))
    assert bot.reloader.check() == "kept"
    alert = wait_until(lambda: [t for t in leads(standin) if "reload failed" in t])[0]
    assert "keeps running the last good configuration" in alert
    assert f"{flow}:" in alert and "nobody-knows-this" in alert  # file, line and what is wrong
    # Still serving, with the last good flows.
    assert bot.config.flow("prelaunch_review").policy == "ads-standard"
    assert "Pre-launch check" in type_picker(standin)
    assert bot.ready()[0]

    # The same breakage touched again is not announced twice; a fix reloads.
    flow.write_text(good.replace("policy: ads-standard", "policy: nobody-knows-this") + "\n")
    assert bot.reloader.check() == "kept"
    assert len([t for t in leads(standin) if "reload failed" in t]) == 1
    flow.write_text(good)
    assert bot.reloader.check() == "reloaded"
    assert bot.reloader.last_error is None


def test_a_form_shown_before_a_reload_is_drawn_anew_after_it(
    standin: SlackStandIn, reloadable_bot: Bot, config_dir: Path
):
    # The form's parts are built once per flow (bot/slack/blocks/built_once.py): a reload must not keep them.
    bot = reloadable_bot
    flow = config_dir / "escalation_flows" / "prelaunch_review.yaml"

    def review_form() -> str:
        mark = last_seq(standin)
        assert standin.user("U0REP1").slash_command("/ad-escalate", text="review", channel_id="C0SALES").status == 200
        return json.dumps(standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok).args["view"])

    assert "Ad formats" in review_form()
    flow.write_text(flow.read_text().replace("label: Ad formats", "label: Formats of the ads"))
    assert bot.reloader.check() == "reloaded"
    form = review_form()
    assert "Formats of the ads" in form and "Ad formats" not in form


def test_settings_read_at_start_wait_for_a_restart(standin: SlackStandIn, reloadable_bot: Bot, config_dir: Path):
    bot = reloadable_bot
    app = config_dir / "app.yaml"
    app.write_text(app.read_text().replace("slash_command: /ad-escalate", "slash_command: /escalate-ads"))
    assert bot.reloader.check() == "reloaded"
    assert bot.config.app.slash_command == "/ad-escalate"  # Bolt registered the old name at start
    note = wait_until(lambda: [t for t in leads(standin) if "change only on restart" in t])[0]
    assert "slash_command" in note


def test_a_new_guide_is_searchable_after_a_reload(standin: SlackStandIn, reloadable_bot: Bot, config_dir: Path):
    def ask(text: str) -> str:
        before = len(standin.ephemerals("U0REP1"))
        standin.user("U0REP1").slash_command("/ad-policy", text=text, channel_id="C0SALES")
        return json.dumps(wait_until(lambda: standin.ephemerals("U0REP1")[before:])[-1])

    assert "Durian festival" not in ask("durian festival sponsorship rules")
    (config_dir / "policy_guides" / "durian-festival.md").write_text(
        "---\n"
        "title: Durian festival sponsorships\n"
        "policy_area: events\n"
        "markets: [SG, MY]\n"
        "flows: [prelaunch_review]\n"
        "keywords: [durian, festival, sponsorship]\n"
        "owner: U0POLICY1\n"
        "last_reviewed: 2026-11-01\n"
        "policy_url: https://policies.example.com/ads/durian\n"
        "---\n"
        "Sponsor logos are fine; no health claims about durian.\n",
        encoding="utf-8",
    )
    assert bot_reload(reloadable_bot) == "reloaded"
    assert "Durian festival sponsorships" in ask("durian festival sponsorship rules")


def bot_reload(bot: Bot) -> str | None:
    assert bot.reloader is not None
    return bot.reloader.check()


def test_two_replicas_on_one_store_tell_the_leads_once_per_config_change(
    standin: SlackStandIn, reloadable_bot: Bot, config_dir: Path
):
    first = reloadable_bot
    second = build_bot(
        first.config.current,
        secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=standin.api_url),
        store=Store.open(first.config.app.store_url),
        clock=first.clock,
        env={},
    )
    try:
        assert second.reloader is not None and first.reloader is not None
        flow = config_dir / "escalation_flows" / "prelaunch_review.yaml"
        good = flow.read_text()
        flow.write_text(good.replace("policy: ads-standard", "policy: nobody-knows-this"))
        assert first.reloader.check() == "kept" and second.reloader.check() == "kept"
        wait_until(lambda: [t for t in leads(standin) if "reload failed" in t])
        assert len([t for t in leads(standin) if "reload failed" in t]) == 1  # one notice, not one per replica

        # A different breakage is a different change: announced once again.
        flow.write_text(good.replace("policy: ads-standard", "policy: still-unknown"))
        assert second.reloader.check() == "kept" and first.reloader.check() == "kept"
        wait_until(lambda: len([t for t in leads(standin) if "reload failed" in t]) == 2)
        assert len([t for t in leads(standin) if "reload failed" in t]) == 2
    finally:
        second.stop()
