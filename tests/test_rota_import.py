"""`escalation-bot oncall import`: a CSV of shifts, a PagerDuty and an Opsgenie schedule export become a rota
YAML that loads, puts the right person on call, and passes check-config."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli import main
from bot.config.errors import ConfigProblem
from bot.config.schedules import load_schedules
from bot.domain import rota

ROOT = Path(__file__).resolve().parents[1]
SGT = ZoneInfo("Asia/Singapore")

PAGERDUTY = {
    "schedule": {
        "id": "PI7DH85",
        "name": "Ads Policy Nights",
        "time_zone": "Asia/Singapore",
        "schedule_layers": [
            {
                "name": "Weeknights",
                "start": "2026-11-02T18:00:00+08:00",
                "rotation_virtual_start": "2026-11-02T09:00:00+08:00",
                "rotation_turn_length_seconds": 604800,
                "users": [
                    {"user": {"id": "PXPGF42", "type": "user_reference", "summary": "Ana", "email": "ana@adsco.test"}},
                    {"user": {"id": "PAM4FGS", "type": "user_reference", "summary": "Ben"}},
                ],
                "restrictions": [
                    {"type": "daily_restriction", "start_time_of_day": "18:00:00", "duration_seconds": 54000}
                ],
            },
            {
                "name": "Weekend",
                "start": "2026-11-07T09:00:00+08:00",
                "rotation_virtual_start": "2026-11-07T09:00:00+08:00",
                "rotation_turn_length_seconds": 604800,
                "users": [{"user": {"id": "PAM4FGS", "type": "user_reference", "summary": "Ben"}}],
                "restrictions": [
                    {
                        "type": "weekly_restriction",
                        "start_time_of_day": "09:00:00",
                        "duration_seconds": 172800,
                        "start_day_of_week": 6,
                    }
                ],
            },
        ],
    }
}

OPSGENIE = {
    "data": {
        "id": "d875alp4-9b4e-4219-a803-0c26936d18de",
        "name": "Ads Policy Days",
        "timezone": "Asia/Singapore",
        "enabled": True,
        "rotations": [
            {
                "id": "a47alp93-0541-4aa2-bac5-25b4a8b2e0a4",
                "name": "business hours",
                "startDate": "2026-11-02T01:00:00Z",
                "type": "weekly",
                "length": 1,
                "participants": [
                    {"type": "user", "id": "b3alp4f1", "username": "ana@adsco.test"},
                    {"type": "user", "id": "c6alp3e2", "username": "ben@adsco.test"},
                ],
                "timeRestriction": {
                    "type": "weekday-and-time-of-day",
                    "restrictions": [
                        {
                            "startDay": "monday",
                            "startHour": 9,
                            "startMin": 0,
                            "endDay": "friday",
                            "endHour": 18,
                            "endMin": 0,
                        }
                    ],
                },
            }
        ],
    }
}


def load(folder: Path, schedule_id: str) -> rota.Schedule:
    problems: list[ConfigProblem] = []
    schedules = load_schedules(folder, problems)
    assert problems == [], "\n".join(map(str, problems))
    return schedules[schedule_id]


def test_a_pagerduty_export_with_a_user_map(tmp_path: Path):
    source = tmp_path / "pd.json"
    source.write_text(json.dumps(PAGERDUTY))
    users = tmp_path / "map.csv"
    users.write_text("PAM4FGS,U0SPEC2\n")
    out = tmp_path / "rotas"
    args = ["oncall", "import", "--from", "pagerduty", str(source), "--map", str(users), "--out", str(out)]
    assert main([*args, "--config", str(ROOT / "app.yaml")]) == 0
    schedule = load(out, "ads-policy-nights")
    assert rota.on_call(schedule, datetime(2026, 11, 3, 23, 0, tzinfo=SGT))["primary"] == ("ana@adsco.test",)
    assert rota.on_call(schedule, datetime(2026, 11, 10, 23, 0, tzinfo=SGT))["primary"] == ("U0SPEC2",)
    assert rota.on_call(schedule, datetime(2026, 11, 8, 12, 0, tzinfo=SGT))["primary"] == ("U0SPEC2",)  # weekend
    assert rota.on_call(schedule, datetime(2026, 11, 4, 12, 0, tzinfo=SGT))["primary"] == ()  # weekday daytime


def test_a_pagerduty_user_with_no_email_and_no_map_is_refused_by_name(tmp_path: Path, capsys):
    source = tmp_path / "pd.json"
    source.write_text(json.dumps(PAGERDUTY))
    args = ["oncall", "import", "--from", "pagerduty", str(source), "--out", str(tmp_path / "x")]
    assert main([*args, "--config", str(ROOT / "app.yaml")]) == 2
    assert "PAM4FGS (Ben) has no e-mail; map it with --map" in capsys.readouterr().err


def test_an_opsgenie_export_and_a_csv_of_shifts(tmp_path: Path):
    source = tmp_path / "og.json"
    source.write_text(json.dumps(OPSGENIE))
    out = tmp_path / "rotas"
    assert (
        main(
            [
                "oncall",
                "import",
                "--from",
                "opsgenie",
                str(source),
                "--out",
                str(out),
                "--config",
                str(ROOT / "app.yaml"),
            ]
        )
        == 0
    )
    schedule = load(out, "ads-policy-days")
    assert rota.on_call(schedule, datetime(2026, 11, 4, 10, 0, tzinfo=SGT))["primary"] == ("ana@adsco.test",)
    assert rota.on_call(schedule, datetime(2026, 11, 11, 10, 0, tzinfo=SGT))["primary"] == ("ben@adsco.test",)
    assert rota.on_call(schedule, datetime(2026, 11, 4, 20, 0, tzinfo=SGT))["primary"] == ()

    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "layer,user,start,end\n"
        "primary,U0SPEC1,2026-11-02T09:00:00+08:00,2026-11-09T09:00:00+08:00\n"
        "primary,U0SPEC2,2026-11-09T09:00:00+08:00,2026-11-16T09:00:00+08:00\n"
        "primary,U0SPEC1,2026-11-16T09:00:00+08:00,2026-11-23T09:00:00+08:00\n"
    )
    assert (
        main(
            [
                "oncall",
                "import",
                "--from",
                "csv",
                str(shifts),
                "--id",
                "csv-rota",
                "--timezone",
                "Asia/Singapore",
                "--out",
                str(out),
                "--config",
                str(ROOT / "app.yaml"),
            ]
        )
        == 0
    )
    schedule = load(out, "csv-rota")
    assert rota.on_call(schedule, datetime(2026, 11, 10, 3, 0, tzinfo=SGT))["primary"] == ("U0SPEC2",)
    assert rota.on_call(schedule, datetime(2026, 12, 1, 10, 0, tzinfo=SGT))["primary"] == ("U0SPEC1",)  # repeats


def test_import_into_the_deployment_then_check_config_validates_it(tmp_path: Path, monkeypatch, capsys):
    for part in ("app.yaml", "escalation_flows", "oncall_schedules", "policy_guides"):
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    export = tmp_path / "og.json"
    export.write_text(json.dumps(OPSGENIE))
    args = ["oncall", "import", "--from", "opsgenie", str(export), "--allow-placeholders"]
    code = main([*args, "--config", str(tmp_path / "app.yaml")])
    out = capsys.readouterr().out
    assert (tmp_path / "oncall_schedules" / "ads-policy-days.yaml").exists()
    assert "checking the configuration" in out and "schedule ads-policy-days: on call now" in out
    assert code == 0
