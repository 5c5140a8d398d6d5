"""``karo check``: reads the settings and says, line by line, what works; non-zero if a deployment would not.

Each provider is asked something harmless: Africa's Talking its balance, Twilio its account, Daraja an OAuth
token for each school's app (the shared token while it is fresh, so the check never invalidates the one the
deployment is using). A line is ``ok``, ``warn`` (works, but look) or ``FAIL`` (the exit status is 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import click
import httpx
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from bot.bootstrap import Services, bootstrap
from bot.settings import Settings, load_settings_or_exit, without_password

OK, WARN, FAIL = "ok", "warn", "FAIL"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
AT_URL = "https://api.africastalking.com"
TWILIO_URL = "https://api.twilio.com"
MIN_SECRET_KEY = 32
# Values seen in examples and the demo: a key anyone can read is no key.
KNOWN_KEYS = ("change-me", "changeme", "secret", "dev", "development", "demo", "karo", "test")


@dataclass(frozen=True)
class Line:
    level: str
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.level:<4} {self.what}: {self.detail}"


@click.command()
def check() -> None:
    """Say what works in this deployment's settings (database, Redis, providers, URLs, keys, schools)."""
    settings = load_settings_or_exit()
    failed = False
    for line in run_checks(settings):
        click.echo(str(line))
        failed |= line.level == FAIL
    if failed:
        raise SystemExit(1)


def run_checks(settings: Settings) -> Iterator[Line]:
    services = bootstrap(settings)
    try:
        database = _database(services)
        yield database
        yield _redis(services)
        yield from _senders(settings)
        yield _public_url(settings)
        yield _webhook_token(settings)
        yield _secret_key(settings)
        if database.level != FAIL:
            yield from _schools(services)
    finally:
        services.close()


def _guarded(what: str, probe: Callable[[], Line]) -> Line:
    try:
        return probe()
    except Exception as error:  # any failure is this line's answer, not the command's crash
        return Line(FAIL, what, f"{type(error).__name__}: {error}")


def _database(services: Services) -> Line:
    where = without_password(services.settings.database_url)

    def probe() -> Line:
        from bot.migrate import alembic_config

        heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
        if current != heads:
            at = ", ".join(sorted(current)) or "empty"
            return Line(
                FAIL,
                "database",
                f"{where} is at {at}, code wants {', '.join(sorted(heads))}: karo db upgrade",
            )
        return Line(OK, "database", f"{where} reachable, migrated ({', '.join(sorted(heads))})")

    return _guarded("database", probe)


def _redis(services: Services) -> Line:
    if services.redis is None:
        return Line(OK, "redis", "not set: jobs and sessions in-process (one `karo serve` worker only)")
    redis = services.redis
    where = without_password(services.settings.redis_url or "")
    return _guarded(
        "redis", lambda: Line(OK, "redis", f"{where} answers") if redis.ping() else Line(FAIL, "redis", where)
    )


def _senders(settings: Settings) -> Iterator[Line]:
    at = _africastalking(settings)
    twilio = _twilio(settings)
    yield at
    yield twilio
    if at.level != OK and not (twilio.level == OK and settings.twilio_sms_from):
        yield Line(FAIL, "sms", "no working SMS provider: receipts and replies cannot be sent")


def _africastalking(settings: Settings) -> Line:
    if not (settings.at_username and settings.at_api_key):
        return Line(WARN, "africastalking", "not set (KARO_AT_USERNAME, KARO_AT_API_KEY): no SMS through it")
    base = settings.at_api_url or AT_URL
    key, user = settings.at_api_key.get_secret_value(), settings.at_username

    def probe() -> Line:
        answer = httpx.get(
            f"{base}/version1/user",
            params={"username": user},
            headers={"apiKey": key, "Accept": "application/json"},
            timeout=TIMEOUT,
        )
        if answer.status_code != 200:
            return Line(FAIL, "africastalking", f"{base} refused the credentials (HTTP {answer.status_code})")
        balance = answer.json().get("UserData", {}).get("balance", "?")
        return Line(OK, "africastalking", f"{_kind(base, AT_URL)}, user {user}, balance {balance}")

    return _guarded("africastalking", probe)


