"""The bursar's dashboard: server-rendered pages (Jinja2 + HTMX) over the ledger, one school per login.

It may import the ledger, ``bot.routes.deps`` and ``bot.commands.support`` (money formatting); never flows
or providers. Every route is under ``/dashboard``; every query is scoped to the signed-in member's school.
"""
