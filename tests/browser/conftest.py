"""Pages in a real browser: Debian's chromium driven by Playwright, against the app served by uvicorn.

One browser and one server for the whole folder (``stage``; starting chromium costs a second or two a
time); a fresh app and fresh data per test.
The browser is the system's (``scripts/system-deps`` installs it); without it these tests fail, never
skip, so a machine that cannot run them is noticed.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import create_app
from bot.bootstrap import Services, bootstrap
from bot.demo.simulated_mpesa import PROMPT_TIMEOUT_SECONDS, school_shortcodes
from bot.demo.simulators import Simulators, start_email_sink, start_simulators
from bot.mpesa.compose import compose_mpesa
from bot.mpesa.scheduling import ThreadScheduler, Timings
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.senders import InProcessSender, build_dispatcher
from bot.settings import Settings
from ledger.billing.invoicing import invoice_student
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.messaging.bus import session_factory
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, SchoolClass, Student, Term
from tests import builders as b

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium's own connections are refused on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "browser-test-token"
FREE = {"africastalking": 0, "twilio": 0}  # rate limits lifted for tests
TODAY = dt.date.today()
# The STK push follows the USSD session's end after 0.3 s instead of 5; queries keep the real schedule.
QUICK_PUSH = Timings(push_delay=dt.timedelta(seconds=0.3))


@dataclass(frozen=True)
class Family:
    phone: str  # E.164, as stored and as the gateway sends it
    guardian: str
    children: tuple[str, ...]  # admission numbers


# Two schools with their own codes; one phone in both, one family with a part payment, one with markup in
# its names (which the page must show as text).
TWO_SCHOOLS = Family("+254712000001", "Mama Otieno", ("KJA-001", "MS-100"))
PART_PAID = Family("+254722000002", "Wanjiru Kamau", ("KJA-002",))
MARKUP = Family("+254733000003", "Rose <b>Njeri</b>", ("KJA-003",))


# Per package (tests/browser), not per session: while Playwright's sync API runs it holds an event loop in
# this thread, which later anyio tests (tests/e2e) would trip over; it ends with the folder's last test.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"chromium is not installed at {CHROMIUM}: run scripts/system-deps "
            "(as root: apt-get install -y chromium)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@dataclass(frozen=True)
class Books:
    """A school with one class, in a term running now."""

    school: School
    term: Term
    grade: SchoolClass


@pytest.fixture
def families(engine: Engine) -> sessionmaker[Session]:
    """Kilimani (``*384*25#``) and Mwangaza (``*384*26#``) with the three families above, invoiced."""
    factory = session_factory(engine)
    with transaction(factory) as session:
        kilimani = open_books(session, "kilimani", "Kilimani Junior Academy", "*384*25#", 35_000_00)
        mwangaza = open_books(session, "mwangaza", "Mwangaza Secondary", "*384*26#", 48_000_00)
        achieng = pupil(session, kilimani, "KJA-001", "Achieng Otieno")
        baraka = pupil(session, mwangaza, "MS-100", "Baraka Otieno")
        b.guardian(session, kilimani.school, TWO_SCHOOLS.phone, achieng, name=TWO_SCHOOLS.guardian)
        b.guardian(session, mwangaza.school, TWO_SCHOOLS.phone, baraka, name=TWO_SCHOOLS.guardian)
        brian = pupil(session, kilimani, "KJA-002", "Brian Kamau")
        b.guardian(session, kilimani.school, PART_PAID.phone, brian, name=PART_PAID.guardian)
        paid = Received(PaymentSource.MPESA_PAYBILL, "TKL4AB12CD", 12_500_00, TODAY, "KJA-002", "WANJIRU")
        record_payment(session, kilimani.school.id, paid, brian, actor="test")
        ivy = pupil(session, kilimani, "KJA-003", "Ivy <i>Wa</i>")
        b.guardian(session, kilimani.school, MARKUP.phone, ivy, name=MARKUP.guardian)
    return factory


def open_books(session: Session, slug: str, name: str, code: str, fee: int) -> Books:
    """The school, its term and its one class, whose tuition is ``fee`` (cents)."""
    school = b.school(session, slug=slug, paybill="522533", ussd_code=code)
    school.name = name
    term = b.term(session, school, f"{TODAY.year}-{(TODAY.month - 1) // 4 + 1}")
    term.starts_on, term.ends_on = TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=60)
    term.due_on = TODAY + dt.timedelta(days=10)
    grade = b.school_class(session, school, "Grade 6")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): fee})
    return Books(school, term, grade)


