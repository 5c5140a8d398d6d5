"""Providers' failure reasons in words a bursar can act on ("the phone was off"), not vendor codes."""

from __future__ import annotations

import re

# Africa's Talking's failureReason values and send statuses; Twilio's error codes (see providers.md).
PLAIN = {
    "InsufficientCredit": "The school's SMS account has run out of credit.",
    "UserInBlackList": "The parent has blocked messages from this sender.",
    "UserInBlacklist": "The parent has blocked messages from this sender.",
    "DoNotDisturbRejection": "The parent's line refuses promotional messages (Do Not Disturb).",
    "AbsentSubscriber": "The phone was off or out of coverage; it was not delivered.",
    "DeliveryFailure": "The network could not deliver it.",
    "UserDoesNotExist": "This number is not in use.",
    "UserIsInactive": "This number is inactive.",
    "UserAccountSuspended": "This line is suspended by the network.",
    "NotNetworkSubcriber": "This number is not on a network the SMS provider reaches.",
    "InvalidPhoneNumber": "The phone number is not valid.",
    "Expired": "The network gave up before the phone could be reached.",
    "Rejected": "The network refused the message.",
    "63016": "WhatsApp only allows a free message within 24 hours of the parent's last message.",
    "30003": "The phone could not be reached.",
    "30005": "This number is not in use.",
    "30006": "This number cannot receive messages (a landline, or not a mobile).",
    "30007": "The network filtered the message as spam.",
    "21211": "The phone number is not valid.",
    "21610": "The parent has replied STOP to this sender.",
    "63003": "This number is not on WhatsApp.",
}
FIRST_WORD = re.compile(r"[A-Za-z]+|\d{5}")
OURS = "not sent: "  # a reason Karo itself gave (an opt-out, a family that paid, a phone that changed)


def plain_reason(reason: str) -> str:
    """The plain words for a stored failure reason; an unknown one is shown as the provider said it."""
    if reason.startswith(OURS):
        return f"Not sent: {reason.removeprefix(OURS)}."
    for word in FIRST_WORD.findall(reason):
        if word in PLAIN:
            return PLAIN[word]
    if reason.startswith("HTTP "):
        return f"The SMS provider refused the request ({reason[:60]})."
    return f"The provider said: {reason[:200]}"
