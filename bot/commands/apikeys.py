"""``karo apikey create``: a school API key for the school's own system, printed once."""

from __future__ import annotations

import click

from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services
from ledger.clock import utc_now
from ledger.db import transaction
from ledger.staff.api_keys import InvalidApiKey, create_key, key_snapshot, parse_scope


@click.group("apikey")
def apikey() -> None:
    """School API keys (sent as Authorization: Bearer KEY)."""


@apikey.command("create")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--name", required=True, help="What system uses the key, e.g. 'Zeraki sync'.")
@click.option("--scope", required=True, type=click.Choice(["read", "write"]), help="read, or read and write.")
def create(slug: str, name: str, scope: str) -> None:
    """Create a key and print it: it is stored hashed and cannot be shown again."""
    try:
        with open_services() as services, transaction(services.sessions) as session:
            school = find_school(session, slug)
            key, secret = create_key(
                session, school.id, name, parse_scope(scope), actor=cli_actor(), now=utc_now()
            )
            audit_cli(session, school.id, "apikey.create", target=f"apikey:{key.id}", after=key_snapshot(key))
    except InvalidApiKey as bad:
        raise Refused(str(bad)) from None
    click.echo(secret)
    click.echo(
        f"{key.scope.value} key {key.prefix}... for {school.slug} ({key.name}); it is not shown again.",
        err=True,
    )
