"""What a flow answers: a channel-neutral screen of text, numbered options and whether the session ends."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flows.gsm import gsm7_length

MAX_LENGTH = 160  # GSM-7 septets after the channel's "CON "/"END " prefix
NAV_KEYS = ("98", "0", "00")  # more, back, home: rendered together on the last line
_ELLIPSIS = ".."


@dataclass(frozen=True)
class Option:
    """A choice: typed as ``key`` on every channel; on WhatsApp also a list item or reply button whose tap
    sends ``payload`` (default: the key) and shows ``tap`` (default: the label). An option without a key
    is for tapping only: text channels leave it out (the text says how to ask instead)."""

    key: str
    label: str
    payload: str | None = None
    tap: str | None = None

    @property
    def sends(self) -> str:
        return self.payload or self.key

    @property
    def title(self) -> str:
        return self.tap or self.label


@dataclass(frozen=True)
class Screen:
    text: str
    options: tuple[Option, ...] = ()
    end: bool = False
    # The payment whose official receipt (a PDF) a channel that carries documents sends with the text
    # (WhatsApp); the others show the text alone.
    receipt_pdf: int | None = None

    def render(self) -> str:
        """The body, ``1. Balance`` per option, then the navigation keys on one line (``0 Back 00 Home``)."""
        choices = [f"{o.key}. {o.label}" for o in self.options if o.key and o.key not in NAV_KEYS]
        nav = " ".join(f"{o.key} {o.label}" for o in self.options if o.key in NAV_KEYS)
        return "\n".join(part for part in (self.text, *choices, nav) if part)


def fit(screen: Screen) -> Screen:
    """The screen shortened to MAX_LENGTH by clipping its body, the last resort for unusually long records:
    options stay whole because they are what the parent acts on."""
    excess = gsm7_length(screen.render()) - MAX_LENGTH
    if excess <= 0:
        return screen
    budget = gsm7_length(screen.text) - excess - len(_ELLIPSIS)
    keep = len(screen.text)
    while keep and gsm7_length(screen.text[:keep]) > budget:
        keep -= 1
    return replace(screen, text=screen.text[:keep].rstrip() + _ELLIPSIS)
