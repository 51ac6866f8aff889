"""The tool-calling agent loop again, on the Responses API (``use_responses_api=True``).

The test bodies are ``test_tool_scenarios.py``'s (a ``create_agent`` loop with
two tools, invoked and streamed), run here with a model factory that sends
every call to ``POST {base_url}/responses``: the tool calls come back as
``function_call`` items and the results go out as ``function_call_output``
items. Cassettes are named ``TestResponsesAgent.<test>``.
"""

from __future__ import annotations

import functools

import pytest

from tests.integration_tests import test_tool_scenarios as scenarios
from tests.integration_tests._shared_tests import runs_tests_of

pytestmark = pytest.mark.vcr


@runs_tests_of(scenarios)
class TestResponsesAgent:
    @pytest.fixture
    def make_model(self) -> scenarios.ModelFactory:
        return functools.partial(scenarios._model, use_responses_api=True)
