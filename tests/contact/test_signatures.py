"""Request signatures, checked against the documented example and against the stand-ins' own signers."""

import hashlib
import hmac

from bot.contact.signatures import key_valid, pagerduty_signature, pagerduty_valid, twilio_signature, twilio_valid
from slack_standin.contacts.twilio import sign

# Twilio's documented example (www.twilio.com/docs/usage/security#validating-requests).
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


def test_twilio_signature_matches_the_documented_example():
    assert twilio_signature("12345", URL, PARAMS.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert sign("12345", URL, PARAMS) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_signature_fails_on_any_change():
    good = twilio_signature("12345", URL, PARAMS.items())
    assert twilio_valid("12345", URL, PARAMS.items(), good)
    assert not twilio_valid("12345", URL + "&x=1", PARAMS.items(), good)
    assert not twilio_valid("12345", URL, {**PARAMS, "Digits": "1"}.items(), good)
    assert not twilio_valid("54321", URL, PARAMS.items(), good)
    assert not twilio_valid("12345", URL, PARAMS.items(), "")
    assert not twilio_valid("", URL, PARAMS.items(), good)  # no token configured: nothing is trusted


def test_pagerduty_v1_signature_is_hex_hmac_sha256_of_the_raw_body():
    body = b'{"event":{"event_type":"incident.acknowledged"}}'
    expected = "v1=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert pagerduty_signature("s3cret", body) == expected
    assert pagerduty_valid("s3cret", body, expected)
    assert pagerduty_valid("s3cret", body, f"v1={'0' * 64},{expected}")  # one of several (secret rotation)
    assert not pagerduty_valid("s3cret", body + b" ", expected)
    assert not pagerduty_valid("other", body, expected)
    assert not pagerduty_valid("", body, expected)


def test_shared_key():
    assert key_valid("k", "k")
    assert not key_valid("k", "K")
    assert not key_valid("", "")
