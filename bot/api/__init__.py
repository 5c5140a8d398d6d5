"""The JSON API under ``/api/v1``: a FastAPI sub-application (its own OpenAPI at ``/api/v1/openapi.json`` and
docs at ``/api/v1/docs``) for school systems (per-school API keys) and parents' apps (a one-time code by SMS).
Errors are RFC 9457 problem details (``bot.api.problems``); lists are cursor-paginated (``bot.api.pages``)."""
