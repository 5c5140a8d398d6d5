"""The Twilio simulator's Message resources: as a create answers one, and as ``GET Messages.json`` lists
them, filtered by ``To``, ``From`` and ``DateSent`` and cut into Twilio's pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from providers.simulators.segments import sms_segments
from providers.simulators.twilio_rules import ERRORS, Refusal


def resource(message: dict[str, Any], account_sid: str) -> dict[str, Any]:
    """The Message resource Twilio answers a create with."""
    now = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{message['sid']}"
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": message["body"] or "",
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": message["from"],
        "messaging_service_sid": None,
        "num_media": str(len(message.get("media_urls") or ())),
        "num_segments": str(sms_segments(message["body"] or "")),
        "price": None,
        "price_unit": "USD",
        "sid": message["sid"],
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": message["to"],
        "uri": f"{uri}.json",
    }


def _listed(message: dict[str, Any], account_sid: str) -> dict[str, Any]:
    """A recorded message as the list shows it: its status now, and when Twilio took and sent it."""
    at = _sent_at(message)
    stamp = at.strftime("%a, %d %b %Y %H:%M:%S +0000")
    listed = resource(message, account_sid)
    listed.update(date_created=stamp, date_updated=stamp, date_sent=stamp, status=message["status"])
    if message["error_code"]:
        listed.update(error_code=message["error_code"], error_message=ERRORS.get(message["error_code"]))
    return listed


def _sent_at(message: dict[str, Any]) -> dt.datetime:
    """When the simulator took it, to the second (Twilio's dates carry no fractions)."""
    return dt.datetime.fromisoformat(message["at"]).replace(microsecond=0)


def _date_filter(params: Any) -> Callable[[dt.datetime], bool]:
    """``DateSent>=`` (on or after), ``DateSent<=`` (on or before) and ``DateSent=`` (that day or time);
    each a date (``2026-02-03``, the whole day) or a time (``2026-02-03T09:00:00Z``)."""
    tests = []
    for key, compare in (("DateSent>", "after"), ("DateSent<", "before"), ("DateSent", "on")):
        if params.get(key):
            tests.append(_date_test(str(params[key]), compare))
    return lambda at: all(test(at) for test in tests)


def _date_test(value: str, compare: str) -> Callable[[dt.datetime], bool]:
    try:
        if "T" in value:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            start = end = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        else:
            start = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
            end = start + dt.timedelta(days=1) - dt.timedelta(seconds=1)
    except ValueError as exc:
        raise Refusal(400, 20001, f"Invalid DateSent filter {value!r}") from exc
    if compare == "after":
        return lambda at: at >= start
    if compare == "before":
        return lambda at: at <= end
    return lambda at: start <= at <= end


def listing_page(messages: list[dict[str, Any]], params: QueryParams, account_sid: str) -> dict[str, Any]:
    """One page of the recorded ``messages`` that ``params`` ask for, newest first, with Twilio's paging
    fields."""
    matches = _date_filter(params)
    chosen = [
        m
        for m in reversed(messages)
        if m["accepted"]
        and (not params.get("To") or m["to"] == params["To"])
        and (not params.get("From") or m["from"] == params["From"])
        and matches(_sent_at(m))
    ]
    size = min(_count(params, "PageSize", 50), 1000) or 1
    number = _count(params, "Page", 0)
    records = chosen[number * size : (number + 1) * size]
    path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
    query = [(k, v) for k, v in params.multi_items() if k not in ("Page", "PageSize", "PageToken")]

    def uri(page: int) -> str:
        return f"{path}?{urlencode([*query, ('PageSize', size), ('Page', page)])}"

    more = (number + 1) * size < len(chosen)
    return {
        "messages": [_listed(m, account_sid) for m in records],
        "end": number * size + max(len(records) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": f"{uri(number + 1)}&PageToken=PA{number + 1}" if more else None,
        "page": number,
        "page_size": size,
        "previous_page_uri": uri(number - 1) if number > 0 else None,
        "start": number * size,
        "uri": uri(number),
    }


def _count(params: Any, name: str, default: int) -> int:
    value = str(params.get(name) or default)
    if not value.isdigit():
        raise Refusal(400, 20001, f"Invalid {name} {value!r}")
    return int(value)
