"""SMS and WhatsApp: keywords in English and Kiswahili, and the USSD menus as text for anything else.

    converse(conversation, phone, text, ports) -> (Conversation, Screen)
        ``conversation``: the phone's live conversation (the channel keeps it 30 minutes), or None.

A message whose first word is a keyword is answered at once, whatever screen the conversation was on:
BAL/SALIO, PAY/LIPA <amount> [adm no.], STMT, ATT/MAHUDHURIO, RES/MATOKEO, RECEIPT/RISITI (each with an
optional admission number), HELP/MSAADA, STOP/ACHA, START/ANZA, CHANNEL/NJIA. Case does not matter, nor
punctuation or spaces around it (``Bal.``, ``*salio*``, ``pay5000``), and free words where they are
unambiguous (``how much do I owe?``, ``nadaiwa kiasi gani``, ``Balance``, ``results``, ``PAY KES 5,000``:
see ``flows.free_words``). The reply stands alone, within two SMS segments in GSM-7, and closes any
conversation in progress: the next message that is no keyword starts at the menu, so a digit typed after a
keyword never answers a screen the parent no longer has in front of them.

Language: a keyword is in one language and the reply is in that language, whatever the guardian's stored
preference (which it does not change): SALIO from an English-speaking guardian is answered in Kiswahili,
BAL from a Kiswahili one in English. STMT, the same in both, is answered in the stored language.

STOP/ACHA and START/ANZA turn fee reminders off or on in every school the phone is a guardian in; followed
by ANNOUNCEMENTS/MATANGAZO (or NEWS/HABARI) they turn announcements off or on instead, by REMINDERS/
VIKUMBUSHO reminders, on every channel. CHANNEL/NJIA SMS|WHATSAPP|EMAIL (BARUAPEPE) sets the channel
messages come by, in every school where it can: email only where the school has the guardian's address.
PAY has no confirm step: see ``flows.keyword_pay``. A phone that is no guardian gets the USSD's polite reply,
naming nobody, whatever it sends.

Anything else ("hi", "habari", "1", "0") goes to the USSD flows: with no live conversation (or an ended
one) it starts one, ``flows.start``, whose screen is the menu as text with numbered options; otherwise it
is the next input, ``flows.step``. A screen that ends closes the conversation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from flows.conversation import Conversation
from flows.engine import start, step
from flows.family import Family
from flows.free_words import ALIASES, phrase
from flows.keyword_pay import pay_reply
from flows.keyword_reads import attendance_reply, balance_reply, results_reply, statement_reply
from flows.keyword_receipts import receipts_reply
from flows.ports import ANNOUNCEMENTS, CHANNELS, REMINDERS, Ports
from flows.screen import Screen
from flows.segments import shorten
from flows.texts import LANGUAGES, text

Answer = Callable[[Family, Sequence[str]], str | Screen]  # a Screen when it carries more than text

_HEAD = re.compile(r"\W*([^\W\d_]+)(?![^\W\d_])(.*)", re.DOTALL)  # leading letters, then the rest
_EDGES = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())  # ASCII punctuation


@dataclass(frozen=True)
class Keyword:
    action: str  # balance, pay, statement, attendance, results, receipts, help, stop, start
    language: str | None  # None: spelt the same in both languages
    args: tuple[str, ...]  # the words after it, without surrounding punctuation


def stop(family: Family, args: Sequence[str]) -> str:
    return _set_wanted(family, args, on=False)


def restart(family: Family, args: Sequence[str]) -> str:
    return _set_wanted(family, args, on=True)


def _set_wanted(family: Family, args: Sequence[str], *, on: bool) -> str:
    """STOP alone is about reminders, as it always was; STOP ANNOUNCEMENTS about announcements."""
    category = argument(args, (REMINDERS, ANNOUNCEMENTS)) if args else REMINDERS
    if category is None:
        return family.t("kw_stop_what")
    for school_id in family.school_ids:
        family.ports.directory.set_wanted(family.phone, school_id, category, on)
    suffix = "" if category == REMINDERS else f"_{category}"
    return family.t(f"kw_{'started' if on else 'stopped'}{suffix}")


def channel(family: Family, args: Sequence[str]) -> str:
    wanted = argument(args, CHANNELS)
    current = _current_channel(family)
    if wanted is None:
        return family.t("kw_channel_ask", channel=family.t(f"channel_{current}"))
    directory = family.ports.directory
    changed = [directory.set_channel(family.phone, school_id, wanted) for school_id in family.school_ids]
    if not any(changed):  # email, and no school has an address for this phone
        return family.t("kw_channel_no_email", channel=family.t(f"channel_{current}"))
    return family.t("kw_channel_set", channel=family.t(f"channel_{wanted}"))


def _current_channel(family: Family) -> str:
    guardians = (family.ports.directory.guardian(family.phone, s) for s in family.school_ids)
    return next((g.channel for g in guardians if g is not None), CHANNELS[0])


def argument(args: Sequence[str], choices: Sequence[str]) -> str | None:
    """Which of ``choices`` the words after a keyword name, in either language (``kw_arg_<choice>``
    lists its spellings); ``BARUA PEPE`` in two words counts as one."""
    said = "".join(args).upper()
    for choice in choices:
        spellings = {word for language in LANGUAGES for word in text(language, f"kw_arg_{choice}").split()}
        if said in spellings:
            return choice
    return None


ANSWERS: dict[str, Answer] = {
    "balance": balance_reply,
    "pay": pay_reply,
    "statement": statement_reply,
    "attendance": attendance_reply,
    "results": results_reply,
    "receipts": receipts_reply,
    "help": lambda family, args: family.t("kw_help"),
    "stop": stop,
    "start": restart,
    "channel": channel,
}


def spellings() -> dict[str, tuple[str, str | None]]:
    """Each keyword as typed (upper case) -> its action and language, from the texts of both languages."""
    table: dict[str, tuple[str, str | None]] = {}
    for language in LANGUAGES:
        for action in ANSWERS:
            word = text(language, f"kw_word_{action}").upper()
            _, seen_in = table.get(word, (action, language))
            table[word] = (action, language if seen_in == language else None)
    return table


SPELLINGS = spellings()
WORDS: dict[str, tuple[str, str | None]] = {**ALIASES, **SPELLINGS}  # the keywords and their free spellings


def parse(message: str) -> Keyword | None:
    """The keyword the message starts with (or the free words it is, ``flows.free_words``), and the words
    after it; None when it is neither."""
    if (said := phrase(message)) is not None:
        return Keyword(said[0], said[1], ())
    match = _HEAD.fullmatch(message)
    found = WORDS.get(match.group(1).upper()) if match else None
    if match is None or found is None:
        return None
    words = (word.strip(_EDGES) for word in match.group(2).split())
    return Keyword(found[0], found[1], tuple(word for word in words if word))


def converse(
    conversation: Conversation | None, phone: str, text: str, ports: Ports, *, school_id: int | None = None
) -> tuple[Conversation, Screen]:
    """The reply to one text message from ``phone``, and the conversation to keep for its next one.
    ``school_id``: the message was written to that school's own number, so the menu is that school's (as
    for its own USSD code); keywords still speak of the phone's children in every school."""
    keyword = parse(text)
    if keyword is None:
        # A new conversation also when written to another number than before (a school's own, the shared).
        if (
            conversation is None
            or conversation.ended
            or conversation.phone != phone
            or conversation.dialled_school_id != school_id
        ):
            return start(phone, ports, school_id=school_id)
        return step(conversation, text, ports)
    family = Family.find(phone, ports, keyword.language)
    if family is None:
        return Conversation(phone=phone, ended=True), Screen(_unknown(), end=True)
    reply = ANSWERS[keyword.action](family, keyword.args)
    screen = reply if isinstance(reply, Screen) else Screen(reply)
    ended = Conversation(phone=phone, language=family.language, ended=True)
    return ended, replace(screen, text=shorten(screen.text), end=True)


def _unknown() -> str:
    return text("en", "unknown")  # in both languages already
