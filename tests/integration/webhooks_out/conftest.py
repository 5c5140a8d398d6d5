"""The receiver fixtures for every outgoing-webhook test below this folder."""

from tests.integration.webhooks_out.receiver import receiver, receiver_server  # noqa: F401  (fixtures)
