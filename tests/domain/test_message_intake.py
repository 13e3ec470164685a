"""Prefilling the form from an escalated message: flow from channel or aliases, names, Salesforce link."""

from bot.domain.message_intake import guess_flow, prefill_from_message, suggest_names


def test_the_flow_is_guessed_from_the_words_that_match_its_aliases(shipped_config):
    flows = shipped_config.flows
    assert guess_flow(flows, channel_id="C0SALES", text="Legal question on an alcohol ad").id == "restricted_category"
    assert guess_flow(flows, channel_id="C0SALES", text="the appeal for the disapproval").id == "advertiser_appeal"
    assert guess_flow(flows, channel_id="C0SALES", text="hello there") is None


def test_advertiser_and_campaign_are_suggested_where_the_text_names_them():
    assert suggest_names("Advertiser: Acme Foods, campaign: Spring launch — ok?") == ("Acme Foods", "Spring launch")
    assert suggest_names("Acme Foods's Spring Launch campaign got disapproved") == ("Acme Foods", "Spring Launch")
    assert suggest_names("client is Lazada and they want a gambling ad") == ("Lazada", "")
    assert suggest_names("can we run vape ads in Malaysia?") == ("", "")


def test_a_salesforce_record_link_in_the_text_is_suggested_and_other_links_are_not():
    text = "see https://cdn.example.com/a.mp4 and https://acme.my.salesforce.com/0065g00000AbCdE please"
    assert prefill_from_message(text) == {"salesforce": "https://acme.my.salesforce.com/0065g00000AbCdE"}
    assert prefill_from_message("https://acme.my.salesforce.com/0065g00000AbCdEAAA") == {}  # a mistyped id
