"""Text parts of a request, with their prompt-cache marks.

Shared by the content of every role (`_request.format_content`) and of
assistant turns (`_assistant_turns`): a text block becomes
``{"type": "text", "text": ...}``, keeping Anthropic's ``cache_control`` and
OpenAI's ``prompt_cache_breakpoint`` (top-level, or in ``extras``, LangChain
v1 style).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gradient.errors import GradientInvalidInputError

__all__ = ["BREAKPOINT", "CACHE_MARKS", "block_cache_control", "text_part", "with_breakpoint"]

BREAKPOINT = "prompt_cache_breakpoint"
"""OpenAI's cache mark on a content part."""
CACHE_MARKS = ("cache_control", BREAKPOINT)
"""The fields of a sent content part that mark a cached prefix (Anthropic's, OpenAI's)."""


def block_cache_control(block: Mapping[str, Any], index: int | None) -> dict[str, Any] | None:
    """A block's ``cache_control``: top-level (Anthropic) or in ``extras`` (LangChain v1)."""
    value = block.get("cache_control")
    if value is None and isinstance(block.get("extras"), dict):
        value = block["extras"].get("cache_control")
    if value is None:
        return None
    if not isinstance(value, dict):
        where = "" if index is None else f"message {index}: "
        msg = (
            f"{where}cache_control must be an object such as "
            f"{{'type': 'ephemeral', 'ttl': '5m'}}, got {value!r}"
        )
        raise GradientInvalidInputError(msg)
    return dict(value)


def text_part(block: Mapping[str, Any], index: int | None = None) -> dict[str, Any]:
    """A text block as the API's text part, its cache marks kept.

    Raises:
        GradientInvalidInputError: the block has no string ``text``, or a
            ``cache_control`` that is not an object.
    """
    text = block.get("text")
    if not isinstance(text, str):
        where = "" if index is None else f"message {index}: "
        msg = f"{where}text block has no string 'text': {block!r}"[:200]
        raise GradientInvalidInputError(msg)
    part: dict[str, Any] = {"type": "text", "text": text}
    cache_control = block_cache_control(block, index)
    if cache_control is not None:
        part["cache_control"] = cache_control
    return with_breakpoint(block, part)


def with_breakpoint(block: Mapping[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """``part`` with the block's ``prompt_cache_breakpoint``, as ``ChatOpenAI`` sends it.

    OpenAI's cache mark, top-level or in ``extras`` (LangChain v1); the block's
    own wins. Its presence decides, not its truth: a ``None`` is sent as given.
    """
    extras = block.get("extras")
    if BREAKPOINT in block:
        part[BREAKPOINT] = block[BREAKPOINT]
    elif isinstance(extras, Mapping) and BREAKPOINT in extras:
        part[BREAKPOINT] = extras[BREAKPOINT]
    return part
