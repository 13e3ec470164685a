"""Two replicas filing the same advertiser and campaign at the same instant make one case (issue 14,
item 9): the duplicate check and the insert hold a per-flow lock (Postgres advisory lock; SQLite's
IMMEDIATE transactions)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.domain.duplicates import family, first_same_names, name_words, same_name
from bot.domain.intake import validate_intake
from bot.services.open_case import DuplicateCaseOpen, open_case
from bot.store.store import Store

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


def _race(replicas, config):
    with replicas[0].read() as tx:
        before = tx.cases.count()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()
    names = ("Acme Foods Pte Ltd", "ACME Foods")

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
