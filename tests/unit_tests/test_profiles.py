"""Model profiles: documented families, the neutral fallback, the wire-level facts."""

from __future__ import annotations

import pytest

from langchain_gradient import ChatGradient
from langchain_gradient._profiles import NEUTRAL_PROFILE, profile_for

WIRE = {
    "text_inputs": True,
    "text_outputs": True,
    "audio_inputs": False,
    "pdf_inputs": False,
    "image_tool_message": False,
    "pdf_tool_message": False,
}


@pytest.mark.parametrize(
    ("model", "claims"),
    [
        (
            "llama3.3-70b-instruct",
            {
                "open_weights": True,
                "tool_calling": True,
                "tool_choice": True,
                "image_inputs": False,
                "reasoning_output": False,
            },
        ),
        (
            "openai-gpt-oss-120b",
            {"open_weights": True, "reasoning_output": True, "image_inputs": False},
        ),
        (
            "openai-gpt-oss-20b",
            {"open_weights": True, "reasoning_output": True, "image_inputs": False},
        ),
        ("openai-gpt-4o", {"tool_calling": True}),
        (
            "anthropic-claude-opus-4.5",
            {
                "tool_calling": True,
                "reasoning_output": True,
                "reasoning_effort_levels": ["none", "low", "medium", "high", "max"],
            },
        ),
        (
            "kimi-k2.5",
            {
                "image_inputs": True,
                "image_url_inputs": True,
                "tool_calling": True,
                "reasoning_output": True,
            },
        ),
        ("nemotron-nano-12b-v2-vl", {"image_inputs": True, "image_url_inputs": True}),
    ],
)
def test_documented_family(model: str, claims: dict[str, object]) -> None:
    assert profile_for(model) == {**WIRE, **claims}
    assert ChatGradient(model=model, api_key="k").profile == {**WIRE, **claims}


@pytest.mark.parametrize(
    "model", ["alibaba-qwen3-32b", "mistral-3-14B", "deepseek-v3.2", "", "LLAMA3.3-70B-INSTRUCT"]
)
def test_unknown_model_gets_the_neutral_profile(model: str) -> None:
    assert profile_for(model) == NEUTRAL_PROFILE == WIRE


def test_no_profile_claims_a_context_window() -> None:
    # No public DigitalOcean source states per-model context windows.
    for model in ("llama3.3-70b-instruct", "anthropic-claude-opus-4.5", "kimi-k2.5", "x"):
        assert "max_input_tokens" not in profile_for(model)


def test_structured_output_is_not_claimed() -> None:
    # langchain's create_agent picks provider-native response_format when a
    # profile claims structured_output; Gradient's response_format support is
    # undocumented, so no profile may claim it.
    for model in ("llama3.3-70b-instruct", "openai-gpt-4o", "anthropic-claude-opus-4.5"):
        assert "structured_output" not in profile_for(model)


def test_profiles_are_copies() -> None:
    first = profile_for("kimi-k2.5")
    first["image_inputs"] = False
    first["reasoning_effort_levels"] = []
    assert profile_for("kimi-k2.5")["image_inputs"] is True
    levels = profile_for("anthropic-claude-opus-4.5")["reasoning_effort_levels"]
    levels.append("turbo")
    assert "turbo" not in profile_for("anthropic-claude-opus-4.5")["reasoning_effort_levels"]
    neutral = profile_for("unknown")
    neutral["tool_calling"] = True
    assert "tool_calling" not in profile_for("unknown")


def test_explicit_profile_wins() -> None:
    model = ChatGradient(model="unknown-model", api_key="k", profile={"tool_calling": True})
    assert model.profile == {"tool_calling": True}
