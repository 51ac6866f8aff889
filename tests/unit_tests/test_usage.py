"""Usage -> usage_metadata: cache reads/writes, the 5m/1h split, both prompt_tokens conventions."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gradient._usage import usage_to_metadata

from .fakes import FakeAPI, chunk, completion

# DigitalOcean's prompt-caching docs, Anthropic example: prompt_tokens excludes
# the 1043 tokens written to the cache (total_tokens 114 = 14 + 100).
ANTHROPIC_DOCS_USAGE = {
    "prompt_tokens": 14,
    "completion_tokens": 100,
    "total_tokens": 114,
    "cache_created_input_tokens": 1043,
    "cache_read_input_tokens": 0,
    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1043},
}
# Same docs, OpenAI example: prompt_tokens already includes the cached tokens.
OPENAI_DOCS_USAGE = {
    "prompt_tokens": 1200,
    "completion_tokens": 20,
    "total_tokens": 1220,
    "cache_created_input_tokens": 1200,
    "cache_read_input_tokens": 0,
}


def test_anthropic_style_usage_is_exclusive() -> None:
    api = FakeAPI(completion("hi", model="anthropic-claude-4.6-sonnet", usage=ANTHROPIC_DOCS_USAGE))
    message = api.model(model="anthropic-claude-4.6-sonnet").invoke("hi")
    assert message.usage_metadata == {
        "input_tokens": 1057,
        "output_tokens": 100,
        "total_tokens": 1157,
        "input_token_details": {"cache_read": 0, "cache_creation": 1043},
    }
    assert message.response_metadata["cache_creation"] == {
        "ephemeral_5m_input_tokens": 0,
        "ephemeral_1h_input_tokens": 1043,
    }


def test_openai_style_usage_is_inclusive() -> None:
    api = FakeAPI(completion("hi", model="openai-gpt-4o", usage=OPENAI_DOCS_USAGE))
    message = api.model(model="openai-gpt-4o").invoke("hi")
    assert message.usage_metadata == {
        "input_tokens": 1200,
        "output_tokens": 20,
        "total_tokens": 1220,
        "input_token_details": {"cache_read": 0, "cache_creation": 1200},
    }
    assert "cache_creation" not in message.response_metadata


@pytest.mark.parametrize(
    ("model", "usage", "input_tokens", "details"),
    [
        pytest.param(
            "anthropic-claude-haiku-4.5",
            {"prompt_tokens": 20, "completion_tokens": 5, "cache_read_input_tokens": 3000},
            3020,
            {"cache_read": 3000},
            id="anthropic read",
        ),
        pytest.param(
            "my-custom-claude",
            {"prompt_tokens": 14, "completion_tokens": 5, "cache_created_input_tokens": 1043},
            1057,
            {"cache_creation": 1043},
            id="unknown id, cache counts exceed prompt: exclusive",
        ),
        pytest.param(
            "openai-gpt-4.1",
            {"prompt_tokens": 1500, "completion_tokens": 5, "cache_read_input_tokens": 1024},
            1500,
            {"cache_read": 1024},
            id="openai read inclusive",
        ),
        pytest.param(
            "deepseek-4-flash",
            {
                "prompt_tokens": 2006,
                "completion_tokens": 5,
                "prompt_tokens_details": {"cached_tokens": 1920},
            },
            2006,
            {"cache_read": 1920},
            id="prompt_tokens_details.cached_tokens",
        ),
        pytest.param(
            "anthropic-claude-sonnet-4",
            {
                "prompt_tokens": 4491,
                "completion_tokens": 5,
                "prompt_tokens_details": {"cached_tokens": 4483},
            },
            4491,
            {"cache_read": 4483},
            id="OpenAI details win over the anthropic prefix",
        ),
        pytest.param(
            "llama3.3-70b-instruct",
            {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
            9,
            None,
            id="no cache fields",
        ),
    ],
)
def test_usage_conventions(
    model: str, usage: dict[str, Any], input_tokens: int, details: dict[str, int] | None
) -> None:
    metadata = usage_to_metadata(usage, model)
    assert metadata is not None
    assert metadata["input_tokens"] == input_tokens
    assert metadata["output_tokens"] == usage["completion_tokens"]
    assert metadata["total_tokens"] == input_tokens + usage["completion_tokens"]
    assert metadata.get("input_token_details") == details


def test_reasoning_tokens_map_to_output_details() -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 50,
        "completion_tokens_details": {"reasoning_tokens": 32},
    }
    metadata = usage_to_metadata(usage, "openai-o3-mini")
    assert metadata is not None
    assert metadata["output_token_details"] == {"reasoning": 32}


def test_streamed_cache_usage_arrives_once_with_the_split() -> None:
    api = FakeAPI(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Hi"}),
            chunk({}, finish_reason="stop"),
            chunk(usage=ANTHROPIC_DOCS_USAGE, model="anthropic-claude-4.6-sonnet"),
        ]
    )
    chunks = list(api.model(model="anthropic-claude-4.6-sonnet").stream("hi"))
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1
    full: AIMessageChunk = chunks[0]
    for piece in chunks[1:]:
        full = full + piece
    assert full.usage_metadata == {
        "input_tokens": 1057,
        "output_tokens": 100,
        "total_tokens": 1157,
        "input_token_details": {"cache_read": 0, "cache_creation": 1043},
    }
    assert full.response_metadata["cache_creation"] == {
        "ephemeral_5m_input_tokens": 0,
        "ephemeral_1h_input_tokens": 1043,
    }


async def test_cache_usage_on_async_invoke() -> None:
    api = FakeAPI(completion("hi", model="openai-gpt-4o", usage=OPENAI_DOCS_USAGE))
    message = await api.model(model="openai-gpt-4o").ainvoke("hi")
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_token_details"] == {
        "cache_read": 0,
        "cache_creation": 1200,
    }
