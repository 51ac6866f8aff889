"""Model profiles: what each Gradient model family is documented to support.

Data only, looked up by model id prefix. Sources (see ``../shared/gradient-api.md``
section 9 in the project's research notes): DigitalOcean's Features, Reasoning,
Multimodal and Prompt-caching docs, and the official langchain-gradient 1.0.0
live tests. ``/v1/models`` carries no capability data, so nothing here is
fetched. Unknown models get a neutral profile (text in, text out, nothing
claimed).
"""

from __future__ import annotations

from langchain_core.language_models import ModelProfile

__all__ = ["NEUTRAL_PROFILE", "profile_for"]

NEUTRAL_PROFILE: ModelProfile = {"text_inputs": True, "text_outputs": True}

# (id prefix, profile). First match wins, so put longer prefixes first.
_FAMILIES: tuple[tuple[str, ModelProfile], ...] = (
    # llama3.3-70b-instruct: tool calling incl. tool_choice "required"
    # (langchain-gradient 1.0.0 live test test_tool_choice_required).
    (
        "llama3.3-70b-instruct",
        {
            "text_inputs": True,
            "text_outputs": True,
            "open_weights": True,
            "max_input_tokens": 128_000,
            "tool_calling": True,
            "tool_choice": True,
            "tool_call_streaming": True,
            "structured_output": True,
            "image_inputs": False,
            "reasoning_output": False,
        },
    ),
    # gpt-oss: reasoning_content in responses (DO serverless-inference docs).
    (
        "openai-gpt-oss-",
        {
            "text_inputs": True,
            "text_outputs": True,
            "open_weights": True,
            "tool_calling": True,
            "reasoning_output": True,
            "image_inputs": False,
        },
    ),
    # "All commercial Anthropic and OpenAI models support tool calling"
    # (DO Features page); o-series / gpt-5 accept reasoning_effort.
    (
        "openai-",
        {
            "text_inputs": True,
            "text_outputs": True,
            "tool_calling": True,
            "tool_choice": True,
            "tool_call_streaming": True,
            "structured_output": True,
        },
    ),
    # Claude: tools (Features page), reasoning via `reasoning` or
    # `reasoning_effort` (DO reasoning docs), explicit cache_control (DO caching
    # docs). Image input on DO is undocumented, so not claimed.
    (
        "anthropic-claude-",
        {
            "text_inputs": True,
            "text_outputs": True,
            "tool_calling": True,
            "tool_choice": True,
            "tool_call_streaming": True,
            "structured_output": True,
            "reasoning_output": True,
            "reasoning_effort_levels": ["low", "medium", "high", "max"],
        },
    ),
    # DeepSeek R1 distills emit reasoning.
    (
        "deepseek-r1",
        {
            "text_inputs": True,
            "text_outputs": True,
            "open_weights": True,
            "reasoning_output": True,
            "image_inputs": False,
        },
    ),
    # Kimi K2.5: image_url input, /think reasoning, tool calls (DO multimodal docs).
    (
        "kimi-k2",
        {
            "text_inputs": True,
            "text_outputs": True,
            "open_weights": True,
            "image_inputs": True,
            "image_url_inputs": True,
            "tool_calling": True,
            "reasoning_output": True,
        },
    ),
    # Vision-language model (DO multimodal docs).
    (
        "nemotron-nano-12b-v2-vl",
        {
            "text_inputs": True,
            "text_outputs": True,
            "open_weights": True,
            "image_inputs": True,
            "image_url_inputs": True,
        },
    ),
)


def profile_for(model: str) -> ModelProfile:
    """The profile of ``model``; a neutral one when the family is unknown."""
    for prefix, profile in _FAMILIES:
        if model.startswith(prefix):
            return dict(profile)  # type: ignore[return-value]
    return dict(NEUTRAL_PROFILE)  # type: ignore[return-value]
