"""Helpers to mark prompt text for Gradient's prompt cache.

Anthropic models on Gradient cache explicitly: a text part carrying
``cache_control: {"type": "ephemeral", "ttl": "5m" | "1h"}`` ends a cached
prefix (a cache breakpoint). The API schema accepts the mark on text parts of
any message; OpenAI and open models cache long prompts automatically either
way. A cached call reports ``usage_metadata["input_token_details"]["cache_read"]`` and
``["cache_creation"]``.

Example:
    .. code-block:: python

        from langchain_gradient import ChatGradient
        from langchain_gradient.caching import cached_system_message

        model = ChatGradient(model="anthropic-claude-4.6-sonnet")
        system = cached_system_message(long_policy_text, ttl="1h")
        reply = model.invoke([system, ("human", "Summarise section 3.")])
        reply.usage_metadata["input_token_details"]  # {'cache_creation': ..., ...}
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import SystemMessage

from langchain_gradient.errors import GradientInvalidInputError

__all__ = ["CacheTTL", "cache_control", "cached_system_message", "cached_text"]

CacheTTL = Literal["5m", "1h"]
"""The cache lifetimes Gradient documents; ``5m`` is the server default."""

_TTLS = ("5m", "1h")


def cache_control(ttl: CacheTTL | None = None) -> dict[str, str]:
    """The ``cache_control`` object for a text part.

    Args:
        ttl: ``"5m"`` or ``"1h"``; ``None`` leaves it to the server (5 minutes).

    Returns:
        ``{"type": "ephemeral"}``, plus ``"ttl"`` when given.

    Raises:
        GradientInvalidInputError: for any other ``ttl``.
    """
    if ttl is not None and ttl not in _TTLS:
        msg = f"cache ttl must be '5m' or '1h', got {ttl!r}"
        raise GradientInvalidInputError(msg)
    control = {"type": "ephemeral"}
    if ttl is not None:
        control["ttl"] = ttl
    return control


def cached_text(text: str, *, ttl: CacheTTL | None = None) -> dict[str, Any]:
    """A text content block that ends a cached prefix.

    Use it in any message's list content (system, user or tool), e.g.
    ``HumanMessage([cached_text(document), "Question: ..."])``.

    Args:
        text: The text to cache (with everything before it in the prompt).
        ttl: ``"5m"`` or ``"1h"``; ``None`` for the server default.

    Returns:
        ``{"type": "text", "text": text, "cache_control": {...}}``.
    """
    return {"type": "text", "text": text, "cache_control": cache_control(ttl)}


def cached_system_message(text: str, *, ttl: CacheTTL | None = None) -> SystemMessage:
    """A system message whose whole text is cached.

    Args:
        text: The (long, unchanging) system prompt.
        ttl: ``"5m"`` or ``"1h"``; ``None`` for the server default.

    Returns:
        A `SystemMessage` with one cached text block.
    """
    return SystemMessage(content=[cached_text(text, ttl=ttl)])
