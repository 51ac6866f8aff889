"""Model profiles: what each Gradient model family is documented to support.

Data only, matched by model id prefix (first match wins). Gradient's
``/v1/models`` carries no capability data, so nothing is fetched; every entry
below names the public source it rests on, and a capability no source states is
left out rather than guessed. No public DigitalOcean page states context
windows per model, so ``max_input_tokens`` is never set.

Every profile, the neutral one included, also states what the wire itself
cannot carry: the Chat Completions schema has no audio or PDF parts, and tool
messages take text only, so ``audio_inputs``, ``pdf_inputs``,
``image_tool_message`` and ``pdf_tool_message`` are ``False`` for all models.
"""

from __future__ import annotations

import copy

from langchain_core.language_models import ModelProfile

__all__ = ["NEUTRAL_PROFILE", "profile_for"]

_WIRE: ModelProfile = {
    "text_inputs": True,
    "text_outputs": True,
    "audio_inputs": False,
    "pdf_inputs": False,
    "image_tool_message": False,
    "pdf_tool_message": False,
}

NEUTRAL_PROFILE: ModelProfile = dict(_WIRE)  # type: ignore[assignment]
"""The profile of a model no entry matches: text in, text out, nothing claimed."""

_DOCS = "https://docs.digitalocean.com/products/inference"
_FEATURES = f"{_DOCS}/details/features/"
_REASONING = f"{_DOCS}/how-to/use-reasoning/"
_MULTIMODAL = f"{_DOCS}/how-to/use-multimodal-inference/"
_SERVERLESS = (
    "https://docs.digitalocean.com/products/gradient-ai-platform/how-to/use-serverless-inference/"
)
_LG_TESTS = "digitalocean/langchain-gradient v1.0.0 tests/integration_tests/test_tool_calling.py"

# (model id prefix, sources, capabilities). Longer prefixes before shorter ones.
_FAMILIES: tuple[tuple[str, tuple[str, ...], ModelProfile], ...] = (
    (
        # Tool calls incl. tool_choice "required" pass live in the official
        # package's tests; not a vision or reasoning model.
        "llama3.3-70b-instruct",
        (_LG_TESTS,),
        {
            "open_weights": True,
            "tool_calling": True,
            "tool_choice": True,
            "image_inputs": False,
            "reasoning_output": False,
        },
    ),
    (
        # Open-weight; returns reasoning (reasoning_content / reasoning_text).
        "openai-gpt-oss-",
        (_SERVERLESS,),
        {"open_weights": True, "reasoning_output": True, "image_inputs": False},
    ),
    (
        # "All commercial Anthropic and OpenAI models support tool calling."
        "openai-",
        (_FEATURES,),
        {"tool_calling": True},
    ),
    (
        # Tool calling (Features page); reasoning via reasoning_effort or the
        # reasoning object, effort none/low/medium/high/max (Reasoning page).
        "anthropic-claude-",
        (_FEATURES, _REASONING),
        {
            "tool_calling": True,
            "reasoning_output": True,
            "reasoning_effort_levels": ["none", "low", "medium", "high", "max"],
        },
    ),
    (
        # Image input (HTTPS URL or base64 data URI), /think reasoning with
        # reasoning_content, tool calls.
        "kimi-k2",
        (_MULTIMODAL,),
        {
            "image_inputs": True,
            "image_url_inputs": True,
            "tool_calling": True,
            "reasoning_output": True,
        },
    ),
    (
        # Vision-language model (image input by URL or base64 data URI).
        "nemotron-nano-12b-v2-vl",
        (_MULTIMODAL,),
        {"image_inputs": True, "image_url_inputs": True},
    ),
)


def profile_for(model: str) -> ModelProfile:
    """The profile of ``model``: its family's entry, or the neutral profile.

    Returns a fresh dict each call, so callers may change it freely.
    """
    for prefix, _sources, capabilities in _FAMILIES:
        if model.startswith(prefix):
            profile: ModelProfile = {**_WIRE, **capabilities}
            return copy.deepcopy(profile)
    return dict(NEUTRAL_PROFILE)  # type: ignore[return-value]
