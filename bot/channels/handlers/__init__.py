"""One handler per provider channel, in the style of RapidPro's courier: Africa's Talking SMS, Twilio SMS,
Twilio WhatsApp. Each says how its webhooks are verified, reads an incoming message and a status callback,
and sends; ``registry`` is the one place they are registered. What a provider's wire format says lives in
``providers``; what Karo does with it (the window, the GSM-7 body, the outbox) lives here."""