def _twilio(settings: Settings) -> Line:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return Line(WARN, "twilio", "not set (KARO_TWILIO_ACCOUNT_SID, KARO_TWILIO_AUTH_TOKEN): no WhatsApp")
    base = settings.twilio_api_url or TWILIO_URL
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value()

    def probe() -> Line:
        answer = httpx.get(f"{base}/2010-04-01/Accounts/{sid}.json", auth=(sid, token), timeout=TIMEOUT)
        if answer.status_code != 200:
            return Line(FAIL, "twilio", f"{base} refused the account (HTTP {answer.status_code})")
        status = answer.json().get("status", "?")
        level = OK if status == "active" else FAIL
        return Line(level, "twilio", f"{_kind(base, TWILIO_URL)}, account {status}")

    return _guarded("twilio", probe)


def _kind(base: str, real: str) -> str:
    host = urlsplit(base).hostname or ""
    if base == real:
        return "live"
    return f"simulator at {base}" if host in ("127.0.0.1", "localhost", "::1") else f"at {base}"


def _public_url(settings: Settings) -> Line:
    url = settings.public_url
    if not url:
        return Line(FAIL, "public url", "KARO_PUBLIC_URL not set: providers cannot call back, links break")
    if not url.startswith("https://"):
        host = urlsplit(url).hostname or ""
        level = WARN if host in ("127.0.0.1", "localhost") else FAIL
        return Line(level, "public url", f"{url} is not https: providers want https callbacks")
    return Line(OK, "public url", url)


def _webhook_token(settings: Settings) -> Line:
    token = settings.webhook_token.get_secret_value() if settings.webhook_token else ""
    if not token:
        return Line(FAIL, "webhook token", "KARO_WEBHOOK_TOKEN not set: the unsigned callbacks are refused")
    if len(token) < 16:
        return Line(WARN, "webhook token", f"set, but only {len(token)} characters: use 16 or more")
    return Line(OK, "webhook token", f"set ({len(token)} characters)")


def _secret_key(settings: Settings) -> Line:
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not key:
        return Line(FAIL, "secret key", "KARO_SECRET_KEY not set: sessions and sealed M-Pesa secrets need it")
    if key.lower() in KNOWN_KEYS or len(set(key)) < 8:
        return Line(FAIL, "secret key", "KARO_SECRET_KEY is a well-known or repetitive value")
    if len(key) < MIN_SECRET_KEY:
        return Line(
            FAIL, "secret key", f"KARO_SECRET_KEY has {len(key)} characters: use {MIN_SECRET_KEY} or more"
        )
    return Line(OK, "secret key", f"{len(key)} characters")


def _schools(services: Services) -> Iterator[Line]:
    from bot.mpesa.compose import credentials_opener, daraja_gateway
    from bot.mpesa.credentials import has_own_app, is_simulator
    from ledger.records.tables import School

    settings = services.settings
    with services.sessions() as session:
        schools = list(session.scalars(select(School).order_by(School.slug)))
        session.expunge_all()
    if not schools:
        yield Line(WARN, "schools", "none yet: karo school create")
        return
    simulated = is_simulator(settings.daraja_api_url)
    without_app = [s.slug for s in schools if not has_own_app(s) and not (simulated and s.paybill)]
    without_sender = [s.slug for s in schools if not s.sms_sender_id]
    if without_app:
        yield Line(WARN, "daraja", f"no Daraja app (no M-Pesa prompt): {', '.join(without_app)}")
    if without_sender:
        yield Line(
            WARN, "sender id", f"no SMS sender ID (the shared one is used): {', '.join(without_sender)}"
        )
    gateway = daraja_gateway(services)
    if gateway is None:
        yield Line(WARN, "daraja", "KARO_DARAJA_API_URL not set: M-Pesa prompts are recorded and wait")
        return
    opener = credentials_opener(settings)
    ensure_token = getattr(gateway, "ensure_token", None)
    where = "simulator" if simulated else "live"
    for school in schools:
        if school.slug in without_app or ensure_token is None:
            continue

        def probe(school: School = school) -> Line:
            creds = opener(school)
            ensure_token(creds)
            return Line(OK, f"daraja {school.slug}", f"{where} OAuth token for shortcode {creds.shortcode}")

        yield _guarded(f"daraja {school.slug}", probe)
