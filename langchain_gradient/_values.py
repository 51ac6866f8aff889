"""Defensive readers of decoded JSON values, shared by the response mappers."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["as_int", "quote", "text_of"]

_QUOTE_LIMIT = 300


def quote(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=repr)
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def text_of(value: Any) -> str:
    """Message content as text: strings pass, text parts are joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            part["text"]
            for part in value
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""
