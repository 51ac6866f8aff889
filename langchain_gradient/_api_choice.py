"""Which chat API answers a call, and the checks every API's stream shares.

`ChatGradient` calls `choose_dialect` once per call; the rest of the call
(payload, URL, mapping, completeness) follows the `Dialect` it returns. The
rule for ``use_responses_api``:

- ``True``: the Responses API (``POST {base_url}/responses``), always;
- ``False``: Chat Completions (``POST {base_url}/chat/completions``), always;
- ``None`` (the default): the Responses API for a model id matching one of
  ``responses_api_models`` (`RESPONSES_API_MODELS` unless overridden) or a
  call carrying a field only that API accepts (`RESPONSES_ONLY_FIELDS`);
  Chat Completions otherwise.

Which API answered is in every reply's ``response_metadata["api"]``
(``"chat_completions"`` or ``"responses"``); a stream names it once, on the
chunk that ends the reply (`NamedStream`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_gradient import dialects
from langchain_gradient._response import StreamMapper
from langchain_gradient.errors import GradientInvalidInputError, GradientStreamError

__all__ = [
    "API_CHOICES",
    "API_METADATA_KEY",
    "RESPONSES_API_MODELS",
    "RESPONSES_ONLY_FIELDS",
    "NamedStream",
    "choose_dialect",
    "mark_result",
    "setting_for",
    "stream_tail",
]

API_CHOICES = ("auto", "chat", "responses")
"""The command lines' ``--api`` values: decide per call, Chat Completions, the Responses API."""


def setting_for(choice: str) -> dict[str, bool]:
    """An ``--api`` value as `ChatGradient` settings (``auto``: none, the per-call rule decides)."""
    return {} if choice == "auto" else {"use_responses_api": choice == "responses"}


RESPONSES_API_MODELS: tuple[str, ...] = ("openai-*-pro", "openai-*codex*")
"""Model ids (``fnmatch`` patterns, case-insensitive) served by the Responses
API only: OpenAI's ``*-pro`` and ``*codex*`` models (Gradient's SDK lists
``openai-gpt-5.2-pro`` and ``openai-gpt-5.1-codex-max`` as Responses models).
Override per model with ``ChatGradient(responses_api_models=(...))``."""

RESPONSES_ONLY_FIELDS = frozenset(
    {"previous_response_id", "instructions", "include", "truncation", "max_output_tokens", "text"}
)
"""Request fields only the Responses API accepts: a call carrying one (per
call, bound, in ``model_kwargs`` or ``extra_body``) goes there when
``use_responses_api`` is ``None``."""

API_METADATA_KEY = "api"
"""The ``response_metadata`` key naming the API that answered."""


def choose_dialect(
    setting: Any,
    model_id: Any,
    patterns: Iterable[str] | None,
    fields: Iterable[Mapping[str, Any] | None],
) -> dialects.Dialect:
    """The dialect for one call.

    Args:
        setting: ``use_responses_api`` (the call's, else the model's).
        model_id: The model the call asks for.
        patterns: ``responses_api_models`` (``None``: `RESPONSES_API_MODELS`).
        fields: The request's field mappings (the call's arguments, the
            model's ``model_kwargs`` and ``extra_body``, the call's ``extra_body``).

    Raises:
        GradientInvalidInputError: ``setting`` is not a bool or ``None``.
    """
    if setting is None:
        wanted = _responses_model(model_id, patterns) or any(
            not RESPONSES_ONLY_FIELDS.isdisjoint(mapping)
            for mapping in fields
            if isinstance(mapping, Mapping)
        )
    elif isinstance(setting, bool):
        wanted = setting
    else:
        msg = f"use_responses_api must be True, False or None, got {type(setting).__name__}"
        raise GradientInvalidInputError(msg)
    return dialects.RESPONSES if wanted else dialects.CHAT_COMPLETIONS


