"""What the logs may hold: phones masked in every form, secrets and keyed credentials hidden, one JSON object
a line with the request id."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import REQUEST_ID, JsonFormatter, PrivacyFilter, configure_logging, mask_phones

SECRET = "s3cret-webhook-token"


@pytest.mark.parametrize(
    "written",
    ["+254712345678", "254712345678", "0712345678", "0712 345 678", "+254 712-345-678", "0712-345-678"],
)
def test_a_mobile_number_in_any_form_is_masked_to_its_network_digit_and_last_four(written):
    assert mask_phones(f"parent {written} paid") == "parent +2547****5678 paid"


def test_airtel_and_new_prefixes_are_masked_and_other_numbers_kept():
    assert mask_phones("0110 123 456 and +254110123456") == "+2541****3456 and +2541****3456"
    kept = "KES 35,000 on 2026-11-22, receipt QK12345678, id 1700000000123, session ATUid_0712345678901"
    assert mask_phones(kept) == kept


def record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError("calling 0722000111 with api_key=abc123")
        except RuntimeError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("karo.test", logging.INFO, __file__, 1, msg, args or None, exc_info)


def test_secrets_keyed_credentials_and_authorization_headers_are_hidden_in_message_args_and_traceback():
    scrub = PrivacyFilter([SECRET])
    item = record(
        "POST /at/ussd/%s from %s; Authorization: Bearer abc.def; url ?token=xyz&u=1; apiKey=k1 password: p",
        SECRET,
        "+254712345678",
        exc=True,
    )
    assert scrub.filter(item)
    assert item.getMessage() == (
        "POST /at/ussd/*** from +2547****5678; Authorization: ***; url ?token=***&u=1;"
        " apiKey=*** password: ***"
    )
    assert "0722000111" not in (item.exc_text or "") and "abc123" not in (item.exc_text or "")
    assert "+2547****0111" in (item.exc_text or "")
    quoted = record("sent {'token': 'abc', \"api_key\": \"k2\"}")
    scrub.filter(quoted)
    assert quoted.getMessage() == "sent {'token': '***', \"api_key\": \"***\"}"


def test_json_lines_carry_the_request_id(capsys):
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogRecordFactory())
    token = REQUEST_ID.set("req-42")
    try:
        configure_logging([SECRET])
        logging.getLogger("karo.test").warning("hop from %s with %s", "0712345678", SECRET)
    finally:
        REQUEST_ID.reset(token)
        root.handlers[:], level, factory = saved
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
    (line,) = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["request_id"]) == ("warning", "karo.test", "req-42")
    assert entry["message"] == "hop from +2547****5678 with ***"
    assert entry["time"].endswith("+00:00")


def test_the_formatter_leaves_out_a_request_id_outside_requests():
    entry = json.loads(JsonFormatter().format(record("plain")))
    assert entry["message"] == "plain" and "request_id" not in entry
