"""What a reminder, an invoice or late-fee notice and a family's thank-you say, in English and Kiswahili.

Each names the school, the children and what they owe, when it is (or was) due, how to pay (Paybill and
account number, the school's USSD code, or a reply) and how to stop. Every text fits two SMS segments as
ledger.sms_parts counts them (a name with ĩ or ũ makes it UCS-2): when the full wording would not, its accents
are dropped, then the USSD code goes, then the children's names are shortened, then they are counted instead
of listed (tests render each in both languages with long, accented and typographic names, many children).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ledger.messaging.wording import day
from ledger.money import kes
from ledger.records.tables import Language, School
from ledger.sms_parts import fits as fits_two_segments
from ledger.sms_parts import folded, within

REMINDER = {
    Language.EN: "{school}: Fee reminder. {children}. Total KES {total}{when}. {pay} "
    "Reply STOP to end reminders.",
    Language.SW: "{school}: Kumbusho la ada. {children}. Jumla KES {total}{when}. {pay} Jibu ACHA kusitisha.",
}
INSTALMENT = {
    Language.EN: "{school}: Payment plan reminder. Instalment of KES {amount} for {children} "
    "due {date}. {pay}",
    Language.SW: "{school}: Kumbusho la mpango wa malipo. Awamu ya KES {amount} kwa {children} "
    "ifikapo {date}. {pay}",
}
WHEN = {
    Language.EN: (" due {date}", " was due {date}"),
    Language.SW: (" ifikapo {date}", ", ilipaswa kulipwa {date}"),
}
PAY = {
    Language.EN: (
        "Pay by Paybill {paybill} account {account}{ussd} or reply PAY.",
        "Pay{ussd} or reply PAY.",
    ),
    Language.SW: (
        "Lipa kwa Paybill {paybill} akaunti {account}{ussd} au jibu LIPA.",
        "Lipa{ussd} au jibu LIPA.",
    ),
}
USSD = {Language.EN: ", dial {code}", Language.SW: ", piga {code}"}
EACH_CHILD = {Language.EN: "each child's admission no.", Language.SW: "namba ya usajili ya kila mtoto"}
COUNTED = {Language.EN: "{n} children", Language.SW: "watoto {n}"}
INVOICE = {
    Language.EN: "{school}: Term {term} fees. {children}. Total due KES {total} by {date}. {pay}",
    Language.SW: "{school}: Ada ya muhula {term}. {children}. Jumla KES {total} ifikapo {date}. {pay}",
}
LATE_FEE = {
    Language.EN: "{school}: A late fee of KES {fee} was charged: term {term} fees were due {date}. "
    "{children}. Total KES {total}. {pay}",
    Language.SW: "{school}: Faini ya kuchelewa KES {fee} imetozwa: ada ya muhula {term} ilipaswa kulipwa"
    " {date}. {children}. Jumla KES {total}. {pay}",
}
THANKS = {
    Language.EN: "{school}: Thank you! All fees for {children} are paid. We appreciate it.",
    Language.SW: "{school}: Asante! Ada yote ya {children} imelipwa. Tunashukuru.",
}
AND = {Language.EN: " and ", Language.SW: " na "}
NEXT_TERM = {
    Language.EN: "{school}: Term {number} opens on {opens}. Fees for {children} KES {fees}{balance}, "
    "total KES {total} due by {date}. {pay}",
    Language.SW: "{school}: Muhula wa {number} unaanza {opens}. Ada ya {children} KES {fees}{balance}, "
    "jumla KES {total} ifikapo {date}. {pay}",
}
BALANCE = {
    Language.EN: (", arrears KES {amount}", ", credit KES {amount}"),
    Language.SW: (", deni KES {amount}", ", salio la ziada KES {amount}"),
}


@dataclass(frozen=True)
class Child:
    name: str
    admission_no: str
    owed: int  # cents


def first_name(name: str) -> str:
    """A child's first word, as a short message names them (the whole name if it has no word at all)."""
    words = name.split()
    return words[0] if words else name.strip()


def _listed(children: Sequence[Child], width: int | None) -> str:
    def name(child: Child) -> str:
        shown = child.name if width is None else first_name(child.name)[:width]
        return f"{shown} ({child.admission_no}) KES {kes(child.owed, label=False)}"

    return "; ".join(name(child) for child in children)


def _how_to_pay(language: Language, school: School, children: Sequence[Child], with_ussd: bool) -> str:
    ussd = USSD[language].format(code=school.ussd_code) if with_ussd and school.ussd_code else ""
    paybill = school.daraja_shortcode or school.paybill
    if not paybill:
        return PAY[language][1].format(ussd=ussd)
    account = children[0].admission_no if len(children) == 1 else EACH_CHILD[language]
    return PAY[language][0].format(paybill=paybill, account=account, ussd=ussd)


