"""What the intake offers: the best article, then only runners-up that apply to the rep's market."""

from datetime import UTC, datetime

from bot.clock import DatabaseClock, SystemClock
from bot.jobs.heartbeat import Heartbeat
from bot.services.guidance import Guidance
from bot.services.guide_search import GuideIndex
from bot.store.store import Store


def test_runners_up_from_other_markets_are_not_offered(shipped_config, store):
    guidance = Guidance(index=GuideIndex(shipped_config.guides), store=store)
    question = "Can the alcohol creative run before 10 pm in Singapore? The brand is a beer."
    anywhere = [hit.guide.id for hit in guidance.suggest(question).hits]
    in_singapore = guidance.suggest(question, market="SG").hits
    assert in_singapore[0].guide.id == "alcohol-sg-hours"
    assert all(hit.guide.covers_market("SG") for hit in in_singapore)
    assert len(anywhere) > len(in_singapore)  # without a market, other markets' rules may follow


def test_the_best_article_stands_even_if_it_names_another_market(shipped_config, store):
    guidance = Guidance(index=GuideIndex(shipped_config.guides), store=store)
    hits = guidance.suggest("Bintang beer wants to advertise in Jakarta", market="SG").hits
    assert hits[0].guide.id == "alcohol-id"


def test_the_background_refresh_reads_the_store_only_after_another_connection_committed(shipped_config, store_url):
    """Every replica refreshes every 2 s: on SQLite an idle one must not read each time (its own beats do
    not count), yet a commit from another process (an approval there) is looked at on the next refresh."""
    mine, other = Store.open(store_url), Store.open(store_url)
    try:
        guidance = Guidance(index=GuideIndex(shipped_config.guides), store=mine)
        reads: list[int] = []
        read = mine.approved_generation

        def counted():
            reads.append(1)
            return read()

        mine.approved_generation = counted  # type: ignore[method-assign]
        guidance.refresh()
        first = len(reads)
        assert first >= 1
        Heartbeat(store=mine, clock=DatabaseClock(SystemClock()), worker="me").beat()
        guidance.refresh()
        guidance.refresh()
        sqlite = store_url.startswith("sqlite")
        assert len(reads) == (first if sqlite else first + 2)  # Postgres has no such number: it reads
        now = datetime.now(UTC)
        with other.transaction() as tx:
            tx.jobs.enqueue(kind="t", key="elsewhere", due_at=now, now=now)
        guidance.refresh()
        assert len(reads) == (first + 1 if sqlite else first + 3)
    finally:
        mine.close()
        other.close()


def test_an_intake_s_second_search_of_its_question_is_remembered_until_the_index_is_rebuilt(shipped_config, store):
    """The ack shows the articles for the filed question and its follow-up job records that search: the
    second asks the index nothing. A rebuilt index (a draft approved anywhere) searches afresh."""
    guidance = Guidance(index=GuideIndex(shipped_config.guides), store=store)
    searched: list[str] = []

    def counting(index: GuideIndex) -> None:
        search = index.search

        def counted(question: str, **kwargs: object):
            searched.append(question)
            return search(question, **kwargs)  # type: ignore[arg-type]

        index.search = counted  # type: ignore[method-assign]

    counting(guidance.index)
    question = "Can the alcohol creative run before 10 pm in Singapore? The brand is a beer."
    first = guidance.suggest(question, market="SG", flow="prelaunch_review")
    again = guidance.suggest(question, market="SG", flow="prelaunch_review")
    assert again == first and len(searched) == 1
    other_market = guidance.suggest(question, market="ID", flow="prelaunch_review")
    assert len(searched) == 2 and other_market.hits[0].guide.id == first.hits[0].guide.id
    guidance.rebuild()
    counting(guidance.index)
    rebuilt = guidance.suggest(question, market="SG", flow="prelaunch_review")
    assert len(searched) == 3 and rebuilt == first
