"""The subcommands of ``karo`` (assembled in ``bot.cli``): one module per kind of work."""