def _listings(language: Language, children: Sequence[Child]) -> Iterator[str]:
    """The children as a text, fullest first (made only as far as needed): names in full, first names
    shortened, then a count."""
    yield _listed(children, None)
    yield _listed(children, 12)
    yield COUNTED[language].format(n=len(children))


def _shortest_fit(render: Callable[[str, bool], str], listings: Callable[[], Iterable[str]]) -> str:
    """The fullest wording that fits two segments: the USSD code goes first, then the listing shrinks."""
    text = ""
    for with_ussd in (True, False):
        for listed in listings():
            text = render(listed, with_ussd)
            for shown in (text, folded(text)):  # names as written, else their accents dropped
                if fits_two_segments(shown):
                    return shown
    return folded(text)


def reminder_text(
    language: Language, school: School, children: Sequence[Child], due_on: dt.date, today: dt.date
) -> str:
    """A fee reminder for one family: each child who owes, the total, and the due date."""
    before, after = WHEN[language]
    when = (before if today <= due_on else after).format(date=day(due_on, language))
    total = kes(sum(child.owed for child in children), label=False)

    def render(listed: str, with_ussd: bool) -> str:
        pay = _how_to_pay(language, school, children, with_ussd)
        return REMINDER[language].format(
            school=school.name[:30], children=listed, total=total, when=when, pay=pay
        )

    return _shortest_fit(render, lambda: _listings(language, children))


def instalment_text(
    language: Language, school: School, children: Sequence[Child], amount: int, due_on: dt.date
) -> str:
    """A reminder of a payment plan's next instalment."""

    def render(listed: str, with_ussd: bool) -> str:
        return INSTALMENT[language].format(
            school=school.name[:30],
            amount=kes(amount, label=False),
            children=listed,
            date=day(due_on, language),
            pay=_how_to_pay(language, school, children, with_ussd),
        )

    first_names = AND[language].join(first_name(child.name)[:20] for child in children)
    return _shortest_fit(render, lambda: (first_names, COUNTED[language].format(n=len(children))))


def invoice_text(
    language: Language, school: School, term_code: str, children: Sequence[Child], due_on: dt.date
) -> str:
    """The term's fees for each child just invoiced, and what the family owes now."""
    total = kes(sum(child.owed for child in children), label=False)

    def render(listed: str, with_ussd: bool) -> str:
        return INVOICE[language].format(
            school=school.name[:30],
            term=term_code,
            children=listed,
            total=total,
            date=day(due_on, language),
            pay=_how_to_pay(language, school, children, with_ussd),
        )

    return _shortest_fit(render, lambda: _listings(language, children))


def late_fee_text(
    language: Language,
    school: School,
    term_code: str,
    children: Sequence[Child],
    fee: int,
    due_on: dt.date,
) -> str:
    """The late fee just charged to a family's children, and what each now owes."""
    total = kes(sum(child.owed for child in children), label=False)

    def render(listed: str, with_ussd: bool) -> str:
        return LATE_FEE[language].format(
            school=school.name[:30],
            fee=kes(fee, label=False),
            term=term_code,
            date=day(due_on, language),
            children=listed,
            total=total,
            pay=_how_to_pay(language, school, children, with_ussd),
        )

    return _shortest_fit(render, lambda: _listings(language, children))


@dataclass(frozen=True)
class NextTerm:
    """What a family is told before a term opens (cents): the term's fees for its children, and what it owes
    (negative: credit) before them."""

    number: int
    opens_on: dt.date
    due_on: dt.date
    fees: int
    balance: int
    total: int  # due by the due date: the balance and what the term's fees still ask


def next_term_text(language: Language, school: School, children: Sequence[Child], notice: NextTerm) -> str:
    """The next term's notice: when it opens, its fees, the arrears (or credit) and the total due."""
    owes, credit = BALANCE[language]
    balance = "" if notice.balance == 0 else (owes if notice.balance > 0 else credit)
    balance = balance.format(amount=kes(abs(notice.balance), label=False))

    def render(listed: str, with_ussd: bool) -> str:
        return NEXT_TERM[language].format(
            school=school.name[:30],
            number=notice.number,
            opens=day(notice.opens_on, language),
            children=listed,
            fees=kes(notice.fees, label=False),
            balance=balance,
            total=kes(notice.total, label=False),
            date=day(notice.due_on, language),
            pay=_how_to_pay(language, school, children, with_ussd),
        )

    first_names = AND[language].join(first_name(child.name)[:20] for child in children)
    return _shortest_fit(render, lambda: (first_names, COUNTED[language].format(n=len(children))))


def thanks_text(language: Language, school: School, names: Sequence[str]) -> str:
    """A family's thank-you when what all its children owe reaches zero."""
    for width in (40, 12):
        shown = [first_name(name)[:width] if width < 40 else name[:width] for name in names]
        text = within(THANKS[language].format(school=school.name[:30], children=AND[language].join(shown)))
        if fits_two_segments(text):
            return text
    counted = COUNTED[language].format(n=len(names))
    return within(THANKS[language].format(school=school.name[:30], children=counted))
