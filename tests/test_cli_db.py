"""`escalation-bot db upgrade | status`, and `serve` refusing a database whose schema is not current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.store.engine import build_engine
from bot.store.migrate import head_revision, upgrade_to

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", tmp_path / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", tmp_path / "oncall_schedules")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'escalations.db'}")
    return tmp_path


def test_db_status_and_upgrade_on_a_new_database(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(config_dir / "app.yaml")
    assert main(["--config", config, "db", "status"]) == 2  # status reads: it never creates the file
    assert "no database at" in capsys.readouterr().err
    assert not (config_dir / "var" / "escalations.db").exists()
    assert main(["--config", config, "db", "upgrade"]) == 0
    assert f"now at revision {head_revision()} (current)" in capsys.readouterr().out
    assert main(["--config", config, "db", "status"]) == 0


def test_serve_refuses_an_unmigrated_database_and_says_what_to_do(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = build_engine(f"sqlite:///{config_dir / 'var' / 'escalations.db'}")
    upgrade_to(engine, "0001")
    engine.dispose()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    config = str(config_dir / "app.yaml")
    assert main(["--config", config, "serve", "--http", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "cannot start: database schema at revision 0001" in err
    assert "run `escalation-bot db upgrade`" in err
    assert main(["--config", config, "db", "upgrade"]) == 0
    assert "was at revision 0001" in capsys.readouterr().out


def test_db_status_hides_the_database_password(config_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter2@127.0.0.1:1/nowhere")
    assert main(["--config", str(config_dir / "app.yaml"), "db", "status"]) == 2
    out, err = capsys.readouterr()
    assert "cannot reach the database at postgresql+psycopg://bot:***@127.0.0.1:1/nowhere" in err
    assert "hunter2" not in out + err
