"""The intake form's parts built once (bot/slack/blocks/built_once.py): a form from cached parts is the form
built whole, never carries another rep's values or private_metadata, and follows a changed configuration."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config.model import Config
from bot.domain.case import Case, CaseStatus
from bot.domain.form_text import ENGLISH, Catalog, pick_catalog
from bot.slack.blocks.built_once import BuiltOnce
from bot.slack.blocks.intake_modal import build_intake_modal
from bot.slack.state import IntakeMeta

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def catalogs(config: Config) -> list[Catalog]:
    return [ENGLISH, pick_catalog(config.form_catalogs, "ja-JP")]


def text(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def duplicate_of(config: Config) -> Case:
    flow = config.flow("prelaunch_review")
    return Case(
        id=41,
        human_id="ADS-41",
        flow_id=flow.id,
        status=CaseStatus.NEW,
        severity_id=flow.severities[0].id,
        reporter_id="U0REP2",
        advertiser="Acme Foods",
        campaign="Spring",
        market="SG",
        summary="Can it run?",
        deadline_at=None,
        sensitive=False,
        created_at=NOW,
    )


def test_a_form_from_cached_parts_is_the_form_built_whole(shipped_config: Config):
    parts = BuiltOnce()
    meta = IntakeMeta(source_channel_id="C0SALES", text="Acme & <Co> spring video?", prefill={"advertiser": "Acme"})
    for catalog in catalogs(shipped_config):
        for chosen in (None, *shipped_config.flows):
            for initial in ({}, {"advertiser": "Brand", "market": "SG", "deadline": NOW + timedelta(days=2)}):
                kwargs: dict[str, Any] = {"chosen": chosen, "meta": meta, "initial": initial, "catalog": catalog}
                whole = build_intake_modal(shipped_config.flows, **kwargs)  # every part built for this form
                for _ in range(2):  # the second time every part comes from the cache
                    assert build_intake_modal(shipped_config.flows, parts=parts, **kwargs) == whole


def test_one_reps_values_and_metadata_never_reach_the_next_reps_form(shipped_config: Config):
    parts = BuiltOnce()
    flows, flow = shipped_config.flows, shipped_config.flow("prelaunch_review")
    first = build_intake_modal(
        flows,
        chosen=flow,
        meta=IntakeMeta(source_channel_id="C0SECRET", text="Mei's launch question", prefill={"campaign": "Lunar"}),
        initial={"advertiser": "Mei Brand", "market": "SG", "ad_formats": ["video"]},
        duplicate=duplicate_of(shipped_config),
        viewer_id="U0REP1",
        parts=parts,
    )
    for block in first["blocks"]:  # whoever holds a view may change it: the cache keeps its own copy
        block["block_id"] = "changed"
        block.get("element", {})["initial_value"] = "changed"
    second = build_intake_modal(flows, chosen=flow, meta=IntakeMeta(source_channel_id="C0SALES"), parts=parts)
    shown = text(second)
    for theirs in ("Mei", "Lunar", "C0SECRET", "ADS-41", "changed"):
        assert theirs not in shown
    fields = [b for b in second["blocks"] if b.get("block_id", "").startswith("field_")]
    assert len(fields) == len(flow.fields) and not any("initial_" in text(b) for b in fields)
    assert json.loads(second["private_metadata"])["source_channel_id"] == "C0SALES"
    assert second == build_intake_modal(flows, chosen=flow, meta=IntakeMeta(source_channel_id="C0SALES"))


def test_a_changed_flow_gives_a_new_form(shipped_config: Config):
    parts = BuiltOnce()
    flow = shipped_config.flow("prelaunch_review")
    before = text(build_intake_modal(shipped_config.flows, chosen=flow, meta=IntakeMeta(), parts=parts))
    assert "Ad formats" in before
    # A reload builds new frozen objects: new flows, a new flow, new fields.
    fields = tuple(replace(f, label="Formats of the ads") if f.id == "ad_formats" else f for f in flow.fields)
    changed = replace(flow, title="Pre-launch check", fields=fields)
    flows = tuple(changed if f.id == flow.id else f for f in shipped_config.flows)
    after = text(build_intake_modal(flows, chosen=changed, meta=IntakeMeta(), parts=parts))
    assert "Formats of the ads" in after and "Ad formats" not in after
    assert "Pre-launch check" in after


@pytest.mark.parametrize("locale", ["ja-JP", None])
def test_each_language_has_its_own_parts(shipped_config: Config, locale: str | None):
    parts = BuiltOnce()
    flow = shipped_config.flow("prelaunch_review")
    other = pick_catalog(shipped_config.form_catalogs, "ja-JP" if locale is None else None)
    build_intake_modal(shipped_config.flows, chosen=flow, meta=IntakeMeta(), catalog=other, parts=parts)
    catalog = pick_catalog(shipped_config.form_catalogs, locale)
    shown = build_intake_modal(shipped_config.flows, chosen=flow, meta=IntakeMeta(), catalog=catalog, parts=parts)
    assert ("広告主" in text(shown)) is (locale == "ja-JP")
    assert ("Advertiser" in text(shown)) is (locale is None)


def test_parts_are_kept_by_identity_and_forgotten_when_full():
    parts = BuiltOnce(limit=2)
    built: list[str] = []

    def build(name: str) -> dict[str, Any]:
        built.append(name)
        return {"name": name}

    one, two, three = object(), object(), object()
    assert parts.json("p", (one,), lambda: build("one")) == {"name": "one"}
    parts.json("p", (one,), lambda: build("one"))["name"] = "changed"  # a copy: the cache keeps its own
    assert parts.json("p", (one,), lambda: build("one")) == {"name": "one"}
    assert built == ["one"]
    parts.json("p", (two,), lambda: build("two"))
    parts.json("p", (three,), lambda: build("three"))  # full: the old entries go, then this one is kept
    assert len(parts) == 1
    parts.json("p", (one,), lambda: build("one"))
    assert built == ["one", "two", "three", "one"]
