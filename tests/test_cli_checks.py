"""The CLI's checks catch real mistakes: placeholder ids, a wrong token, channels the bot is not in,
an http:// request URL, a missing store, and secrets mounted as files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import MissingSecret, Secrets
from bot.cli import main
from bot.config.secret_files import SecretFileError, resolve_secret_files
from slack_standin import SlackStandIn
from slack_standin.workspace.team import default_workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", tmp_path / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", tmp_path / "oncall_schedules")
    return tmp_path


def _real_ids(config_dir: Path) -> None:
    """Replace every example id with one that looks like a workspace's own."""
    for path in [config_dir / "app.yaml", *config_dir.glob("*/*.yaml")]:
        text = path.read_text()
        for old, new in {
            "C0ESCALATE": "C07ESC4LAT",
            "C0LEADS": "C07LE4DS9Q",
            "C0POLICY": "C07P0L1CYX",
            "U0LEAD1": "U07LE4D1AB",
            "U0LEAD2": "U07LE4D2CD",
            "U0SPEC1": "U07SPEC1EF",
            "U0SPEC2": "U07SPEC2GH",
            "U0SPEC3": "U07SPEC3IJ",
        }.items():
            text = text.replace(old, new)
        text = text.replace("placeholders: [U07SPEC1EF, U07SPEC2GH, U07SPEC3IJ, U07LE4D1AB, U07LE4D2CD]", "")
        path.write_text(text)


def test_check_config_fails_on_the_examples_placeholder_users_and_channels(config_dir: Path, capsys):
    assert main(["check-config", "--config", str(config_dir / "app.yaml")]) == 1
    err = capsys.readouterr().err
    for placeholder in ("C0ESCALATE", "C0LEADS", "C0POLICY", "U0LEAD1", "U0SPEC1"):
        assert f"PLACEHOLDER channel {placeholder}" in err or f"PLACEHOLDER user {placeholder}" in err
    assert "--allow-placeholders" in err


def test_check_config_passes_placeholders_when_allowed_and_real_ids_without(config_dir: Path, capsys):
    assert main(["check-config", "--allow-placeholders", "--config", str(config_dir / "app.yaml")]) == 0
    assert "PLACEHOLDER channel C0LEADS" in capsys.readouterr().out
    _real_ids(config_dir)
    assert main(["check-config", "--config", str(config_dir / "app.yaml")]) == 0
    assert "PLACEHOLDER" not in "".join(capsys.readouterr())


def test_check_config_slack_refuses_a_wrong_token_in_one_line(config_dir: Path, capsys, monkeypatch):
    with SlackStandIn(signing_secret="s", bot_token="xoxb-sandbox") as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        check = ["check-config", "--slack", "--allow-placeholders", "--config", str(config_dir / "app.yaml")]
        assert main(check) == 1
        unresolved = [line for line in capsys.readouterr().err.splitlines() if "UNRESOLVED" in line]
        assert len(unresolved) == 1 and "invalid_auth" in unresolved[0] and "SLACK_BOT_TOKEN" in unresolved[0]
        assert [c.method for c in slack.calls()] == ["auth.test"]  # nothing else asked with a refused token


def test_check_config_slack_checks_every_channel_exists_has_the_bot_and_restricted_is_private(
    config_dir: Path, capsys, monkeypatch
):
    workspace = default_workspace()
    bot_id = workspace.bot.user_id
    workspace.channels["C0LEADS"].members.discard(bot_id)  # the bot was never invited
    workspace.channels["C0POLICY"].is_private = False  # the "restricted" channel is public
    flow = config_dir / "escalation_flows" / "pr_risk.yaml"
    flow.write_text(flow.read_text() + "channel: C0NOSUCH\n")
    with SlackStandIn(signing_secret="s", bot_token="xoxb-sandbox", workspace=workspace) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-sandbox")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        check = ["check-config", "--slack", "--allow-placeholders", "--config", str(config_dir / "app.yaml")]
        assert main(check) == 1
        err = capsys.readouterr().err
        assert "UNRESOLVED channel C0LEADS (app.yaml channels.leads, app.yaml digests" in err
        assert "the bot is not a member" in err
        restricted = "UNRESOLVED channel C0POLICY (app.yaml channels.restricted): channels.restricted must be a private"
        assert restricted in err
        assert "UNRESOLVED channel C0NOSUCH (flow pr_risk): Slack says channel_not_found" in err
        assert "C0ESCALATE" not in err
        assert {c.args["channel"] for c in slack.calls("conversations.info")} >= {"C0ESCALATE", "C0LEADS", "C0POLICY"}


