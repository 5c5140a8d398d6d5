"""Phone numbers as people type them, made into one form: E.164 for storage, MSISDN for M-Pesa."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from ledger.errors import InvalidPhone

# A guardian's phone must take SMS and USSD, so a landline (e.g. Nairobi 020...) is refused.
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalise_phone(text: str, region: str = "KE") -> str:
    """The number in E.164 (``+254712345678``) from any usual form: 0712..., 712..., 254712..., +254712...

    Spaces, dashes and brackets are ignored. Raises InvalidPhone, in words a bursar can act on,
    for anything that is not a valid mobile number.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidPhone("the phone number is empty")
    try:
        number = phonenumbers.parse(cleaned, region)
    except NumberParseException:
        raise InvalidPhone(f"{cleaned!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{cleaned!r} is not a valid phone number (try the form 0712345678)")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidPhone(f"{cleaned!r} is not a mobile number; parents need one that takes SMS")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def msisdn(e164: str) -> str:
    """The number as M-Pesa wants it: ``2547XXXXXXXX`` or ``2541XXXXXXXX``, without the plus."""
    number = normalise_phone(e164)
    if not number.startswith("+254"):
        raise InvalidPhone(f"{e164!r} is not a Kenyan number; M-Pesa takes Kenyan numbers only")
    return number[1:]
