"""Every webhook checks its body at the edge: input the database cannot store gets 400 (USSD: an END screen)
and is kept word for word for review; arbitrary bytes, forms and JSON never get a 5xx."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.channels.tables import UssdSessionReport
from bot.routes.deps import WebhookRouter
from bot.settings import Settings
from ledger.books.tables import Payment
from ledger.payments.callbacks import CallbackFailure
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN

PUBLIC_URL = "https://karo.example"
TWILIO_TOKEN = "fuzz-twilio-token"
AT_FORMS = ["/at/ussd", "/at/ussd-end", "/at/sms", "/at/sms-status", "/at/opt-out"]
TWILIO_FORMS = ["/twilio/whatsapp", "/twilio/sms", "/twilio/status"]
DARAJA = ["/daraja/stk", "/daraja/c2b/validate", "/daraja/c2b/confirm"]


@pytest.fixture
def app(engine, redis, schools):
    settings = Settings(
        database_url="sqlite://",
        redis_url=REDIS_URL,
        webhook_token=TOKEN,
        public_url=PUBLIC_URL,
        twilio_auth_token=TWILIO_TOKEN,
    )
    with TestClient(create_app(bootstrap(settings, engine=engine, redis=redis))) as client:
        yield client


def post_form(app, route, fields):
    if route.startswith("/twilio/"):
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + route, fields)
        return app.post(route, data=fields, headers={"X-Twilio-Signature": signature})
    return app.post(f"{route}/{TOKEN}", data=fields)


def kept(schools):
    with schools() as session:
        return session.scalars(select(CallbackFailure).order_by(CallbackFailure.id)).all()


def c2b(trans_id="TKX0000001", amount="500.00", **extra):
    body = {
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": "20261122102115",
        "TransAmount": amount,
        "BusinessShortCode": "522533",
        "BillRefNumber": "KJA001",
        "MSISDN": "2547 ***** 001",
        "FirstName": "MAMA",
    }
    return body | extra


def stk(checkout="ws_CO_1", receipt="TKS0000001", amount=500):
    items = [
        {"Name": "Amount", "Value": amount},
        {"Name": "MpesaReceiptNumber", "Value": receipt},
        {"Name": "TransactionDate", "Value": 20261122102115},
        {"Name": "PhoneNumber", "Value": 254712000001},
    ]
    callback = {"MerchantRequestID": "m-1", "CheckoutRequestID": checkout, "ResultCode": 0,
                "ResultDesc": "ok", "CallbackMetadata": {"Item": items}}  # fmt: skip
    return {"Body": {"stkCallback": callback}}


SMS = {"from": PARENT, "to": "22384", "text": "BAL", "id": "ATXid_1", "date": "2026-11-22 10:00:00"}
UNUSABLE_FORMS = [
    ("/at/sms", SMS | {"text": "BAL\x00"}),
    ("/at/sms", SMS | {"from": "+2547120000011234"}),  # 17 characters: no phone, and no varchar(16)
    ("/at/sms", SMS | {"id": "A" * 1000}),
    ("/at/sms-status", {"id": "B" * 1000, "status": "Success"}),
    ("/at/opt-out", {"senderId": "KARO", "phoneNumber": "+2547\x0012"}),
    ("/at/ussd-end", {"sessionId": "S" * 81, "phoneNumber": PARENT, "status": "Success"}),
    (
        "/at/ussd-end",
        {"sessionId": "ATUid_1", "phoneNumber": PARENT, "status": "Success", "hopsCount": "9" * 23},
    ),
    ("/at/ussd-end", {"sessionId": "ATUid_2", "phoneNumber": PARENT, "status": "Success", "hopsCount": "²"}),
    ("/twilio/sms", {"MessageSid": "SM" + "1" * 1000, "From": PARENT, "Body": "BAL", "To": "+15005550006"}),
    ("/twilio/sms", {"MessageSid": "SM2", "From": PARENT, "Body": "BAL", "To": "+1" * 22}),  # no prefix
    ("/twilio/whatsapp", {"MessageSid": "SM1", "From": f"whatsapp:{PARENT}", "Body": "hi\x00", "To": "x"}),
    ("/twilio/status", {"MessageSid": "SM1\x00", "MessageStatus": "delivered"}),
]


@pytest.mark.parametrize(("route", "fields"), UNUSABLE_FORMS)
def test_an_unusable_form_gets_400_and_is_kept_word_for_word(app, schools, route, fields):
    response = post_form(app, route, fields)
    assert response.status_code == 400, response.text
    (body,) = kept(schools)
    assert body.route == route.strip("/").replace("/", "-")
    assert body.payload == urlencode(fields)  # the body as posted, word for word


def test_ussd_end_ids_that_collide_after_truncation_are_refused_not_a_500(app, schools):
    first = {"sessionId": "S" * 80 + "1", "phoneNumber": PARENT, "status": "Success"}
    second = first | {"sessionId": "S" * 80 + "2"}
    assert [post_form(app, "/at/ussd-end", f).status_code for f in (first, second)] == [400, 400]
    with schools() as session:
        assert session.scalars(select(UssdSessionReport)).all() == []
    assert len(kept(schools)) == 2


def test_a_ussd_hop_with_a_nul_ends_the_session_and_is_kept(app, schools):
    fields = {"sessionId": "ATUid_n", "serviceCode": "*384*25#", "phoneNumber": PARENT + "\x00", "text": ""}
    response = post_form(app, "/at/ussd", fields)
    assert response.status_code == 200 and response.text.startswith("END ")
    assert [k.route for k in kept(schools)] == ["at-ussd"]


UNUSABLE_JSON = [
    ("/daraja/stk", json.dumps(stk(amount=10**30))),  # a number no column holds (1e20 as text: see limits)
    ("/daraja/c2b/confirm", json.dumps(c2b(trans_id="T" * 1000))),
    ("/daraja/c2b/validate", json.dumps(c2b(BillRefNumber="KJA\x00001"))),
    ("/daraja/stk", json.dumps(stk(checkout="ws_CO_" + "9" * 1000))),
    ("/daraja/stk", json.dumps(stk(receipt="TK\x00S"))),
    ("/daraja/stk", "[" * 5000 + "]" * 5000),
    ("/daraja/c2b/confirm", '{"TransID": ' + "[" * 5000 + "]" * 5000 + "}"),
]


@pytest.mark.parametrize(("route", "body"), UNUSABLE_JSON)
def test_an_unusable_daraja_body_gets_400_and_is_kept(app, schools, route, body):
    response = app.post(f"{route}/{TOKEN}", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    (kept_body,) = kept(schools)
    assert kept_body.payload == body.replace("\x00", "\\x00") or len(body) > len(kept_body.payload)
    with schools() as session:
        assert session.scalars(select(Payment)).all() == []


# Arbitrary input to every webhook: the answer is never a 5xx (and a USSD hop is always CON/END).
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "9" * 23,
            "1e20",
            "-1",
            "²",
            PARENT,
            "+2547120000011234",
            "Success",
            "A" * 1000,
        ]
    ),
)
form_fields = st.dictionaries(
    st.one_of(
        st.sampled_from(
            [
                "sessionId",
                "phoneNumber",
                "serviceCode",
                "text",
                "status",
                "hopsCount",
                "durationInMillis",
                "from",
                "to",
                "id",
                "date",
                "linkId",
                "senderId",
                "MessageSid",
                "From",
                "To",
                "Body",
                "MessageStatus",
                "ErrorCode",
                "ButtonPayload",
                "cost",
                "input",
            ]  # fmt: skip
        ),
        st.text(max_size=8),
    ),
    texts,
    max_size=8,
)
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), texts, st.just("\ud800")
    ),  # a lone surrogate
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
daraja_bodies = st.one_of(
    st.builds(
        lambda extra: json.dumps(c2b() | extra), st.dictionaries(st.sampled_from(list(c2b())), json_values)
    ),
    st.builds(lambda v: json.dumps(stk(amount=v)), json_values),
    st.builds(lambda v: json.dumps(stk(receipt=v, checkout=v)), texts),
    json_values.map(json.dumps),
    st.binary(max_size=60).map(lambda raw: raw.decode("latin-1")),
    st.integers(1, 6000).map(lambda depth: "[" * depth + "]" * depth),
)


def fuzzed(routes):
    """About 40 examples a route; one app (on PostgreSQL) for them all, so setting up is paid once."""
    return settings(
        max_examples=40 * len(routes),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


ON_POSTGRESQL = pytest.mark.parametrize(
    "engine", ["pg"], indirect=True
)  # edge checks: one database is enough


@ON_POSTGRESQL
@fuzzed(AT_FORMS + TWILIO_FORMS)
@given(route=st.sampled_from(AT_FORMS + TWILIO_FORMS), fields=form_fields)
def test_arbitrary_forms_never_get_a_5xx(app, route, fields):
    response = post_form(app, route, fields)
    assert response.status_code < 500, response.text
    if route == "/at/ussd":
        assert response.status_code == 200 and response.text.startswith(("CON ", "END "))


@ON_POSTGRESQL
@fuzzed(AT_FORMS + TWILIO_FORMS + DARAJA)
@given(
    route=st.sampled_from(AT_FORMS + TWILIO_FORMS + DARAJA),
    raw=st.binary(max_size=200),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "multipart/form-data; boundary=x",
            "text/plain",
        ]
    ),
)
def test_arbitrary_bytes_never_get_a_5xx(app, route, raw, content_type):
    path = route if route.startswith("/twilio/") else f"{route}/{TOKEN}"
    response = app.post(path, content=raw, headers={"content-type": content_type})
    assert response.status_code < 500, response.text


@ON_POSTGRESQL
@fuzzed(DARAJA)
@given(route=st.sampled_from(DARAJA), body=daraja_bodies)
def test_arbitrary_json_never_gets_a_5xx(app, route, body):
    response = app.post(f"{route}/{TOKEN}", content=body, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text


def test_every_route_with_the_token_in_its_path_refuses_a_wrong_one_and_keeps_nothing(app, schools):
    guarded = sorted(  # the webhooks' secret path segment; the dashboard's one-time links are not webhooks
        path for path in paths(app.app.routes) if "{token}" in path and not path.startswith("/dashboard/")
    )
    assert len(guarded) == len(AT_FORMS) + len(DARAJA)
    for path in guarded:
        wrong = path.replace("{token}", "not-" + TOKEN)
        assert app.post(wrong, data={"sessionId": "s\x00", "id": "x"}).status_code == 403, path
        json_body = {"content": b"{\x00", "headers": {"Content-Type": "application/json"}}
        assert app.post(wrong, **json_body).status_code == 403, path
    assert kept(schools) == []


def paths(routes):
    """Every route's path, through the routers FastAPI includes lazily."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from paths(included.routes) if included is not None else [getattr(route, "path", "")]


def test_a_route_added_to_a_webhook_router_is_guarded_by_it_without_checking_the_token_itself(app):
    router = WebhookRouter()

    @router.post("/at/new-callback/{token}")
    async def new_callback() -> dict[str, str]:
        return {"answer": "taken"}

    async def raw(request):
        return PlainTextResponse("taken")

    router.add_route("/at/new-raw/{token}", raw, methods=["POST"])
    app.app.include_router(router)
    for path in ("/at/new-callback", "/at/new-raw"):
        assert app.post(f"{path}/wrong").status_code == 403
        assert app.post(f"{path}/{TOKEN}").status_code == 200


def test_the_webhook_paths_are_the_ones_the_readme_lists(app):
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme.split("## Webhooks", 1)[1].split("\n\n", 2)[1]
    routes = [row.split(" | ")[0] for row in table.splitlines()[2:]]  # the first column
    listed = {path.removeprefix("POST ") for route in routes for path in route.split("`")[1:-1:2]}
    served = {path for path in paths(app.app.routes) if path.startswith(("/at/", "/twilio/", "/daraja/"))}
    assert listed == served and len(served) == len(AT_FORMS) + len(TWILIO_FORMS) + len(DARAJA)
