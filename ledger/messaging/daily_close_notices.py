"""The end-of-day summary by SMS: at the school's close hour (Nairobi), the day's close (``ledger.payments.
daily_close``) to each phone the school chose, once per phone and day, within two SMS parts.

The phones are the school's staff, not families: the summary is sent by SMS whatever the time (it is no bulk
message), and a day's run repeated writes nothing new. Email of the summary waits for the email channel.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from ledger.clock import NAIROBI, school_day
from ledger.errors import InvalidPhone
from ledger.messaging.outbox import Category, enqueue
from ledger.messaging.wording import day as day_words
from ledger.money import kes
from ledger.payments.daily_close import DailyClose, daily_close
from ledger.phones import normalise_phone
from ledger.records.tables import Language, School
from ledger.sms_parts import fits, within

MAX_PHONES = 5
CLOSE_HOURS = range(12, 24)  # noon to 23:00 Nairobi: after the day's money, before the next day
SHORT = ("STK", "Paybill", "Bank", "Cash", "Cheque")  # the reports' METHODS, in their order
_SEPARATORS = re.compile(r"[,;\n]+")


def parse_close_phones(text: str) -> list[str]:
    """The phones a bursar typed (comma-separated, any Kenyan form) in E.164, without repeats; InvalidPhone
    names the first bad one. Empty text: no phones (no summary by SMS)."""
    phones: list[str] = []
    for typed in _SEPARATORS.split(text):
        if typed.strip() and (phone := normalise_phone(typed)) not in phones:
            phones.append(phone)
    if len(phones) > MAX_PHONES:
        raise InvalidPhone(f"at most {MAX_PHONES} phones get the daily close")
    return phones


def close_phones_of(school: School) -> list[str]:
    return [phone for phone in (school.close_phones or "").split(",") if phone]


def close_text(school_name: str, close: DailyClose) -> str:
    """The close in one SMS of at most two parts: when too long, sponsors' cheques, then reversals, then the
    split by method are left out (the totals, receipts and suspense always stay)."""
    on = day_words(close.day, Language.EN)
    head = f"{_short(school_name)} close {on}: KES {kes(close.total, label=False)} in."
    lines = [
        head,
        _methods_line(close),
        _receipts_line(close),
        _suspense_line(close),
        _reversals_line(close),
        _cheques_line(close),
    ]
    for droppable in (5, 4, 1):
        if fits(" ".join(line for line in lines if line)):
            break
        lines[droppable] = ""
    return within(" ".join(line for line in lines if line))


def _short(name: str, most: int = 30) -> str:
    """The school's name, cut at a word when longer than ``most`` characters."""
    return name if len(name) <= most else name[: most + 1].rsplit(" ", 1)[0].rstrip(" ,.-")


def _methods_line(close: DailyClose) -> str:
    used = [
        f"{short} {kes(method.amount, label=False)}"
        for short, method in zip(SHORT, close.methods, strict=True)
        if method.amount
    ]
    return ", ".join(used) + "." if used else ""


def _receipts_line(close: DailyClose) -> str:
    first, last = close.first_receipt, close.last_receipt
    if first is None or last is None:
        return "No receipts."
    cancelled = f", {len(close.cancelled)} cancelled" if close.cancelled else ""
    serial = last.rsplit("-", 1)[-1] if last.rsplit("-", 1)[0] == first.rsplit("-", 1)[0] else last
    span = first if first == last else f"{first}..{serial}"
    return f"Receipts {span} ({len(close.receipts)}{cancelled})."


def _suspense_line(close: DailyClose) -> str:
    today = f"KES {kes(close.suspense_today, label=False)} today, " if close.suspense_today else ""
    return f"Suspense: {today}KES {kes(close.suspense_total, label=False)} in all."


def _reversals_line(close: DailyClose) -> str:
    if not close.reversals:
        return ""
    return f"Reversed {len(close.reversals)}: KES {kes(sum(r.amount for r in close.reversals), label=False)}."


def _cheques_line(close: DailyClose) -> str:
    if not close.cheques:
        return ""
    return f"Sponsor cheques KES {kes(sum(c.amount for c in close.cheques), label=False)}."


def write_daily_close(session: Session, school: School, now: dt.datetime) -> int:
    """Once the school's close hour has come today, the day's close to each of its phones (once per phone
    and day); how many messages were newly written."""
    phones = close_phones_of(school)
    if not phones or now.astimezone(NAIROBI).hour < school.close_hour:
        return 0
    on = school_day(now)
    text = close_text(school.name, daily_close(session, school.id, on))
    written = 0
    for phone in phones:
        _, created = enqueue(
            session,
            dedupe_key=f"daily-close:{school.id}:{on.isoformat()}:{phone}",
            phone=phone,
            body=text,
            category=Category.DAILY_CLOSE,
            now=now,
            channel="sms",
            school_id=school.id,
        )
        written += created
    return written
