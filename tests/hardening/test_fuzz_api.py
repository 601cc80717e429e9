"""Schemathesis against /api/v1/openapi.json through the WSGI app, with a valid token:
bounded examples per operation, valid and invalid inputs; no 500, and every answer
matches the documented schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from fluxnote.extensions import db
from tests.conftest import auth, make_token, make_user

MAX_EXAMPLES = 10
CHECKS = [not_a_server_error, response_schema_conformance]
# Multipart file uploads are fuzzed by tests/uploads with real and corrupt files.
SKIP = {("POST", "/api/v1/uploads")}


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if (op.method.upper(), op.path) not in SKIP]


@pytest.mark.parametrize("database", ["app", "pg_app"])  # SQLite and PostgreSQL
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_survives_fuzzing(request, database, mode):
    app = request.getfixturevalue(database)
    headers = auth(make_token(make_user(plan="pro")))
    operations = _operations(app)
    assert len(operations) >= 10
    failures = []
    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)
            db.session.rollback()

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
