"""Schemathesis over the whole /api/v1 schema, signed with a school write key: whatever it sends, no
answer is a 5xx and every answer matches the schema. A few examples per operation keep it fast.

The operations are walked here rather than through ``schemathesis.pytest.from_fixture``, whose subtests
do not mix with this suite's database parametrisation."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.settings import Settings
from tests.e2e.api.conftest import Keys

EXAMPLES = 5


def test_no_answer_is_a_server_error_and_every_answer_matches_its_schema(engine: Engine, keys: Keys) -> None:
    app = create_app(bootstrap(Settings(), engine=engine))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = keys.auth(keys.write_a)
    walked, statuses = [], set[int]()
    for found in schema.get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
        )
        def answers_well(case: schemathesis.Case) -> None:
            checks = [not_a_server_error, response_schema_conformance]
            status = case.call_and_validate(headers=headers, checks=checks).status_code
            if not case.operation.path.startswith("/parent"):  # the parent API signs in otherwise
                statuses.add(status)

        answers_well()
        walked.append(operation.label)
    assert "PUT /students" in walked and "POST /payments" in walked, walked
    # The school key was taken: the school routes were really exercised, not just refused.
    assert 200 in statuses and 401 not in statuses, statuses
