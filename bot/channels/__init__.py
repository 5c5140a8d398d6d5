"""The channels parents use: USSD and chat (SMS, WhatsApp), the ports flows see, the conversation store."""
