"""Africa's Talking SMS: its webhooks carry the deployment's token in their path (checked by the router,
``bot.routes.deps.WebhookRouter``), so a request that reaches the handler is verified; it sends with the
SMS API (``providers.africastalking``)."""

from __future__ import annotations

from bot.channels.handlers.base import Outgoing, SmsHandler
from bot.routes.webhook_fields import AT_DELIVERY, AT_OPT_OUT, AT_SMS
from providers import africastalking


class AfricasTalkingSmsHandler(SmsHandler):
    provider = africastalking.PROVIDER
    receive_rules, status_rules, opt_out_rules = AT_SMS, AT_DELIVERY, AT_OPT_OUT

    def schools_sender(self, message: Outgoing) -> str | None:
        return message.sender_id  # AT's `from`: a school's registered sender ID sends its messages

    receive = staticmethod(africastalking.parse_incoming_sms)  # the form as an ``IncomingMessage``
    status = staticmethod(africastalking.parse_delivery_report)  # a delivery report as a ``DeliveryUpdate``
    opt_out = staticmethod(africastalking.parse_opt_out)  # the phone of a parent who sent STOP (Bulk SMS)
