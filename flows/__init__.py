"""Conversations as state machines: text in, a channel-neutral Screen out.

Pure: reads the ledger only through ``ledger.types`` values handed in by ports, asks for payments through
a port. Never imports providers, FastAPI, SQLAlchemy, Redis or RQ.

The API the channels use::

    start(phone, ports, *, school_id=None) -> (Conversation, Screen)
        A new session. ``school_id``: the dialled code is that school's own. An unknown phone gets a
        polite END naming nobody.
    step(conversation, text, ports) -> (Conversation, Screen)
        The parent's latest input (already reduced to it and stripped). ``0`` back, ``00`` home, ``98``
        more where a screen pages; anything else that fits nothing repeats the screen with a hint.
        Never raises on input; a step after an END starts afresh.
    resumable(conversation) -> bool
        Whether a dropped conversation is worth offering to continue (unfinished, past the menus).
    offer_resume(previous, ports) -> (Conversation, Screen)
        "Continue where you left off? 1. Continue 2. Start again"; the next ``step`` answers it.
        ``1`` shows the previous screen re-read from the ports, ``2`` starts afresh.
    Screen(text, options, end, receipt_pdf).render() -> str
        The body, ``1. Balance`` per option, the navigation keys on one last line (``0 Back 00 Home``).
        At most 160 GSM-7 characters; USSD sends ``("END " if end else "CON ") + render()``.
        ``receipt_pdf``: the payment whose receipt PDF a channel that carries documents sends along.
        ``Option(key, label, payload, tap)``: WhatsApp shows options as a list or buttons whose tap sends
        ``payload`` (default the key); an option without a key is for tapping only (a Pay button).
    Conversation.to_dict() / Conversation.from_dict(d)
        JSON-able round trip for the session store.
    converse(conversation | None, phone, text, ports) -> (Conversation, Screen)
        SMS and WhatsApp (by phone, 30 minutes): a keyword in English or Kiswahili (BAL/SALIO,
        PAY/LIPA <amount> [adm no.], STMT, ATT/MAHUDHURIO, RES/MATOKEO, RECEIPT/RISITI, HELP/MSAADA,
        STOP/ACHA, START/ANZA) is answered at once within two SMS and closes the conversation; anything
        else is ``start`` or ``step``. See ``flows.keywords``.

Inside: one module per flow (identify, menu, balance, statement, attendance, results, pay, promise,
language, reminders, resume), each with an Enum of states, a transition table and one ``transitions``
Machine built at import and shared; each input attaches a short-lived Hop model to it (see
``flows.machine``). ``flows.engine`` handles navigation and applies what a hop decided. Texts live in
``flows.texts`` (en, sw); ``flows.gsm`` knows the GSM-7 alphabet.
"""

from flows.conversation import Conversation, Position
from flows.engine import offer_resume, resumable, start, step
from flows.gsm import gsm7_length, is_gsm7, sms_segments
from flows.keywords import converse
from flows.screen import MAX_LENGTH, Option, Screen

__all__ = [
    "MAX_LENGTH",
    "Conversation",
    "Option",
    "Position",
    "Screen",
    "converse",
    "gsm7_length",
    "is_gsm7",
    "sms_segments",
    "offer_resume",
    "resumable",
    "start",
    "step",
]
