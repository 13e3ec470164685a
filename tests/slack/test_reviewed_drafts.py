"""Approved drafts answer at once: a lead's approval in App Home indexes the draft (marked as a reviewed
draft, not yet in the policy repo), `guides export-drafts` writes it for a commit, and once committed the
repository's file answers instead."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.clock import FakeClock
from bot.config.guides import load_guides
from bot.domain.guidance import DraftState, guide_from_draft, with_reviewed_drafts
from bot.services.guide_drafts import export_drafts
from slack_standin import SlackStandIn
from tests.slack.conftest import last_seq
from tests.slack.test_guidance import ask
from tests.slack.test_guide_review import SGT, drafts, home, publish_after, resolve_worth_a_guide


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)  # a Tuesday morning


@pytest.fixture
def bot(make_bot, clock, tmp_path):
    return make_bot(clock=clock, guide_drafts_dir=tmp_path / "guide_drafts")


ASKED = "gin brand low-alcohol spin-off video at 8 pm"


def approve(standin: SlackStandIn, bot) -> None:
    lead_home = home(standin, "U0LEAD1")
    mark = last_seq(standin)
    standin.user("U0LEAD1").click(lead_home, "guide_draft_approve", block_id="draft_actions_1")
    publish_after(standin, "U0LEAD1", mark)
    assert drafts(bot)[1].state is DraftState.APPROVED


def test_an_approved_draft_answers_at_once_marked_as_not_yet_in_the_repo(standin: SlackStandIn, bot, clock, tmp_path):
    resolve_worth_a_guide(standin, bot, clock)
    before = json.dumps(ask(standin, "U0REP1", ASKED)["blocks"], ensure_ascii=False)
    assert "Can the gin brand run a video ad" not in before  # pending: not searchable
    approve(standin, bot)
    after = json.dumps(ask(standin, "U0REP1", ASKED)["blocks"], ensure_ascii=False)
    assert "Can the gin brand run a video ad in Singapore at 8 pm?" in after
    assert "reviewed draft, not yet in the policy repo" in after

    out = tmp_path / "policy_guides"
    [path] = export_drafts(bot.store, guides=bot.config.guides, out_dir=out, tz=bot.config.app.timezone)
    problems: list = []
    [guide] = load_guides(
        out, flow_ids={f.id for f in bot.config.flows}, today=date(2026, 12, 1), problems=problems, warnings=[]
    )
    assert problems == [] and guide.id == path.stem and not guide.reviewed_draft
    # Committed: the repository's article wins over the draft of the same id, and nothing is exported twice.
    assert export_drafts(bot.store, guides=(guide,), out_dir=tmp_path / "again", tz=bot.config.app.timezone) == []
    with bot.store.read() as tx:
        approved = tx.guides.approved_drafts()
    assert with_reviewed_drafts((guide,), approved) == (guide,)
    assert guide_from_draft(approved[0]).reviewed_draft


def test_guides_export_drafts_is_a_command(tmp_path: Path):
    args = build_parser().parse_args(["guides", "export-drafts", "--out", str(tmp_path), "--config", "app.yaml"])
    assert args.func.__name__ == "cmd_guides_export_drafts" and args.out == str(tmp_path)


def test_guides_export_drafts_reads_the_bots_database_and_writes_nothing_when_none_are_approved(
    tmp_path: Path, monkeypatch, capsys
):
    from bot.cli import main
    from bot.store.store import Store

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    Store.open(url).close()
    monkeypatch.setenv("DATABASE_URL", url)
    root = Path(__file__).resolve().parents[2]
    assert main(["guides", "export-drafts", "--out", str(tmp_path / "out"), "--config", str(root / "app.yaml")]) == 0
    assert "0 approved draft(s) written" in capsys.readouterr().err


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store_url(request, tmp_path: Path):
    """One store for two replicas: a SQLite file, or a fresh Postgres schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        from tests.conftest import postgres_schema_url

        yield from postgres_schema_url()


def test_a_draft_approved_on_one_replica_answers_at_once_on_the_other(
    standin: SlackStandIn, make_bot, clock, tmp_path: Path, shared_store_url: str
):
    approver = make_bot(store_url=shared_store_url, clock=clock, guide_drafts_dir=tmp_path / "a")
    other = make_bot(store_url=shared_store_url, clock=clock, guide_drafts_dir=tmp_path / "b")
    assert approver.http is not None and other.http is not None
    other.ticker.stop()  # no background refresh on the other replica: its search alone must see the approval
    standin.bot_url = approver.http.url
    resolve_worth_a_guide(standin, approver, clock)
    standin.bot_url = other.http.url
    assert "Can the gin brand run a video ad" not in json.dumps(ask(standin, "U0REP1", ASKED)["blocks"])
    standin.bot_url = approver.http.url
    approve(standin, approver)
    # The other replica was started before the approval and was not reloaded: its next search checks the
    # store's generation of approved drafts first.
    standin.bot_url = other.http.url
    after = json.dumps(ask(standin, "U0REP1", ASKED)["blocks"], ensure_ascii=False)
    assert "Can the gin brand run a video ad in Singapore at 8 pm?" in after
    assert "reviewed draft, not yet in the policy repo" in after
