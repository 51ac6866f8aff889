"""Wire dialects: the request builder and reply mappers of each chat API.

Gradient serves a chat turn on more than one API: Chat Completions
(``POST /chat/completions``) and the Responses API (``POST /responses``).
A **dialect** is one API's request builder and its reply mappers, pure
functions over plain dicts: no I/O, no `ChatGradient`, no ``httpx``. What is
the same for every API stays beside them, written once: content blocks to
parts and roles (`_request.message_to_dict`), tool conversion (`_tools`),
tool-call argument parsing (`_tool_calls`), usage (`_usage`), the stream
state machine (`_response.StreamMapper`), truncation and refusal rules
(`_structured_output`), errors (`errors`).

How the face uses a dialect
---------------------------
`ChatGradient` chooses the dialect once per call, then runs the same
orchestration whichever it is: one place that sends, one that streams, one
that raises::

    dialect = RESPONSES if wants_responses else CHAT_COMPLETIONS
    payload = dialect.build_payload(messages, params, stream=stream, echo_reasoning=...)
    request = POST endpoint(base_url, dialect.path) with payload   # _transport, unchanged
    # whole reply
    result = dialect.result(decoded_body, payload["model"])
    # stream
    stream = _api_choice.NamedStream(dialect.stream_mapper(payload["model"]), dialect)
    for event in _sse.EventStream(response):                       # unchanged
        if (chunk := stream.map(event)) is not None:
            yield chunk
    if (tail := stream.tail(events.done)) is not None:             # one rule
        yield tail

- **One vocabulary for options.** ``params`` are always in Chat Completions
  names: the face's fields, what ``bind_tools`` binds (nested function
  tools, ``tool_choice``) and what ``with_structured_output`` binds
  (``response_format``, a forced tool). Each builder translates them, so a
  runnable bound once can be called on either API, and the choice can be
  made per call (``use_responses_api=None``) without re-binding.
- **One completeness rule.** Both mappers are `StreamMapper`s: ``finished``
  is true once the reply came to its end (a ``finish_reason``; on the
  Responses API ``response.completed`` or ``response.incomplete``). A typed
  Responses stream has no ``[DONE]`` line, so ``events.done`` stays false
  and ``finished`` alone decides; a stream that ends with neither raises in
  ``_api_choice.stream_tail``.
- **One outcome.** Both whole-reply mappers produce the same
  ``AIMessage`` conventions (the Responses mapper restates its reply as the
  equivalent Chat Completions body and maps that), and both streams the same
  chunks, so truncation (``finish_reason`` ``"length"``), refusals,
  ``invalid_tool_calls`` and usage behave alike on every path.

Wired in `ChatGradient`: ``use_responses_api`` and the per-call rule
(`langchain_gradient._api_choice.choose_dialect`, called once per call in
``ChatGradient._dialect``); the URL per dialect path (cached in
``ChatGradient._prepared``); ``response_metadata["api"]`` naming the API that
answered, on every path (`_api_choice.mark_result` / ``NamedStream``); and
``_result`` / ``_stream_mapper`` taking the chosen dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from langchain_gradient import _request, _response

__all__ = ["CHAT_COMPLETIONS", "RESPONSES", "Dialect", "PayloadBuilder"]


class PayloadBuilder(Protocol):
    """Messages and options (Chat Completions names) -> one request body."""

    def __call__(
        self,
        messages: Sequence[BaseMessage],
        params: Mapping[str, Any],
        *,
        stream: bool,
        echo_reasoning: bool = False,
    ) -> dict[str, Any]:
        """Build the body; raises `GradientInvalidInputError` before anything is sent."""
        ...


class Dialect(NamedTuple):
    """One chat API: where it is, how its requests are built, how replies are read."""

    name: str
    """How the API is named in messages and docs (``"chat_completions"``, ``"responses"``)."""
    path: str
    """The endpoint, relative to ``base_url``."""
    build_payload: PayloadBuilder
    result: Callable[[Any, str], ChatResult]
    """A decoded whole reply and the requested model -> `ChatResult`."""
    stream_mapper: Callable[[str], _response.StreamMapper]
    """The requested model -> a mapper for one streamed reply."""


CHAT_COMPLETIONS = Dialect(
    name="chat_completions",
    path="chat/completions",
    build_payload=_request.build_payload,
    result=_response.chat_result,
    stream_mapper=_response.StreamMapper,
)


def __getattr__(name: str) -> Dialect:
    """``RESPONSES``, imported on first use (module ``__getattr__``, PEP 562).

    A plain Chat Completions call never needs the Responses modules, so
    importing this package does not load them.
    """
    if name == "RESPONSES":
        from langchain_gradient.dialects import responses  # noqa: PLC0415

        dialect = Dialect(
            name="responses",
            path=responses.PATH,
            build_payload=responses.build_payload,
            result=responses.responses_result,
            stream_mapper=responses.ResponsesStreamMapper,
        )
        globals()[name] = dialect  # later lookups find it without this hook
        return dialect
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
