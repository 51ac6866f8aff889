"""Offline token counts: core's approximate counter, with parameters fitted to real replies.

`ChatGradient.get_num_tokens_from_messages` (and with it
``trim_messages(..., token_counter=model)``) must work without
``transformers`` and without downloading a tokenizer. Gradient serves many
model families, each with its own tokenizer, so no exact offline count
exists; this is `langchain_core.messages.utils.count_tokens_approximately`
(characters per token, plus a few tokens per message) with its parameters
fitted by ``scripts/calibrate_token_counter.py`` to the ``prompt_tokens``
the servers reported in ``cassettes/``. The script prints the fit and its
error; README ("Token counting") quotes the last run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.messages.utils import count_tokens_approximately

__all__ = [
    "CALIBRATION",
    "Calibration",
    "OfflineTokenCounting",
    "count_message_tokens",
    "count_text_tokens",
]


@dataclass(frozen=True)
class Calibration:
    """The approximate counter's parameters.

    Attributes:
        chars_per_token: Characters of text per token.
        tokens_per_message: Tokens a chat template adds around each message.
        tokens_per_request: Tokens added once per request (the template's
            reply header and any default system prompt).
    """

    chars_per_token: float
    tokens_per_message: float
    tokens_per_request: int


CALIBRATION = Calibration(chars_per_token=2.15, tokens_per_message=0.0, tokens_per_request=22)
"""Fitted by ``python scripts/calibrate_token_counter.py`` (see the README for its error)."""


def count_message_tokens(
    messages: Sequence[BaseMessage],
    tools: Sequence[Any] | None = None,
    calibration: Calibration = CALIBRATION,
) -> int:
    """Approximate prompt tokens of a request with ``messages`` (and ``tools``).

    Args:
        messages: The conversation.
        tools: Tools as accepted by ``bind_tools``; counted in the JSON form
            sent to the API.
        calibration: The counter's parameters.

    Returns:
        The estimated ``prompt_tokens``.
    """
    tokens = count_tokens_approximately(
        messages,
        chars_per_token=calibration.chars_per_token,
        extra_tokens_per_message=calibration.tokens_per_message,
    )
    if tools:
        tokens += _tool_tokens(tools, calibration)
    return tokens + calibration.tokens_per_request


def count_text_tokens(text: str, calibration: Calibration = CALIBRATION) -> int:
    """Approximate tokens of a plain text (no message framing)."""
    return math.ceil(len(text) / calibration.chars_per_token)


def _tool_tokens(tools: Sequence[Any], calibration: Calibration) -> int:
    # Imported on first use, as in ``bind_tools``: tool conversion pulls in
    # core's function-calling helpers, which a plain chat does not need.
    from langchain_gradient._tools import format_tools  # noqa: PLC0415

    text = json.dumps(format_tools(list(tools)), ensure_ascii=False, separators=(",", ":"))
    return math.ceil(len(text) / calibration.chars_per_token)


class OfflineTokenCounting:
    """``get_num_tokens_from_messages`` / ``get_num_tokens`` of `ChatGradient`, offline."""

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Estimate the prompt tokens of ``messages`` (and ``tools``), offline.

        No tokenizer is downloaded and nothing is sent: Gradient serves many
        model families with different tokenizers, so this is core's
        approximate counter with parameters fitted to the ``prompt_tokens``
        real servers reported (README, "Token counting", gives its measured
        error). It is what ``trim_messages(..., token_counter=model)`` uses.

        Args:
            messages: The conversation.
            tools: Tools as accepted by `bind_tools`, counted as sent.

        Returns:
            The estimated number of prompt tokens.
        """
        return count_message_tokens(messages, tools)

    def get_num_tokens(self, text: str) -> int:
        """Estimate the tokens of a plain text, offline (see `get_num_tokens_from_messages`)."""
        return count_text_tokens(text)
