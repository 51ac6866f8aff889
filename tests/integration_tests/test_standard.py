"""LangChain's standard integration suite for ChatGradient, replayed from cassettes.

Every test is VCR-marked: CI replays ``cassettes/`` offline; ``scripts/record-cassettes``
records them (against a local llama-server running Qwen2.5-Coder-1.5B-Instruct, or
live Gradient when ``DIGITALOCEAN_INFERENCE_KEY`` is set). Every capability of
Gradient's Chat Completions wire is switched on. The only expected failures are
tests the local *server* cannot serve, and only while ``cassettes/recording.json``
names llama-server as the source, each with the reason printed.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
import pytest
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
)

pytestmark = pytest.mark.vcr

_NAMED_TOOL_CHOICE = (
    "llama-server (the local recorder) reads tool_choice only as a string: it answers a "
    'named choice {"type": "function", "function": {"name": "magic_function"}} with '
    "\"Wrong type supplied for parameter 'tool_choice'\" in its log and treats it as "
    '"auto", so the model calls get_weather instead of the forced magic_function; '
    "passes against live Gradient"
)
_NO_IMAGES = (
    "the local recorder is a text-only model (no vision projector: llama-server answers "
    "image input with HTTP 500) and records offline, so the suite's download of its PNG "
    "fixture from raw.githubusercontent.com was never recorded (ConnectError when "
    "recording, no cassette entry on replay); passes against live Gradient with a "
    "vision model"
)

# `raises` keeps the xfails narrow: a stale cassette (vcrpy's
# CannotOverwriteExistingCassetteException) still fails the tool-choice test loudly.
named_tool_choice_xfail = pytest.mark.xfail(
    LOCAL, reason=_NAMED_TOOL_CHOICE, raises=AssertionError, strict=False
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
            "timeout": 600,
            # The recorder is not a Gradient host, where usage on streams is the
            # default; it was recorded with usage asked for, as Gradient does.
            "stream_usage": True,
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
        # reasoning_output is left off: the recording model produces no reasoning, and
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

    # ---- expected failures of the local recording server (live Gradient: real tests)

    @named_tool_choice_xfail
    def test_tool_choice(self, model: Any) -> None:
        super().test_tool_choice(model)

    @images_xfail
    def test_image_inputs(self, model: Any) -> None:
        super().test_image_inputs(model)

    @images_xfail
    def test_anthropic_inputs(self, model: Any) -> None:
        super().test_anthropic_inputs(model)
