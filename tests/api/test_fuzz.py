"""Fuzz every operation of the OpenAPI schema with schemathesis: no input gives a 5xx.

Valid and invalid examples per operation (bounded), then sequences of calls that follow
the schema's links (a document added, read, its text fetched, deleted; a chat turn, its
conversation read and deleted), against a real uvicorn server on 127.0.0.1 over the
seeds indexed with the fake embedder. Each test prints how many requests it sent.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api.app import create_app
from rag.config import Settings
from tests.api.support import running_server

pytestmark = pytest.mark.integration

EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}
BOUNDED = {"deadline": None, "database": None, "derandomize": True}


def test_no_input_gives_a_server_error(fake_settings: Settings) -> None:
    with running_server(create_app(fake_settings)) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 12
        sent: list[int] = []
        for operation in operations:
            for mode, examples in EXAMPLES.items():

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=examples,
                    **BOUNDED,
                    suppress_health_check=list(HealthCheck),
                )
                def fuzz(case: schemathesis.Case) -> None:
                    sent.append(1)
                    case.call_and_validate(base_url=base, checks=[not_a_server_error], timeout=30)

                try:
                    fuzz()
                except Unsatisfiable:  # nothing to make invalid (an operation with no inputs)
                    continue
                except Exception as exc:  # name the operation: hypothesis reports only the case
                    pytest.fail(f"{operation.label} ({mode.value}): {exc}")
        print(f"fuzzed {len(operations)} operations with {len(sent)} requests: no 5xx")


def test_no_sequence_of_linked_calls_gives_a_server_error(fake_settings: Settings) -> None:
    with running_server(create_app(fake_settings)) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        sent: list[str] = []
        errors: list[str] = []

        class Calls(schema.as_state_machine()):  # type: ignore[misc]
            def call(self, case: schemathesis.Case, **kwargs: Any) -> Any:
                sent.append(f"{case.method} {case.path}")
                return super().call(case, timeout=30, **kwargs)

            def validate_response(self, response: Any, case: Any, *args: Any, **kw: Any) -> None:
                if response.status_code >= 500:  # kept here: a replay could not lose it
                    errors.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")
                case.validate_response(response, checks=[not_a_server_error])

        # The server's state carries over from one sequence to the next, so the same choices
        # can meet other responses, which Hypothesis reports as Flaky; like schemathesis's
        # own runner, start another round then (generate only: no replays to shrink).
        for _ in range(4):
            try:
                Calls.run(
                    settings=settings(
                        max_examples=25,
                        stateful_step_count=6,
                        deadline=None,
                        database=None,
                        phases=[Phase.generate],
                        suppress_health_check=list(HealthCheck),
                    )
                )
                break
            except Flaky:
                continue
    assert not errors, errors
    kinds = set(sent)
    assert {"POST /v1/documents", "DELETE /v1/documents/{source_id}", "POST /v1/chat"} <= kinds
    assert "GET /v1/conversations/{conversation_id}" in kinds
    print(f"stateful: {len(sent)} requests over {len(kinds)} operations: no 5xx")
