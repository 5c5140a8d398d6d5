"""``karo demo``: a seeded demo school in a SQLite file, served on this machine with the sandbox phone.

With no SMS or WhatsApp provider configured (the usual case) it also runs the Africa's Talking, Twilio and
Daraja simulators, and sends from the outbox in-process, so the sandbox's WhatsApp chat and SMS inbox show
what Karo sends. Without Redis it runs what ``karo serve`` runs beside the app (``bot.background``): the
outbox sender, late fees and fee reminders every half hour, and the M-Pesa work (the STK push a few seconds
after the USSD session, the queries) on timers, each prompt waiting on the sandbox's phone for a PIN or
Cancel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from contextlib import ExitStack, suppress
from pathlib import Path

import click
import uvicorn
from fastapi import FastAPI

from bot.background import Background
from bot.bootstrap import Services
from bot.commands.support import Refused, open_services, parse_date
from bot.settings import Settings, load_settings_or_exit

SEND_EVERY_SECONDS = 0.5  # the sandbox's chat should answer about as fast as a phone would
# Requests the sandbox's chat and PIN prompt make every few seconds, and its questions to the simulators:
# kept out of the log.
QUIET_PATHS = ("/sandbox/chat?", "/sandbox/mpesa?", "/_sim/")


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
    from bot.demo.seed import seed
    from bot.migrate import upgrade_url

    today = parse_date(today_text, "--today") if today_text else dt.date.today()
    url = f"sqlite:///{db_path.resolve()}"
    upgrade_url(url)
    # The sandbox dials the real webhook, which needs a token: the configured one, else one for this run,
    # in hex so that no word Daraja refuses in a callback URL ("exe", "sql"...) can turn up in it.
    token = load_settings_or_exit().webhook_token or secrets.token_hex(20)
    with open_services(database_url=url, sandbox=True, webhook_token=token) as services:
        report = seed(services.sessions, today)
        click.echo(f"Demo database {db_path} (term {report.term}): {report.added} records added or changed.")
        for school, count in report.schools:
            codes = f"USSD {school.ussd_code}, Paybill {school.paybill}"
            click.echo(f"  {school.name} ({school.slug}): {count} students; {codes}")
        click.echo("Guardian phones to try:")
        for phone, what in report.phones:
            click.echo(f"  {phone}  {what}")
        for login in report.logins:
            where = f"http://{_loopback(host)}:{port}/dashboard"
            click.echo(f"Dashboard {where}: sign in as {login.email} / {login.password} ({login.role.value})")
        if no_serve:
            return
        serve(services, host, port)


def serve(services: Services, host: str, port: int) -> None:
    """Serve the demo until Ctrl+C, with the simulators when no provider is configured."""
    from bot.app import create_app
    from bot.demo.simulators import providers_configured

    with ExitStack() as running:
        simulated = not providers_configured(services.settings)
        if simulated:
            services = _with_simulators(services, f"http://{_loopback(host)}:{port}", running)
        if services.settings.smtp_url is None:
            services = _with_email_sink(services, running)
        click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C stops)")
        click.echo(f"Sandbox phone: http://{host}:{port}/sandbox")
        _run(create_app(services, _background(services.settings, simulated)), host, port)


def _background(settings: Settings, simulated: bool) -> Background:
    """What the app runs beside the demo, as ``karo serve`` would; plus sending from the outbox whenever
    the simulators stand in for the providers, since only this process knows where they are."""
    background = Background.without_redis(settings)
    background = dataclasses.replace(background, send_every_seconds=SEND_EVERY_SECONDS)
    if not simulated:
        return background
    # The simulators take any rate; unthrottled, the seed's 200-odd receipts leave in a second, not ten,
    # and the sandbox's first reply does not wait behind them.
    return dataclasses.replace(background, send=True, rates={})


def _with_simulators(services: Services, public_url: str, running: ExitStack) -> Services:
    """``services`` pointed at the simulators, which run for as long as ``running`` lasts; Daraja's
    knows each seeded school's app."""
    from bot.demo.simulated_mpesa import school_shortcodes
    from bot.demo.simulators import start_simulators

    shortcodes = school_shortcodes(services.sessions, services.settings)
    settings, stop = start_simulators(services.settings, public_url, shortcodes)
    running.callback(stop)
    click.echo(f"Africa's Talking simulator: {settings.at_api_url}/_sim/messages")
    click.echo(f"Twilio simulator: {settings.twilio_api_url}/_sim/messages")
    if services.settings.daraja_api_url is None:
        click.echo(f"Daraja simulator: {settings.daraja_api_url}/_sim/stk (each prompt waits for a PIN)")
    return dataclasses.replace(services, settings=settings)


def _with_email_sink(services: Services, running: ExitStack) -> Services:
    """Without ``KARO_SMTP_URL``, email goes to a local SMTP sink the sandbox's email pane shows."""
    from bot.demo.simulators import start_email_sink

    settings, stop = start_email_sink(services.settings)
    running.callback(stop)
    click.echo(f"Email: SMTP sink at {settings.smtp_url}, inbox {settings.email_sink_url}/_sim/messages")
    return dataclasses.replace(services, settings=settings)


def _run(app: FastAPI, host: str, port: int) -> None:
    config = uvicorn.Config(app, host=host, port=port)  # configures logging, so the filter goes after
    logging.getLogger("uvicorn.access").addFilter(_not_polling)
    server = uvicorn.Server(config)
    with suppress(KeyboardInterrupt):  # Ctrl+C is how the demo stops
        server.run()
    if not server.started:
        raise Refused(f"could not serve on {host}:{port} (is the port in use?)")


def _not_polling(record: logging.LogRecord) -> bool:
    """uvicorn's access log record args are (client, method, path, http version, status)."""
    args = record.args
    path = args[2] if isinstance(args, tuple) and len(args) > 2 else ""
    return not str(path).startswith(QUIET_PATHS)


def _loopback(host: str) -> str:
    """Where the simulators reach this server: a wildcard address is reached on loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
