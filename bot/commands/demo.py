"""``karo demo``: a seeded demo school in a SQLite file, served on this machine with the sandbox phone."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import click
import uvicorn

from bot.commands.support import open_services, parse_date
from bot.settings import load_settings_or_exit


@click.command()
@click.option(
    "--db",
    "db_path",
    default="karo-demo.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The SQLite file to create or reuse.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--no-serve", is_flag=True, help="Seed and exit without serving.")
@click.option("--today", "today_text", hidden=True, help="Seed as if it were this day (YYYY-MM-DD).")
def demo(db_path: Path, host: str, port: int, no_serve: bool, today_text: str | None) -> None:
    """Migrate and seed a demo database (safe to run again), then serve it."""
    from bot.app import create_app
    from bot.demo.seed import seed
    from bot.migrate import upgrade_url

    today = parse_date(today_text, "--today") if today_text else dt.date.today()
    url = f"sqlite:///{db_path.resolve()}"
    upgrade_url(url)
    # The sandbox dials the real webhook, which needs a token: the configured one, else one for this run.
    token = load_settings_or_exit().webhook_token or secrets.token_urlsafe(24)
    with open_services(database_url=url, sandbox=True, webhook_token=token) as services:
        report = seed(services.sessions, today)
        click.echo(f"Demo database {db_path} (term {report.term}): {report.added} records added or changed.")
        for school, count in report.schools:
            codes = f"USSD {school.ussd_code}, Paybill {school.paybill}"
            click.echo(f"  {school.name} ({school.slug}): {count} students; {codes}")
        click.echo("Guardian phones to try:")
        for phone, what in report.phones:
            click.echo(f"  {phone}  {what}")
        if no_serve:
            return
        click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C stops)")
        click.echo(f"Sandbox phone: http://{host}:{port}/sandbox")
        uvicorn.run(create_app(services), host=host, port=port)