def test_manifest_needs_a_request_url_or_socket(capsys):
    with pytest.raises(SystemExit):
        main(["manifest", "--config", str(ROOT / "app.yaml")])
    assert "one of the arguments --request-url --socket is required" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "problem"),
    [("http://bot.adsco.test/slack/events", "Slack only calls https:// URLs"), ("https:///slack/events", "no host")],
)
def test_manifest_refuses_a_request_url_slack_would_not_call(url: str, problem: str, capsys):
    assert main(["manifest", "--config", str(ROOT / "app.yaml"), "--request-url", url]) == 2
    captured = capsys.readouterr()
    assert problem in captured.err and captured.out == ""


def test_manifest_for_socket_mode_needs_no_url(capsys):
    assert main(["manifest", "--socket", "--config", str(ROOT / "app.yaml")]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["socket_mode_enabled"] is True


@pytest.mark.parametrize(
    "command",
    [
        ["oncall", "export", "--ics"],
        ["export", "--since", "2026-01-01"],
        ["db", "status"],
    ],
)
def test_commands_that_read_the_store_never_create_one(config_dir: Path, command: list[str], capsys, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(config_dir)
    code = main([*command, "--out", str(config_dir / "out")] if command[0] != "db" else command)
    assert code == 2
    err = capsys.readouterr().err
    assert "no database at" in err and "DATABASE_URL" in err
    assert not (config_dir / "var").exists()


def test_export_refuses_a_postgres_it_cannot_reach(config_dir: Path, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter2@127.0.0.1:1/nowhere")
    code = main(["export", "--since", "2026-01-01", "--config", str(config_dir / "app.yaml")])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the database" in err and "(DATABASE_URL)" in err and "hunter2" not in err


def test_secrets_and_the_database_url_come_from_files(tmp_path: Path):
    (tmp_path / "token").write_text("xoxb-from-a-file\n")
    (tmp_path / "db").write_text("postgresql://bot@db/escalations")
    env = resolve_secret_files(
        {"SLACK_BOT_TOKEN_FILE": str(tmp_path / "token"), "DATABASE_URL_FILE": str(tmp_path / "db"), "OTHER": "x"}
    )
    assert env["SLACK_BOT_TOKEN"] == "xoxb-from-a-file"
    assert env["DATABASE_URL"] == "postgresql://bot@db/escalations"
    assert env["OTHER"] == "x"
    with pytest.raises(SecretFileError, match="both SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE"):
        resolve_secret_files({"SLACK_BOT_TOKEN": "a", "SLACK_BOT_TOKEN_FILE": str(tmp_path / "token")})
    with pytest.raises(SecretFileError, match="SLACK_APP_TOKEN_FILE: cannot read"):
        resolve_secret_files({"SLACK_APP_TOKEN_FILE": str(tmp_path / "missing")})


def test_the_cli_reads_the_database_url_from_a_file(config_dir: Path, capsys, monkeypatch):
    db = config_dir / "from-file.db"
    (config_dir / "database_url").write_text(f"sqlite:///{db}\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL_FILE", str(config_dir / "database_url"))
    assert main(["db", "upgrade", "--config", str(config_dir / "app.yaml")]) == 0
    assert db.exists()


def test_the_signing_secret_is_needed_in_http_mode_only():
    socket = Secrets.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, socket_mode=True)
    assert socket.signing_secret is None and socket.app_token == "xapp-1"
    with pytest.raises(MissingSecret, match="SLACK_SIGNING_SECRET"):
        Secrets.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, socket_mode=False)
    with pytest.raises(MissingSecret, match="SLACK_APP_TOKEN"):
        Secrets.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, socket_mode=True)


def test_cli_tools_write_nothing_to_stderr_when_all_is_well(config_dir: Path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{config_dir / 'quiet.db'}", "LOG_FORMAT": "json"}
    config = str(config_dir / "app.yaml")
    for command in (["db", "upgrade"], ["db", "status"], ["export", "--since", "2026-01-01", "--out", "out"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *command, "--config", config],
            env=env,
            cwd=config_dir,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        noise = [line for line in done.stderr.splitlines() if "case(s)" not in line]  # export's own summary
        assert noise == [], command
