"""Receipt links: keyed from KARO_SECRET_KEY (the webhook token standing in for the demo), handed out only
with a public URL, and opening only the payment they were made for, until they expire."""

from __future__ import annotations

import datetime as dt

from bot.documents.links import LIFETIME, receipt_links
from bot.settings import Settings

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def test_no_secret_means_no_links_and_the_webhook_token_stands_in_for_a_missing_secret_key() -> None:
    assert receipt_links(Settings(public_url="https://karo.example")) is None
    demo = receipt_links(Settings(webhook_token="tok", public_url="http://127.0.0.1:8000"), lambda: NOW)
    keyed = receipt_links(Settings(webhook_token="tok", secret_key="s", public_url="https://k.example"))
    assert demo is not None and keyed is not None
    url = demo.url(7)
    assert url is not None and url.startswith("http://127.0.0.1:8000/receipts/7.") and url.endswith(".pdf")
    token = url.rsplit("/", 1)[1].removesuffix(".pdf")
    assert demo.payment_of(token) == 7 and keyed.payment_of(token) is None  # the secret key wins


def test_a_link_expires_after_its_lifetime_and_needs_a_public_url_to_be_made() -> None:
    clock = [NOW]
    links = receipt_links(Settings(secret_key="s"), lambda: clock[0])
    assert links is not None and links.url(7) is None  # nowhere the internet could fetch it from
    token = links.token(7, NOW + LIFETIME)
    assert links.payment_of(token) == 7
    clock[0] = NOW + LIFETIME
    assert links.payment_of(token) is None
