"""The alert rules and the dashboard in deploy/ are valid, fire when they should, and name only
metrics the bot exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.observability import metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yaml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "escalation-bot.json"
OUR_METRIC = re.compile(r"\bescalation_bot_[a-z_]+\b")
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install prometheus)"
)


def exported_metric_names() -> set[str]:
    """Every name a scrape of /metrics can carry: samples, and the families' names (a labelled
    counter shows only its HELP and TYPE lines until its first increment)."""
    body = metrics.render()[0].decode()
    names = set()
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def rule_expressions() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


@needs_promtool
def test_promtool_accepts_the_rules():
    done = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@needs_promtool
def test_the_rules_fire_on_the_series_they_watch():
    done = subprocess.run(
        [PROMTOOL, "test", "rules", RULE_TESTS.name], capture_output=True, text=True, timeout=60, cwd=RULES.parent
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rules_cover_what_the_issue_asks_for():
    names = {rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
    assert {
        "EscalationBotPagesFailed",
        "EscalationBotJobsLate",
        "EscalationBotTickStalled",
        "EscalationBotSlackAuthFailed",
        "EscalationBotReplicaClockSkew",
    } <= names


def test_every_metric_the_rules_and_the_dashboard_name_is_exported():
    exported = exported_metric_names()
    named = {name for expr in rule_expressions() + dashboard_expressions() for name in OUR_METRIC.findall(expr)}
    assert len(named) >= 10
    assert named - exported == set()


def test_slack_refusing_the_token_sets_the_auth_gauge_and_an_accepted_call_clears_it():
    metrics.slack_call("chat.postMessage", metrics.slack_call_outcome(200, "invalid_auth"))
    assert metrics.value("escalation_bot_slack_auth_failing") == 1
    metrics.slack_call("chat.postMessage", metrics.slack_call_outcome(200, "channel_not_found"))
    assert metrics.value("escalation_bot_slack_auth_failing") == 1  # another error says nothing of the token
    metrics.slack_call("chat.postMessage", metrics.slack_call_outcome(200))
    assert metrics.value("escalation_bot_slack_auth_failing") == 0


def test_the_dashboard_is_grafana_json_with_a_datasource_variable():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "escalation-bot" and dashboard["panels"]
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


def test_a_finished_tick_moves_the_last_tick_gauge():
    before = metrics.value("escalation_bot_last_tick_timestamp_seconds")
    metrics.observe_tick(0.01)
    assert metrics.value("escalation_bot_last_tick_timestamp_seconds") >= max(before, 1.0)
