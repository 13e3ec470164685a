"""The contract for running the bot from outside: `escalation-bot serve --http`, env vars, check-config."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.cli import main
from slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", tmp_path / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", tmp_path / "oncall_schedules")
    return tmp_path


@freeze_time("2026-11-25 09:00:00")
def test_check_config_passes_on_the_shipped_files(capsys):
    assert main(["--config", str(ROOT / "app.yaml"), "check-config", "--allow-placeholders"]) == 0
    out = capsys.readouterr().out
    assert "OK: 5 flows" in out
    assert "past their review date" in out


@freeze_time("2030-01-01 09:00:00")
def test_check_config_flags_guides_past_their_review_date(capsys):
    main(["--config", str(ROOT / "app.yaml"), "check-config", "--allow-placeholders"])
    err = capsys.readouterr().err
    assert "REVIEW " in err and "policy_guides" in err and "last_reviewed" in err


@freeze_time("2026-11-25 09:00:00")
def test_check_config_reports_missing_and_extra_form_translations(config_dir: Path, capsys):
    flow = config_dir / "escalation_flows" / "pr_risk.yaml"
    flow.write_text(flow.read_text().replace("label: Who is asking or watching", "label: Who is asking"))
    assert main(["check-config", "--config", str(config_dir / "app.yaml")]) in (0, 1)
    captured = capsys.readouterr()
    assert re.search(r"form translation ja-JP: \d+ string\(s\), 1 missing, 1 extra", captured.out)
    assert "TRANSLATION ja-JP missing: 'Who is asking'" in captured.err
    assert "TRANSLATION th-TH extra (no flow uses it): 'Who is asking or watching'" in captured.err


def test_check_config_lists_problems_and_exits_non_zero(config_dir: Path, capsys):
    flow = config_dir / "escalation_flows" / "pr_risk.yaml"
    flow.write_text(flow.read_text().replace("policy: ads-urgent", "policy: nobody"))
    assert main(["check-config", "--config", str(config_dir / "app.yaml")]) == 2
    err = capsys.readouterr().err
    assert "1 configuration problem(s)" in err
    assert "pr_risk.yaml:6: policy: unknown policy 'nobody'" in err


def test_serve_refuses_to_start_on_invalid_configuration(config_dir: Path, capsys):
    (config_dir / "app.yaml").write_text("team: x\nchannels: {escalations: C1X, leads: nope}\n")
    assert main(["serve", "--http", "--port", "0", "--config", str(config_dir / "app.yaml")]) == 2
    assert "channels.leads" in capsys.readouterr().err


def test_serve_needs_its_secrets_from_the_environment(monkeypatch, capsys):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    assert main(["serve", "--http", "--config", str(ROOT / "app.yaml")]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("bots_on_the_wall_clock")
def test_serve_http_process_answers_healthz_and_signed_commands(config_dir: Path):
    with SlackStandIn(signing_secret="proc-secret", bot_token="xoxb-sandbox") as slack:
        port = _free_port()
        env = os.environ | {
            "SLACK_BOT_TOKEN": "xoxb-sandbox",
            "SLACK_SIGNING_SECRET": "proc-secret",
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{config_dir / 'proc.db'}",
            "LOG_FORMAT": "json",
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--config",
                str(config_dir / "app.yaml"),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
                        assert json.loads(reply.read())["status"] == "ok"
                        break
                except OSError:
                    assert process.poll() is None, process.stdout.read() if process.stdout else ""
                    assert time.monotonic() < deadline, "the server did not come up"
                    time.sleep(0.1)
            slack.bot_url = f"http://127.0.0.1:{port}/slack/events"
            response = slack.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES")
            assert response.status == 200
            assert slack.wait_for_call("views.open", timeout=5).ok
            assert (config_dir / "proc.db").exists()  # DATABASE_URL was honoured
        finally:
            process.terminate()
            assert process.wait(timeout=10) == 0
        # Every line is JSON, the start-up banner too; no per-tick scheduler lines, no Bolt token warning.
        output = process.stdout.read() if process.stdout else ""
        lines = [json.loads(line) for line in output.splitlines() if line.strip()]
        assert any(line["message"].startswith("serving Slack requests on http://") for line in lines)
        assert not [line for line in lines if line["logger"].startswith(("apscheduler", "waitress"))]
        assert not [line for line in lines if "will be unused" in line["message"]]


def test_check_config_with_slack_finds_people_slack_does_not_know(config_dir: Path, capsys, monkeypatch):
    with SlackStandIn(signing_secret="s", bot_token="xoxb-sandbox") as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-sandbox")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        check = ["check-config", "--slack", "--allow-placeholders", "--config", str(config_dir / "app.yaml")]
        assert main(check) == 0
        assert "everyone named exists" in capsys.readouterr().out
        rota_file = config_dir / "oncall_schedules" / "ads-policy-oncall.yaml"
        rota_file.write_text(
            rota_file.read_text().replace(
                "members: [U0SPEC1, U0SPEC2, U0SPEC3]", "members: [U0SPEC1, U0GONE42, nobody@adsco.test]"
            )
        )
        assert main(check) == 1
        err = capsys.readouterr().err
        assert "UNRESOLVED user U0GONE42 (ads-policy-oncall/primary/business-hours" in err
        assert "Slack says user_not_found" in err
        assert "UNRESOLVED user nobody@adsco.test" in err and "users_not_found" in err


def test_export_command_writes_csv_files(config_dir: Path, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{config_dir / 'export.db'}")
    assert main(["db", "upgrade", "--config", str(config_dir / "app.yaml")]) == 0
    capsys.readouterr()
    out = config_dir / "out"
    assert (
        main(
            [
                "export",
                "--since",
                "2026-01-01",
                "--format",
                "csv",
                "--out",
                str(out),
                "--config",
                str(config_dir / "app.yaml"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr()
    assert "cases-2026-01-01-" in printed.out and "0 case(s), 0 event(s)" in printed.err
    assert sorted(p.name.split("-")[0] for p in out.iterdir()) == ["cases", "events"]
