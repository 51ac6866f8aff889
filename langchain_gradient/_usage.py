"""The API's ``usage`` object -> LangChain's `UsageMetadata`.

Convention: ``usage_metadata["input_tokens"]`` always *includes* cached tokens
(LangChain's convention). Gradient reports ``prompt_tokens`` inclusive for
OpenAI-style backends and exclusive for Anthropic models; see
`reports_cache_separately`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages.ai import InputTokenDetails, UsageMetadata

from langchain_gradient._values import as_int

__all__ = [
    "cache_creation_split",
    "combine_llm_outputs",
    "reports_cache_separately",
    "usage_to_metadata",
]


def reports_cache_separately(
    model: str, prompt_tokens: int, cache_read: int, cache_creation: int, usage: Mapping[str, Any]
) -> bool:
    """Whether ``prompt_tokens`` excludes cache reads/writes (Anthropic style).

    Gradient passes each provider's convention through: Anthropic models report
    uncached input only, OpenAI-style backends count cached tokens inside
    ``prompt_tokens``. The rule: an ``anthropic-`` model id, or cache counts that
    exceed ``prompt_tokens`` with no OpenAI ``prompt_tokens_details``, mean
    exclusive; everything else is inclusive.
    """
    if isinstance(usage.get("prompt_tokens_details"), dict):
        return False
    if "prompt_cache_hit_tokens" in usage or "prompt_cache_miss_tokens" in usage:
        return False  # DeepSeek: prompt_tokens = hit + miss
    if model.startswith("anthropic-"):
        return True
    return cache_read + cache_creation > prompt_tokens


def usage_to_metadata(usage: Any, model: str = "") -> UsageMetadata | None:
    """Map the API's ``usage`` object to LangChain's `UsageMetadata`.

    ``input_token_details`` gets ``cache_read`` (``cache_read_input_tokens``,
    OpenAI's ``prompt_tokens_details.cached_tokens`` or DeepSeek's
    ``prompt_cache_hit_tokens``, the first present) and ``cache_creation``
    (``cache_created_input_tokens``, ``cache_creation_input_tokens`` or
    ``prompt_tokens_details.cache_write_tokens``) when the response has them;
    ``output_token_details.reasoning`` comes from
    ``completion_tokens_details.reasoning_tokens`` when present.

    ``total_tokens`` is the reported ``total_tokens`` (a reported ``0`` stays
    ``0``), plus the cache counts added to ``input_tokens`` when
    ``prompt_tokens`` excludes them; only a response without ``total_tokens``
    gets ``input_tokens + output_tokens``.
    """
    if not isinstance(usage, dict):
        return None
    prompt = as_int(usage.get("prompt_tokens")) or 0
    completion = as_int(usage.get("completion_tokens")) or 0
    prompt_details = usage.get("prompt_tokens_details")
    cache_read = as_int(usage.get("cache_read_input_tokens"))
    if cache_read is None and isinstance(prompt_details, dict):
        cache_read = as_int(prompt_details.get("cached_tokens"))
    if cache_read is None:
        cache_read = as_int(usage.get("prompt_cache_hit_tokens"))
    cache_creation = as_int(usage.get("cache_created_input_tokens"))
    if cache_creation is None:
        cache_creation = as_int(usage.get("cache_creation_input_tokens"))
    if cache_creation is None and isinstance(prompt_details, dict):
        cache_creation = as_int(prompt_details.get("cache_write_tokens"))
    added = 0
    if reports_cache_separately(model, prompt, cache_read or 0, cache_creation or 0, usage):
        added = (cache_read or 0) + (cache_creation or 0)
    input_tokens = prompt + added
    total = as_int(usage.get("total_tokens"))
    result = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=completion,
        total_tokens=input_tokens + completion if total is None else total + added,
    )
    input_details: InputTokenDetails = {}
    if cache_read is not None:
        input_details["cache_read"] = cache_read
    if cache_creation is not None:
        input_details["cache_creation"] = cache_creation
    if input_details:
        result["input_token_details"] = input_details
    completion_details = usage.get("completion_tokens_details")
    if isinstance(completion_details, dict):
        reasoning = as_int(completion_details.get("reasoning_tokens"))
        if reasoning is not None:
            result["output_token_details"] = {"reasoning": reasoning}
    return result


def cache_creation_split(usage: Any) -> dict[str, Any] | None:
    split = usage.get("cache_creation") if isinstance(usage, dict) else None
    return split if isinstance(split, dict) else None


def combine_llm_outputs(llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
    """``generate().llm_output``: token usage summed over the calls, and the model.

    Streamed calls have no ``llm_output`` (core builds their result from
    chunks); their usage is on each message's ``usage_metadata``.
    """
    combined: dict[str, Any] = {}
    for output in llm_outputs:
        if not output:
            continue
        usage = output.get("token_usage")
        if isinstance(usage, dict):
            combined["token_usage"] = _add_counts(combined.get("token_usage", {}), usage)
        if "model_name" not in combined and output.get("model_name"):
            combined["model_name"] = output["model_name"]
    return combined


def _add_counts(left: Mapping[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    """Token counts added key by key (nested detail objects too); other values kept."""
    total = dict(left)
    for key, value in right.items():
        known = total.get(key)
        if isinstance(value, bool) or value is None:
            total.setdefault(key, value)
        elif isinstance(value, int) and isinstance(known, int) and not isinstance(known, bool):
            total[key] = known + value
        elif isinstance(value, dict) and isinstance(known, dict):
            total[key] = _add_counts(known, value)
        elif key not in total or known is None:
            total[key] = value
    return total