def pupil(session: Session, books: Books, adm: str, name: str) -> Student:
    """A child in the school's class, invoiced for the term."""
    child = b.student(session, books.grade, adm, name)
    invoice_student(session, child, books.term, actor="test")
    return child


def sandbox_app(engine: Engine, *, sandbox: bool = True, token: str | None = TOKEN) -> FastAPI:
    """The app as ``karo demo`` builds it (no Redis: sessions in-process), on the test database."""
    return create_app(bootstrap(Settings(sandbox=sandbox, webhook_token=token), engine=engine))


def free_socket() -> socket.socket:
    """A socket bound to a free 127.0.0.1 port, for a server whose URL must be known before it starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


class Stage:
    """An ASGI app that hands each request to the app a test puts on it: one server (thread, socket) for
    the folder's tests, a fresh app per test, since an app keeps USSD sessions and M-Pesa timers in memory."""

    def __init__(self) -> None:
        self.app: ASGIApp = FastAPI()  # until a test puts its own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="package")
def stage() -> Iterator[tuple[Stage, str]]:
    """A server for the folder's tests and its base URL; each test puts its app on the stage."""
    on_stage = Stage()
    with serving(on_stage) as base:
        yield on_stage, base


@contextmanager
def serving(app: ASGIApp, sock: socket.socket | None = None) -> Iterator[str]:
    """``app`` served by uvicorn on ``sock`` (else a free 127.0.0.1 port) in a background thread; yields
    its base URL."""
    sock = sock if sock is not None else free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start", pytrace=False)
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def sandbox_url(stage: tuple[Stage, str], engine: Engine, families: sessionmaker[Session]) -> str:
    on_stage, base = stage
    on_stage.app = sandbox_app(engine)
    return f"{base}/sandbox"


@dataclass(frozen=True)
class SimulatedKaro:
    """Karo served over HTTP as ``karo demo`` serves it, with the vendor simulators wired to it."""

    url: str
    services: Services
    simulators: Simulators
    dispatcher: Dispatcher  # sends from the outbox to the simulators (in a thread too, when sending)


@contextmanager
def simulated_karo(
    engine: Engine, *, sending: bool = True, prompt_timeout: float = PROMPT_TIMEOUT_SECONDS
) -> Iterator[SimulatedKaro]:
    """The sandbox app on a free port with the simulators calling it back (Daraja's knowing the schools
    in the database, its prompts waiting for the phone, ending 1037 after ``prompt_timeout`` seconds) and
    M-Pesa work on in-process timers; with ``sending``, an ``InProcessSender`` sends from the outbox every
    0.2 s, as the demo's does."""
    sock = free_socket()
    public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with ExitStack() as running:
        running.callback(sock.close)
        base = Settings(sandbox=True, webhook_token=TOKEN)
        shortcodes = school_shortcodes(session_factory(engine), base)
        settings, stop = start_simulators(base, public_url, shortcodes, prompt_timeout)
        running.callback(stop)
        settings, stop_sink = start_email_sink(settings)  # as `karo demo` without KARO_SMTP_URL
        running.callback(stop_sink)
        services = bootstrap(settings, engine=engine)
        scheduler = ThreadScheduler()
        app = create_app(services, mpesa=compose_mpesa(services, scheduler=scheduler, timings=QUICK_PUSH))
        running.callback(scheduler.stop)
        dispatcher = build_dispatcher(services, app.state.inbound.store, rates=FREE)
        simulators = Simulators.from_settings(settings)
        assert simulators is not None
        url = running.enter_context(serving(app, sock))
        if sending:
            running.callback(InProcessSender(dispatcher, every_seconds=0.2).start().stop)
        yield SimulatedKaro(url, services, simulators, dispatcher)
