"""Salesforce record links: Lightning and Classic URLs, 15- and 18-character ids, the checksum."""

import pytest

from bot.domain.salesforce import (
    NotASalesforceRecord,
    SalesforceRecord,
    checksum_suffix,
    normalize_id,
    parse_record_link,
    salesforce_id_in,
)

OPPORTUNITY = "0065g00000AbCdEAAV"
LIGHTNING = "https://acme.lightning.force.com/lightning/r"
CAMPAIGN = "7015g000000AbCd" + checksum_suffix("7015g000000AbCd")


def test_the_checksum_suffix_matches_salesforces_published_examples():
    assert checksum_suffix("a0BA0000000L2ZC") == "MA0"
    assert checksum_suffix("00558000001N0Ke") == "AAK"
    assert checksum_suffix("AAAAABBBBBCCCCC") == "555"
    assert checksum_suffix("AAaAAbbBBBCcCCC") == "123"


@pytest.mark.parametrize(
    ("url", "record"),
    [
        (f"{LIGHTNING}/Opportunity/0065g00000AbCdEAAV/view", ("Opportunity", OPPORTUNITY)),
        (f"{LIGHTNING}/Opportunity/0065g00000AbCdE/view", ("Opportunity", OPPORTUNITY)),
        (f"{LIGHTNING}/0015g00000XyZabAAF/view", ("Account", "0015g00000XyZabAAF")),
        ("https://acme.my.salesforce.com/0065g00000AbCdE", ("Opportunity", OPPORTUNITY)),
        ("https://acme.my.salesforce.com/0065g00000AbCdEaav/e?retURL=x", ("Opportunity", OPPORTUNITY)),
        ("https://na1.salesforce.com/7015g000000AbCd", ("Campaign", CAMPAIGN)),
    ],
)
def test_lightning_and_classic_links_give_the_record_type_and_18_character_id(url, record):
    assert parse_record_link(url) == SalesforceRecord(*record)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://acme.my.salesforce.com/0065g00000AbCdEAAA", "mistyped"),
        ("https://acme.my.salesforce.com/006ABC", "Link to the record itself"),
        ("https://acme.lightning.force.com/lightning/o/Opportunity/list", "Link to the record itself"),
        (f"{LIGHTNING}/Account/0065g00000AbCdEAAV/view", "says Account but its id is"),
        ("https://acme.my.salesforce.com/zzz5g00000AbCdE", "not of a record type we know"),
    ],
)
def test_a_link_that_names_no_record_says_why(url, message):
    with pytest.raises(NotASalesforceRecord, match=message):
        parse_record_link(url)


def test_an_id_or_a_link_is_recognised_in_search_text_and_words_are_not():
    assert salesforce_id_in("0065g00000AbCdE") == OPPORTUNITY
    assert salesforce_id_in("https://acme.my.salesforce.com/0065g00000AbCdE") == OPPORTUNITY
    assert salesforce_id_in("Internationally") is None
    assert salesforce_id_in("Acme Foods") is None
    assert normalize_id(OPPORTUNITY) == OPPORTUNITY
