"""Fuzz every operation of the OpenAPI schema with schemathesis: no input gives a 5xx.

Valid and invalid examples per operation (bounded), against a real uvicorn server on
127.0.0.1 over the seeds indexed with the fake embedder.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api.app import create_app
from rag.config import Settings
from tests.api.support import running_server

pytestmark = pytest.mark.integration

EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


def test_no_input_gives_a_server_error(fake_settings: Settings) -> None:
    with running_server(create_app(fake_settings)) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 12
        for operation in operations:
            for mode, examples in EXAMPLES.items():

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=examples,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )
                def fuzz(case: schemathesis.Case) -> None:
                    case.call_and_validate(base_url=base, checks=[not_a_server_error], timeout=30)

                try:
                    fuzz()
                except Unsatisfiable:  # nothing to make invalid (an operation with no inputs)
                    continue
                except Exception as exc:  # name the operation: hypothesis reports only the case
                    pytest.fail(f"{operation.label} ({mode.value}): {exc}")
