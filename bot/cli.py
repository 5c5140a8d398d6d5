"""The ``karo`` console command: one entry point for every process and operator task (DESIGN §7)."""

from __future__ import annotations

import click

from bot.commands.announce import announce_command
from bot.commands.apikeys import apikey
from bot.commands.bursaries import bursary
from bot.commands.charges import charge
from bot.commands.check import check
from bot.commands.close import close
from bot.commands.corrections import payment
from bot.commands.demo import demo
from bot.commands.exports import export
from bot.commands.fees import fees
from bot.commands.leavers import student
from bot.commands.privacy import privacy
from bot.commands.processes import db, scheduler, serve, worker
from bot.commands.records import import_file, invoice, school, term, user
from bot.commands.refunds import refund
from bot.commands.reminders import plan, reminders
from bot.commands.statements import statement
from bot.commands.support import TerseGroup
from bot.commands.year import year


@click.group(cls=TerseGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Karo: school fees, attendance and results for parents over USSD, SMS and WhatsApp."""


for command in (
    demo,
    serve,
    worker,
    scheduler,
    db,
    school,
    term,
    import_file,
    invoice,
    user,
    reminders,
    plan,
    fees,
    export,
    charge,
    bursary,
    payment,
    student,
    statement,
    refund,
    close,
    year,
    announce_command,
    apikey,
    check,
    privacy,
):
    cli.add_command(command)


def main() -> None:
    """Console script entry point (``karo``)."""
    cli(prog_name="karo")
