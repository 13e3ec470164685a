from datetime import timedelta

from bot.domain.case import CaseStatus, human_id, parse_human_id
from bot.domain.job import backoff


def test_human_ids_start_above_one_thousand_and_round_trip():
    assert human_id("ADS", 1) == "ADS-1001"
    assert human_id("ADS", 42) == "ADS-1042"
    assert parse_human_id("ADS", "ads-1042") == 42
    assert parse_human_id("ADS", "OPS-1042") is None
    assert parse_human_id("ADS", "ADS-99") is None


def test_resolved_and_closed_are_not_open():
    assert CaseStatus.NEW.is_open
    assert not CaseStatus.RESOLVED.is_open
    assert not CaseStatus.CLOSED.is_open


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(30) == timedelta(minutes=5)
