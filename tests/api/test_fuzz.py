"""A schema-driven fuzzer (schemathesis) over every operation of /openapi.json: no input gives a
5xx, and every response, errors included, matches the schema the app documents for it.

Bounded: a fixed number of examples per operation (about a minute and a half in all on two
busy cores), and a
fixed seed, so a failure reproduces. CNNLAB_FUZZ_EXAMPLES raises the count for a longer hunt.
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.settings import Settings

EXAMPLES = int(os.environ.get("CNNLAB_FUZZ_EXAMPLES", "12"))
# A valid /api/training/init may do 2.5·10⁹ multiply-adds (seconds each): fewer examples there.
SLOW = "/api/training/init"
# What the API promises: never a 5xx, only documented statuses, and bodies and headers as
# documented. (Not "every schema-violating request is refused": pydantic's lax mode accepts
# 0 for false and "3" for 3, which the lessons' clients never rely on.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# One heavy slot per test client would turn concurrent cases into 503s; the fuzzer runs one at
# a time, so the default is fine. Limits stay at their defaults: the fuzzer probes them.
app = create_app(Settings())
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


def bounded(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


@schema.exclude(path=SLOW).parametrize()
@bounded(EXAMPLES)
def test_api_matches_its_schema(case):
    case.call_and_validate(checks=CHECKS)


@schema.include(path=SLOW).parametrize()
@bounded(max(3, EXAMPLES // 4))
def test_slow_operation_matches_its_schema(case):
    case.call_and_validate(checks=CHECKS)
