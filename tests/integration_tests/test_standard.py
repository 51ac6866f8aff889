"""LangChain's standard integration suite for ChatGradient, replayed from cassettes.

Every test is VCR-marked: CI replays ``cassettes/`` offline; ``scripts/record-cassettes``
records them (against a local llama-server, or live Gradient when
``DIGITALOCEAN_INFERENCE_KEY`` is set). Tests the local recording model cannot
pass are expected failures *only* for that source, with the reason printed.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests
from vcr.errors import CannotOverwriteExistingCassetteException

from langchain_gradient import ChatGradient
from tests.integration_tests._recording import (
    API_KEY,
    BASE_URL,
    LOCAL,
    MODEL,
    OVERRIDE_MODEL,
    SMOLLM2,
)

pytestmark = pytest.mark.vcr

_NO_TOOL_CALLS = (
    f"{SMOLLM2} never emits tool calls (its chat template has no tool support, "
    "so llama-server ignores `tools`); passes against live Gradient"
)
_NO_TOOL_CALLS_STRUCTURED = (
    f"{SMOLLM2} never emits tool calls, and function_calling is ChatGradient's "
    "default structured-output method; passes against live Gradient (the "
    "json_schema method is recorded in test_gradient_features.py)"
)
_NO_IMAGES = (
    "the local recorder has no internet access, so the suite's download of its PNG "
    "fixture from raw.githubusercontent.com was never recorded (ConnectError when "
    "recording, no cassette entry on replay), and llama-server without a vision "
    "projector answers image input with HTTP 500 anyway; passes against live "
    "Gradient with a vision model"
)

# `raises` keeps the xfails narrow: a stale cassette (vcrpy's
# CannotOverwriteExistingCassetteException) still fails these tests loudly.
tool_calls_xfail = pytest.mark.xfail(
    LOCAL, reason=_NO_TOOL_CALLS, raises=AssertionError, strict=False
)
structured_xfail = pytest.mark.xfail(
    LOCAL, reason=_NO_TOOL_CALLS_STRUCTURED, raises=OutputParserException, strict=False
)
images_xfail = pytest.mark.xfail(
    LOCAL,
    reason=_NO_IMAGES,
    raises=(httpx.ConnectError, CannotOverwriteExistingCassetteException),
    strict=False,
)

# A shared prefix long enough for Gradient's automatic prompt caching (1,024
# tokens and up) and for llama-server's slot cache to serve it a second time.
_CACHED_PREFIX = "You are a careful assistant. Reference table, do not repeat it:\n" + "\n".join(
    f"Row {i}: {i} squared is {i * i}, {i} cubed is {i * i * i}." for i in range(1, 81)
)


class TestChatGradientStandard(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatGradient]:
        return ChatGradient

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": MODEL,
            "base_url": BASE_URL,
            "api_key": API_KEY,
            "temperature": 0,
            "max_completion_tokens": 128,
            "timeout": 60,
        }

    # Capabilities of Gradient's Chat Completions wire, not of the recorder.
    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        # ChatGradient converts Anthropic-style histories (tool_use, thinking,
        # image `source` blocks) to Chat Completions messages.
        return True

    # Gradient takes image_url parts in user messages only: no images in tool
    # messages, no PDF or audio parts.
    @property
    def supports_image_tool_message(self) -> bool:
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        return False

    @property
    def supports_pdf_tool_message(self) -> bool:
        return False

    @property
    def supports_audio_inputs(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(
        self,
    ) -> dict[
        Literal["invoke", "stream"],
        list[
            Literal[
                "audio_input",
                "audio_output",
                "reasoning_output",
                "cache_read_input",
                "cache_creation_input",
            ]
        ],
    ]:
        # reasoning_output is left off: SmolLM2 produces no reasoning, and
        # Gradient documents no completion_tokens_details for Chat Completions.
        # cache_creation_input is left off: llama-server reports cache reads only.
        return {"invoke": ["cache_read_input"], "stream": ["cache_read_input"]}

    @property
    def enable_vcr_tests(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        # Locally, a second llama-server model entry (same weights, own name);
        # live, a second Gradient model.
        return OVERRIDE_MODEL

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        model = self.chat_model_class(**self.chat_model_params)
        system = SystemMessage(_CACHED_PREFIX)
        # The first call puts the shared prefix in the cache; the second reads it.
        model.invoke([system, HumanMessage("Which row mentions 7? Answer with a number.")])
        question = [system, HumanMessage("Which row mentions 9? Answer with a number.")]
        if not stream:
            return model.invoke(question)
        full: AIMessageChunk | None = None
        for chunk in model.stream(question):
            full = chunk if full is None else full + chunk
        assert full is not None
        return full

    # ---- expected failures of the local recording model (live Gradient: real tests)

    @tool_calls_xfail
    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    def test_tool_calling(self, model: Any) -> None:
        super().test_tool_calling(model)

    @tool_calls_xfail
    async def test_tool_calling_async(self, model: Any) -> None:
        await super().test_tool_calling_async(model)

    @tool_calls_xfail
    def test_bind_runnables_as_tools(self, model: Any) -> None:
        super().test_bind_runnables_as_tools(model)

    @tool_calls_xfail
    def test_tool_choice(self, model: Any) -> None:
        super().test_tool_choice(model)

    @tool_calls_xfail
    def test_tool_calling_with_no_arguments(self, model: Any) -> None:
        super().test_tool_calling_with_no_arguments(model)

    @tool_calls_xfail
    def test_unicode_tool_call_integration(self, model: Any) -> None:
        super().test_unicode_tool_call_integration(model)

    @tool_calls_xfail
    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    def test_agent_loop(self, model: Any) -> None:
        super().test_agent_loop(model)

    @structured_xfail
    @pytest.mark.parametrize("schema_type", ["pydantic", "typeddict", "json_schema"])
    def test_structured_output(self, model: Any, schema_type: Any) -> None:
        super().test_structured_output(model, schema_type)

    @structured_xfail
    @pytest.mark.parametrize("schema_type", ["pydantic", "typeddict", "json_schema"])
    async def test_structured_output_async(self, model: Any, schema_type: Any) -> None:
        await super().test_structured_output_async(model, schema_type)

    @structured_xfail
    def test_structured_output_pydantic_2_v1(self, model: Any) -> None:
        super().test_structured_output_pydantic_2_v1(model)

    @structured_xfail
    def test_structured_output_optional_param(self, model: Any) -> None:
        super().test_structured_output_optional_param(model)

    @pytest.mark.xfail(
        LOCAL,
        reason=(
            f"{SMOLLM2}: json_object mode yields grammar-valid JSON that nests "
            '{"setup": {"setup": ...}} objects instead of the two requested string '
            "fields (or runs to max tokens); passes against live Gradient"
        ),
        raises=OutputParserException,
        strict=False,
    )
    def test_json_mode(self, model: Any) -> None:
        super().test_json_mode(model)

    @images_xfail
    def test_image_inputs(self, model: Any) -> None:
        super().test_image_inputs(model)

    @images_xfail
    def test_anthropic_inputs(self, model: Any) -> None:
        super().test_anthropic_inputs(model)
