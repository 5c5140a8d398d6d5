"""Local ASGI stand-ins for the vendors (Africa's Talking SMS, Twilio Messages), speaking each one's
documented wire format so tests and the demo drive the real SDK clients over HTTP.

Each app keeps its state in one thread-safe object (``app.state.sim``), records every message it is asked to
send (``GET``/``DELETE /_sim/messages``), takes scripted faults (``POST /_sim/fail``) and settings
(``GET``/``POST /_sim/config``, ``POST /_sim/reset``), logs its callback attempts (``GET /_sim/callbacks``),
and posts callbacks from a background thread. Usage::

    from providers.simulators import twilio
    from providers.simulators.serve import start_in_thread

    base_url, stop = start_in_thread(twilio.create_app())   # then TwilioMessaging(..., api_url=base_url)

May import starlette, uvicorn, httpx and the vendor SDKs; never the bot.
"""
