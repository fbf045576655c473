"""schemathesis against the live API: for a visitor and for a token of a staff member, every
operation of the OpenAPI document with generated parameters and bodies, on a world with data of
every visibility (tests/api/world.py). Checks: no 5xx, and every answer's status code, content
type and body as the document says."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.world import build_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]
EXAMPLES = 10  # per operation and caller: about 250 requests, well under a minute on a quiet machine


@pytest.fixture
def live_api(live_server, settings):
    settings.API_RATE_VISITOR = settings.API_RATE_TOKEN = settings.API_RATE_FAILED_TOKEN = 100_000
    settings.SITE_URL = live_server.url
    world = build_world()
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/",
                                           headers={"Accept": "application/json"})
    schema.config.update(base_url=live_server.url)
    return schema, world


def run_every_operation(schema, headers):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11  # the root, schema, 4 lists, 4 details, and the two writes
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(checks=CHECKS, headers=headers)

        check()


@pytest.mark.parametrize("caller", ["visitor", "staff_a"])
def test_api_conforms_to_its_schema(live_api, caller):
    schema, world = live_api
    run_every_operation(schema, {"Authorization": f"Bearer {world.tokens[caller]}"} if caller != "visitor" else {})