def _responses_model(model_id: Any, patterns: Iterable[str] | None) -> bool:
    if not isinstance(model_id, str):
        return False
    if patterns is None:
        patterns = RESPONSES_API_MODELS
    lowered = model_id.lower()
    return any(fnmatchcase(lowered, pattern.lower()) for pattern in patterns)


def mark_result(result: ChatResult, dialect: dialects.Dialect) -> ChatResult:
    """Name the API that answered on every generation of a whole reply."""
    for generation in result.generations:
        generation.message.response_metadata[API_METADATA_KEY] = dialect.name
    return result


class NamedStream:
    """One streamed reply's mapper, naming the API that answered on one chunk.

    ``response_metadata["api"]`` rides on the chunk that ends the reply (the
    one with the ``finish_reason``; on the Responses API, from
    ``response.completed`` / ``response.incomplete``), which also carries the
    response's ``model_name`` and ids. A stream that ends without one names
    it on its closing chunk (`stream_tail`), so no stream gets a chunk of its
    own for it unless nothing else closes it. Once: chunk metadata merges by
    concatenating strings.

    Example:
        >>> from langchain_gradient.dialects import CHAT_COMPLETIONS
        >>> stream = NamedStream(StreamMapper("m"), CHAT_COMPLETIONS)
        >>> delta = {"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}
        >>> end = {"index": 0, "delta": {}, "finish_reason": "stop"}
        >>> chunks = [stream.map({"choices": [c]}) for c in (delta, end)]
        >>> [c.message.response_metadata.get("api") for c in chunks if c is not None]
        [None, 'chat_completions']
        >>> stream.tail(done=True) is None  # nothing left to close
        True
    """

    __slots__ = ("_dialect", "_named", "mapper")

    def __init__(self, mapper: StreamMapper, dialect: dialects.Dialect) -> None:
        self.mapper = mapper
        self._dialect = dialect
        self._named = False

    def map(self, event: Any) -> ChatGenerationChunk | None:
        """`StreamMapper.map`, naming the API on the chunk that ends the reply.

        Raises:
            GradientStreamError: as `StreamMapper.map`.
        """
        chunk = self.mapper.map(event)
        if chunk is not None and not self._named and self.mapper.finished:
            chunk.message.response_metadata[API_METADATA_KEY] = self._dialect.name
            self._named = True
        return chunk

    def tail(self, done: bool) -> ChatGenerationChunk | None:
        """The closing chunk, if any (`stream_tail`; the API named unless a chunk was).

        Raises:
            GradientStreamError: the stream ended before the reply did.
        """
        if not self._named:
            return stream_tail(self.mapper, done, self._dialect)
        _check_complete(self.mapper, done, self._dialect)
        return self.mapper.finish()


def stream_tail(mapper: StreamMapper, done: bool, dialect: dialects.Dialect) -> ChatGenerationChunk:
    """Check a stream ended properly; return its closing chunk.

    The rule, for every API: a stream is complete when ``[DONE]`` arrived, or
    when it ended cleanly after the mapper saw the reply's end (a
    ``finish_reason``; on the Responses API, whose typed stream has no
    ``[DONE]``, ``response.completed`` or ``response.incomplete``). Anything
    else lost data and raises. The closing chunk names the API that answered
    (once: chunk metadata merges by concatenating strings).

    Raises:
        GradientStreamError: the stream ended before the reply did.
    """
    _check_complete(mapper, done, dialect)
    api = {API_METADATA_KEY: dialect.name}
    tail = mapper.finish()
    if tail is None:
        return ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata=api))
    tail.message.response_metadata.update(api)
    return tail


def _check_complete(mapper: StreamMapper, done: bool, dialect: dialects.Dialect) -> None:
    if not done and not mapper.finished:
        msg = (
            "the stream ended before [DONE] and without a finish_reason; the reply is incomplete"
            if dialect is dialects.CHAT_COMPLETIONS
            else "the stream ended before response.completed or response.incomplete; "
            "the reply is incomplete"
        )
        raise GradientStreamError(msg)
