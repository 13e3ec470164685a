"""Request signatures: Twilio's X-Twilio-Signature and PagerDuty's v3 X-PagerDuty-Signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Base64 HMAC-SHA1, keyed by the auth token, of the full URL followed by every POST parameter's
    name and value, sorted by name (and value, for repeated names), with no separators."""
    data = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_valid(auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str) -> bool:
    if not auth_token or not signature:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


def pagerduty_signature(secret: str, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of the raw body, keyed by the subscription's secret."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pagerduty_valid(secret: str, body: bytes, header: str) -> bool:
    """The header may carry several comma-separated signatures (while a secret is rotated): one must match."""
    if not secret or not header:
        return False
    expected = pagerduty_signature(secret, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))


def key_valid(expected: str, given: str) -> bool:
    """A shared key (Opsgenie's webhook header), compared in constant time."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())
