"""Each webhook's field rules (``bot.routes.edge.Rules``), taken from the columns its values land in.

A field no rule names may still be at most ``edge.MAX_TEXT`` characters, and no value may hold a NUL.
"""

from __future__ import annotations

from bot.channels.tables import InboundMessage, UssdSessionReport
from bot.routes.edge import INT32, Rules, length
from ledger.books.tables import Payment
from ledger.messaging.outbox import OutboxMessage
from ledger.payments.stk_requests import PaymentRequestRecord

PHONE = length(OutboxMessage.phone)  # E.164 is at most 16 characters with its "+"
RECIPIENT = length(InboundMessage.to)  # our shortcode or number
WHATSAPP_PREFIX = len("whatsapp:")
SMS_TEXT = 1600  # Twilio's limit on a message body; Africa's Talking's concatenated SMS are shorter

USSD_HOP = Rules(
    lengths={
        "sessionId": length(UssdSessionReport.session_id),
        "serviceCode": length(UssdSessionReport.service_code),
        "phoneNumber": PHONE,
    }
)
USSD_END = Rules(
    lengths={
        "sessionId": length(UssdSessionReport.session_id),
        "serviceCode": length(UssdSessionReport.service_code),
        "phoneNumber": length(UssdSessionReport.phone),
        "status": length(UssdSessionReport.status),
        "cost": length(UssdSessionReport.cost),
    },
    integers={"hopsCount": INT32, "durationInMillis": INT32},
)
AT_SMS = Rules(
    lengths={
        "id": length(InboundMessage.provider_id),
        "from": length(InboundMessage.phone),
        "to": RECIPIENT,
        "linkId": length(InboundMessage.link_id),
        "text": SMS_TEXT,
    }
)
AT_DELIVERY = Rules(lengths={"id": length(OutboxMessage.provider_id), "phoneNumber": PHONE})
AT_OPT_OUT = Rules(lengths={"phoneNumber": PHONE})
TWILIO_MESSAGE = Rules(
    lengths={
        "MessageSid": length(InboundMessage.provider_id),
        "From": WHATSAPP_PREFIX + length(InboundMessage.phone),
        "To": WHATSAPP_PREFIX + RECIPIENT,
        "Body": SMS_TEXT,
        "ButtonPayload": length(InboundMessage.button_payload),
        "ListId": length(InboundMessage.button_payload),  # a list item tapped: read as the payload
    }
)
TWILIO_STATUS = Rules(lengths={"MessageSid": length(OutboxMessage.provider_id)})
DARAJA = Rules(
    lengths={
        "TransID": length(Payment.reference),
        "MpesaReceiptNumber": length(PaymentRequestRecord.receipt),
        "CheckoutRequestID": length(PaymentRequestRecord.checkout_request_id),
        "MerchantRequestID": length(PaymentRequestRecord.merchant_request_id),
        "ResultCode": length(PaymentRequestRecord.result_code),
        "ResultDesc": length(PaymentRequestRecord.result_desc),
        "BusinessShortCode": 20,
        "TransAmount": 30,
        "PhoneNumber": PHONE,
    }
)
