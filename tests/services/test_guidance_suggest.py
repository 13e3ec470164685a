"""What the intake offers: the best article, then only runners-up that apply to the rep's market."""

from bot.services.guidance import Guidance
from bot.services.guide_search import GuideIndex


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
