"""Wiring the sender from the services: the RQ job, the embedded thread and the dashboard's test ping."""

from __future__ import annotations

from bot.bootstrap import Services, bootstrap
from bot.settings import get_settings
from bot.webhooks_out.sealing import NoSealingKey, webhook_box
from bot.webhooks_out.sender import InProcessWebhooks, WebhookSender

DELIVER_EVERY_SECONDS = 15  # the scheduler's cadence: how long a due delivery waits for a worker at most


def webhook_sender(services: Services) -> WebhookSender:
    try:
        box = webhook_box(services.settings)
    except NoSealingKey:
        box = None  # every attempt fails and its log says why, until the key is set
    return WebhookSender(services.sessions, box)


def in_process_webhooks(services: Services, every_seconds: float = 5.0) -> InProcessWebhooks:
    return InProcessWebhooks(webhook_sender(services), every_seconds)


def deliver_webhooks() -> dict[str, int]:
    """The RQ job: deliver every due webhook; returns the counts."""
    services = bootstrap(get_settings())
    sender = webhook_sender(services)
    try:
        counts = sender.run()
        return {"delivered": counts.delivered, "failed": counts.failed, "requeued": counts.requeued}
    finally:
        sender.client.close()
        services.close()
