from datetime import UTC, datetime

from bot.domain.weekly import PersonLoad, compliance, on_call_load

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_load_ranks_people_by_pages_and_counts_out_of_hours():
    pages = [("U1", AT), ("U2", AT), ("U2", AT.replace(hour=14)), ("U3", AT.replace(hour=15))]
    load = on_call_load(pages, in_hours=lambda at: at.hour < 10)
    assert load == (PersonLoad("U2", 2, 1), PersonLoad("U3", 1, 1), PersonLoad("U1", 1, 0))


def test_compliance_is_the_share_met_of_those_that_came_due():
    assert compliance(8, 2) == 0.8
    assert compliance(0, 0) is None
