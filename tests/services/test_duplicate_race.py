"""Two replicas filing the same advertiser and campaign at the same instant make one case (issue 14,
item 9): the duplicate check and the insert hold a lock per flow and advertiser word (Postgres advisory
locks; SQLite's IMMEDIATE transactions), so intakes for other advertisers do not wait (issue 17)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.domain.duplicates import family, first_same_names, lock_names, name_words, same_name
from bot.domain.intake import validate_intake
from bot.services.open_case import DuplicateCaseOpen, open_case
from bot.store.store import Store, advisory_key

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


def intake(config, reporter: str, advertiser: str):
    values = {
        "advertiser": advertiser,
        "campaign": "Spring launch",
        "market": "SG",
        "deadline": NOW + timedelta(days=5),
        "question": "Can the alcohol creative run before 10 pm?",
        "creative_url": "https://x.test/a",
    }
    return validate_intake(config.flow("prelaunch_review"), values, reporter_id=reporter, now=NOW)


def test_names_that_mean_the_same_match_and_others_do_not():
    assert name_words("Acme Foods Pte. Ltd.") == frozenset({"acme", "foods"})
    assert same_name("Acme Foods Pte Ltd", "ACME Foods")
    assert same_name("Spring launch", "spring-launch")
    assert not same_name("Acme Foods", "Zenith Motors")
    assert not same_name("Spring launch", "Autumn launch")


def test_a_flow_family_is_symmetric(shipped_config):
    flows = shipped_config.flows
    assert family(shipped_config.flow("prelaunch_review"), flows) == {"prelaunch_review", "restricted_category"}
    assert family(shipped_config.flow("restricted_category"), flows) == {"prelaunch_review", "restricted_category"}
    assert "prelaunch_review" not in family(shipped_config.flow("live_violation"), flows)


def test_two_replicas_filing_the_same_case_at_once_make_one(store_url, shipped_config):
    replicas = [Store.open(store_url), Store.open(store_url)]
    try:
        for _ in range(3):  # a few rounds: a race that loses only sometimes must not pass by luck
            _race(replicas, shipped_config)
    finally:
        for replica in replicas:
            replica.close()


def test_two_replicas_filing_a_name_and_a_longer_one_at_once_make_one(store_url, shipped_config):
    """ "Acme" and "Acme Foods Pte Ltd" share only some words: they still wait on a common lock."""
    replicas = [Store.open(store_url), Store.open(store_url)]
    try:
        for _ in range(3):
            _race(replicas, shipped_config, names=("Acme", "Acme Foods Pte Ltd"))
    finally:
        for replica in replicas:
            replica.close()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Acme Foods Pte Ltd", "ACME Foods"),
        ("Acme", "Acme Foods"),
        ("Northwind Traders Asia Pacific", "Northwind Traders Asia Pacific Group"),
        ("The Company", "the company ltd"),
    ],
)
def test_names_that_mean_the_same_want_a_common_lock(left, right):
    assert same_name(left, right)
    flows = frozenset({"prelaunch_review", "restricted_category"})
    assert set(lock_names(flows, left)) & set(lock_names(flows, right))


def test_names_with_no_word_in_common_want_no_common_lock():
    flows = frozenset({"prelaunch_review"})
    assert not set(lock_names(flows, "Acme Foods")) & set(lock_names(flows, "Zenith Motors"))
    assert lock_names(flows, "  ") == []  # nothing to match: no duplicate, no lock


@pytest.mark.postgres
def test_an_intake_waits_only_for_a_check_on_a_name_it_may_duplicate(shipped_config):
    """While one replica's duplicate check for "Acme Foods" is open, another advertiser's intake files at
    once, and an "ACME Foods" intake waits for it (seen as an ungranted advisory lock) and then is told
    it duplicates the case the first one filed."""
    from tests.conftest import postgres_schema_url

    urls = postgres_schema_url()
    url = next(urls)
    replicas = [Store.open(url), Store.open(url)]
    flows = frozenset({"prelaunch_review", "restricted_category"})
    outcomes: dict[str, str] = {}

    def file(advertiser: str, key: str) -> None:
        try:
            open_case(
                intake(shipped_config, "U0REP2", advertiser), store=replicas[1], now=NOW, intake_key=key, family=flows
            )
            outcomes[advertiser] = "filed"
        except DuplicateCaseOpen:
            outcomes[advertiser] = "duplicate"

    try:
        with replicas[0].transaction() as held:
            held.lock(*lock_names(flows, "Acme Foods"))
            held.cases.add(intake(shipped_config, "U0REP1", "Acme Foods"), now=NOW, intake_key="held")
            other = threading.Thread(target=file, args=("Zenith Motors", "other"))
            other.start()
            other.join(timeout=30)
            assert outcomes == {"Zenith Motors": "filed"}, "another advertiser's intake waited for the lock"
            same = threading.Thread(target=file, args=("ACME Foods", "same"))
            same.start()
            # Postgres shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits).
            wanted = {divmod(advisory_key(name) & (2**64 - 1), 2**32) for name in lock_names(flows, "ACME Foods")}
            waiting: set[tuple[int, int]] = set()
            with replicas[0].read() as look:
                deadline = time.monotonic() + 30
                while not waiting and time.monotonic() < deadline:
                    rows = look.session.execute(
                        text(
                            "SELECT classid::bigint, objid::bigint FROM pg_locks "
                            "WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted"
                        )
                    ).all()
                    waiting = {(int(high), int(low)) for high, low in rows} & wanted
                    time.sleep(0.02)
            assert waiting, "the same advertiser's intake did not wait for the open check"
            assert "ACME Foods" not in outcomes
        same.join(timeout=30)
        assert outcomes["ACME Foods"] == "duplicate"
    finally:
        for replica in replicas:
            replica.close()
        next(urls, None)


def _race(replicas, config, names=("Acme Foods Pte Ltd", "ACME Foods")):
    with replicas[0].read() as tx:
        before = tx.cases.count()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def file(n: int) -> None:
        request = intake(config, f"U0REP{n + 1}", names[n])
        barrier.wait()
        try:
            open_case(
                request,
                store=replicas[n],
                now=NOW,
                intake_key=f"race:{before}:{n}",
                family=frozenset({"prelaunch_review", "restricted_category"}),
            )
            outcome = "filed"
        except DuplicateCaseOpen:
            outcome = "duplicate"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=file, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate", "filed"]
    with replicas[0].transaction() as tx:
        assert tx.cases.count() == before + 1
        for case in tx.cases.open_cases():
            tx.cases.change(case.id, now=NOW, status="resolved")  # the next round starts clean


def test_the_first_open_case_with_the_same_names_is_the_duplicate():
    candidates = [(3, "zenith motors", "spring launch"), (5, "acme foods", "spring launch"), (9, "acme", "spring")]
    assert first_same_names("ACME Foods Pte Ltd", "Spring-launch", candidates) == 5
    assert first_same_names("Acme Foods", "Autumn launch", candidates) is None
    assert first_same_names("Acme Foods", "Spring launch", []) is None


def test_the_duplicate_check_reads_only_cases_sharing_a_word_and_sees_past_five_hundred_open_cases(
    store, shipped_config
):
    """The ack asks the database for the open cases whose advertiser shares a word with the new one, not
    for the oldest 500 open cases: with 600 other advertisers' cases open before it, a duplicate of the
    newest one is still found, and a name with a LIKE wildcard in it matches only itself."""
    flows = family(shipped_config.flow("prelaunch_review"), shipped_config.flows)
    for n in range(600):
        open_case(intake(shipped_config, "U0REP1", f"Brand{n} Pte Ltd"), store=store, now=NOW, intake_key=f"b{n}")
    first = open_case(intake(shipped_config, "U0REP2", "Acme Foods Pte Ltd"), store=store, now=NOW, intake_key="a")
    open_case(intake(shipped_config, "U0REP2", "Per_cent 100% Pte Ltd"), store=store, now=NOW, intake_key="p")
    open_case(intake(shipped_config, "U0REP2", "Perxcent Pte Ltd"), store=store, now=NOW, intake_key="x")
    with store.read() as tx:
        candidates = tx.cases.open_names_in_flows(flows, sharing=name_words("ACME Foods"))
        assert [case_id for case_id, _, _ in candidates] == [first.case.id]
        assert [a for _, a, _ in tx.cases.open_names_in_flows(flows, sharing={"per_cent"})] == ["per_cent 100 pte ltd"]
    with pytest.raises(DuplicateCaseOpen) as found:
        open_case(intake(shipped_config, "U0REP3", "ACME Foods"), store=store, now=NOW, intake_key="again")
    assert found.value.existing.id == first.case.id
