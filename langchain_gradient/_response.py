"""Response bodies and stream events -> LangChain messages, generations, usage.

Pure: plain ``dict``s (decoded JSON) in, LangChain objects out. Anything that is
not the shape the API documents raises `GradientResponseError` (or
`GradientStreamError` for events) with a message quoting what was wrong; no
``KeyError``/``TypeError``/``IndexError`` escapes.

Usage is mapped by `_usage`, tool calls by `_tool_calls`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
)
from langchain_core.messages.ai import UsageMetadata, subtract_usage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gradient._compat import MODEL_PROVIDER
from langchain_gradient._server_tools import RESPONSE_FIELDS as SERVER_TOOL_FIELDS
from langchain_gradient._server_tools import message_annotations, response_fields
from langchain_gradient._tool_calls import StreamedToolCalls, parse_tool_calls
from langchain_gradient._usage import cache_creation_split, usage_to_metadata
from langchain_gradient._values import as_int, quote, text_of
from langchain_gradient.errors import GradientResponseError, GradientStreamError

__all__ = ["MODEL_PROVIDER", "StreamMapper", "chat_result"]


def _set_fields(**fields: Any) -> dict[str, Any]:
    """Message keyword arguments without the empty ones.

    Every keyword a message is built with costs a pydantic validation, and
    messages are built per call and per streamed chunk.
    """
    return {name: value for name, value in fields.items() if value}


def reasoning_of(raw: Mapping[str, Any]) -> str | None:
    """The reasoning text of a reply message or a stream delta, if any.

    Servers spell the field two ways: ``reasoning_content`` (the Gradient API,
    DeepSeek) and ``reasoning`` (vLLM-served open-weight models such as
    gpt-oss). Both land in ``additional_kwargs["reasoning_content"]``; when a
    message carries both (servers moving between the names send the text
    twice), ``reasoning_content`` wins.
    """
    for key in ("reasoning_content", "reasoning"):
        value = raw.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def name_of(raw: Mapping[str, Any]) -> str | None:
    """The ``name`` a reply message or delta carries (the participant's name)."""
    name = raw.get("name")
    return name if isinstance(name, str) and name else None


# ---------------------------------------------------------------- usage


# ------------------------------------------------------------ tool calls


# ------------------------------------------------------- whole responses


_RESPONSE_FIELDS = ("id", "created", "system_fingerprint", "service_tier")
"""Response-level fields kept in ``response_metadata`` (when the server sends them)."""


def _base_metadata(body: Mapping[str, Any], requested_model: str) -> dict[str, Any]:
    model = body.get("model")
    metadata: dict[str, Any] = {
        "model_name": model if isinstance(model, str) and model else requested_model,
        "model_provider": MODEL_PROVIDER,
    }
    for key in _RESPONSE_FIELDS:
        value = body.get(key)
        if value is not None and value != "":
            metadata[key] = value
    return metadata


_STREAM_FIELDS = ("model", *_RESPONSE_FIELDS)
_SERVER_TOOL_KEYS = frozenset(SERVER_TOOL_FIELDS)


def _seed(body: Mapping[str, Any], choice_index: int) -> str:
    return f"{body.get('id')}|{body.get('created')}|{body.get('model')}|{choice_index}"


def chat_result(body: Any, requested_model: str) -> ChatResult:
    """Map a ``chat.completion`` body to a `ChatResult` (one generation per choice).

    Raises:
        GradientResponseError: if the body is not a completion.
    """
    if not isinstance(body, dict):
        msg = f"expected a JSON object from /chat/completions, got {quote(body)}"
        raise GradientResponseError(msg)
    if body.get("error"):
        msg = f"the API returned an error in a 200 response: {quote(body['error'])}"
        raise GradientResponseError(msg)
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        msg = f"response has no choices: {quote(body)}"
        raise GradientResponseError(msg)
    base = _base_metadata(body, requested_model)
    base.update(response_fields(body))  # server-side tool use (citations, retrieval)
    raw_usage = body.get("usage")
    usage = usage_to_metadata(raw_usage, base["model_name"])
    split = cache_creation_split(raw_usage)
    if split is not None:
        base["cache_creation"] = split
    generations = []
    for position, choice in enumerate(choices):
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            msg = f"choice {position} has no message: {quote(choice)}"
            raise GradientResponseError(msg)
        choice_index = as_int(choice.get("index"))
        seed = _seed(body, position if choice_index is None else choice_index)
        message = _ai_message(choice["message"], base, seed, usage)
        info: dict[str, Any] = {"finish_reason": choice.get("finish_reason")}
        if choice.get("logprobs") is not None:
            info["logprobs"] = choice["logprobs"]
        message.response_metadata.update(info)
        generations.append(ChatGeneration(message=message, generation_info=info))
    llm_output: dict[str, Any] = {"model_name": base["model_name"]}
    if isinstance(raw_usage, dict):
        llm_output["token_usage"] = raw_usage
    return ChatResult(generations=generations, llm_output=llm_output)


def _ai_message(
    raw: Mapping[str, Any],
    base: Mapping[str, Any],
    seed: str,
    usage: UsageMetadata | None,
) -> AIMessage:
    additional_kwargs: dict[str, Any] = {}
    reasoning = reasoning_of(raw)
    if reasoning is not None:
        additional_kwargs["reasoning_content"] = reasoning
    refusal = raw.get("refusal")
    if isinstance(refusal, str) and refusal:
        additional_kwargs["refusal"] = refusal
    if annotations := message_annotations(raw):
        additional_kwargs["annotations"] = annotations
    tool_calls, invalid = parse_tool_calls(raw.get("tool_calls"), seed)
    # No message id: servers repeat response ids (and all n choices share one),
    # and LangGraph replaces messages by id. LangChain assigns run-based ids;
    # the response id stays in response_metadata["id"].
    return AIMessage(
        content=text_of(raw.get("content")),
        response_metadata=dict(base),
        **_set_fields(
            additional_kwargs=additional_kwargs,
            tool_calls=tool_calls,
            invalid_tool_calls=invalid,
            usage_metadata=usage,
            name=name_of(raw),
        ),
    )


# --------------------------------------------------------------- streams


class StreamMapper:
    """Turns the events of one streamed response into generation chunks.

    Keeps the little state a stream needs: its tool calls (`StreamedToolCalls`
    sorts fragments into calls), the response's model and ids, whether a
    ``finish_reason`` arrived, and what was already emitted.

    Core merges chunks by concatenating strings and adding numbers, so anything
    sent twice would be doubled in the aggregate (``"stopstop"``). Each
    response-level field (``model_name``, ``id``, ``system_fingerprint``,
    ``service_tier``, ``created``) and ``finish_reason`` is therefore emitted
    exactly once, and usage is emitted as the increase over what was already
    sent (servers may report usage on several chunks, cumulatively).
    """

    __slots__ = (
        "_emitted",
        "_missing",
        "_requested_model",
        "_server_fields",
        "_tool_calls",
        "_usage_sent",
        "body",
        "finished",
    )

    def __init__(self, requested_model: str) -> None:
        self._requested_model = requested_model
        self.body: dict[str, Any] = {}
        """The response-level fields seen so far (the first value of each wins)."""
        self._missing: tuple[str, ...] = _STREAM_FIELDS
        """The response-level fields with no value yet."""
        self._tool_calls = StreamedToolCalls()
        self._emitted: set[str] = set()
        self._usage_sent: UsageMetadata | None = None
        self._server_fields: dict[str, Any] = {}
        """Server-side tool fields (last value of each), sent once on the closing chunk."""
        self.finished = False
        """Whether a ``finish_reason`` arrived."""

    def map(self, event: Any) -> ChatGenerationChunk | None:
        """Map one decoded ``data:`` event; ``None`` when it carries nothing.

        Raises:
            GradientStreamError: for an error event or an event of the wrong shape.
        """
        if not isinstance(event, dict):
            msg = f"stream event is not a JSON object: {quote(event)}"
            raise GradientStreamError(msg)
        if event.get("error"):
            msg = f"the server reported an error mid-stream: {quote(event['error'])}"
            raise GradientStreamError(msg)
        if not self.body:
            self._tool_calls.seed = _seed(event, 0)
        if self._missing:
            self._remember_response_fields(event)
        if not _SERVER_TOOL_KEYS.isdisjoint(event):  # rare: skip building an empty dict
            self._server_fields.update(response_fields(event))
        choices = event.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        raw_usage = event.get("usage")
        if choice is None and not isinstance(raw_usage, dict):
            return None
        if choice is not None and not isinstance(choice, dict):
            msg = f"stream choice is not an object: {quote(choice)}"
            raise GradientStreamError(msg)
        delta = (choice or {}).get("delta") or {}
        if not isinstance(delta, dict):
            msg = f"stream delta is not an object: {quote(delta)}"
            raise GradientStreamError(msg)
        content = delta.get("content")
        text = content if isinstance(content, str) else text_of(content)
        additional_kwargs: dict[str, Any] = {}
        reasoning = reasoning_of(delta)
        if reasoning is not None:
            additional_kwargs["reasoning_content"] = reasoning
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            additional_kwargs["refusal"] = refusal
        if annotations := message_annotations(delta):
            additional_kwargs["annotations"] = annotations
        raw_calls = delta.get("tool_calls")
        call_chunks = self._tool_calls.chunks(raw_calls) if raw_calls else []
        finish_reason = (choice or {}).get("finish_reason")
        if finish_reason:
            call_chunks = call_chunks + self._tool_calls.flush()
            if self.finished:  # a repeated finish_reason is not sent again
                finish_reason = None
        logprobs = (choice or {}).get("logprobs")
        if logprobs is not None and not isinstance(logprobs, dict):
            # Chunks are merged key by key; a list or string here would make
            # the merge fail with a TypeError far from its cause.
            msg = f"stream choice logprobs is not an object: {quote(logprobs)}"
            raise GradientStreamError(msg)
        usage = None if raw_usage is None else self._usage_increase(raw_usage)
        name = self._unsent_name(delta)
        if not (
            text or additional_kwargs or call_chunks or finish_reason or usage or logprobs or name
        ):
            return None
        # On every chunk, so core's v1 streaming converts each one with our
        # block translator (see _compat) rather than its generic parser.
        response_metadata: dict[str, Any] = {"model_provider": MODEL_PROVIDER}
        info: dict[str, Any] | None = None
        if logprobs:
            response_metadata["logprobs"] = logprobs
        if finish_reason:
            self.finished = True
            info = {"finish_reason": finish_reason}
            response_metadata["finish_reason"] = finish_reason
        if finish_reason:
            response_metadata.update(self._invalid_calls_metadata())
        if finish_reason or usage is not None:
            response_metadata.update(self._unsent_metadata())
            split = cache_creation_split(raw_usage)
            if split is not None and "cache_creation" not in self._emitted:
                self._emitted.add("cache_creation")
                response_metadata["cache_creation"] = split
        # Only the fields this chunk has: each keyword costs a validation.
        fields: dict[str, Any] = {"content": text, "response_metadata": response_metadata}
        if additional_kwargs:
            fields["additional_kwargs"] = additional_kwargs
        if call_chunks:
            fields["tool_call_chunks"] = call_chunks
        if usage is not None:
            fields["usage_metadata"] = usage
        if name is not None:
            fields["name"] = name
        message = AIMessageChunk(**fields)
        if info is None:
            return ChatGenerationChunk(message=message)
        return ChatGenerationChunk(message=message, generation_info=info)

    def finish(self) -> ChatGenerationChunk | None:
        """The closing chunk, if one is needed.

        It carries the response fields no chunk carried yet (``model_name`` when
        no event had a finish or usage), and any tool-call argument text still
        held back.
        """
        held = self._tool_calls.flush()
        metadata = self._unsent_metadata() if self.body else {}
        metadata.update(self._invalid_calls_metadata())
        # Once, at the end: chunk metadata merges by concatenating lists.
        metadata.update(self._server_fields)
        if not metadata and not held:
            return None
        return ChatGenerationChunk(
            message=AIMessageChunk(content="", tool_call_chunks=held, response_metadata=metadata)
        )

    def close(self) -> None:
        """Called after the last chunk was delivered; subclasses may raise here."""

    @property
    def model_name(self) -> str:
        model = self.body.get("model")
        return model if isinstance(model, str) and model else self._requested_model

    def _remember_response_fields(self, event: Mapping[str, Any]) -> None:
        """Keep the first non-empty value of each response-level field.

        Servers differ in which events carry them (the first, the last, all).
        """
        body = self.body
        missing = []
        for key in self._missing:  # the fields with no value yet
            value = body[key] = event.get(key)
            if value is None or value == "":
                missing.append(key)
        self._missing = tuple(missing)

    def _unsent_name(self, delta: Mapping[str, Any]) -> str | None:
        """The message ``name``, on the first chunk that brings it only.

        Core's chunk merging keeps no ``name``, and repeating it on every
        chunk would not change that; one chunk carries it.
        """
        if "name" in self._emitted:
            return None
        name = name_of(delta)
        if name is not None:
            self._emitted.add("name")
        return name

    def _unsent_metadata(self) -> dict[str, Any]:
        """Response fields (model_name, id, ...) not emitted yet; marks them emitted."""
        metadata = _base_metadata(self.body, self._requested_model)
        unsent = {k: v for k, v in metadata.items() if k not in self._emitted}
        self._emitted.update(unsent)
        return unsent

    def _invalid_calls_metadata(self) -> dict[str, Any]:
        """``invalid_tool_calls``: the calls whose complete arguments do not parse.

        Core builds a streamed message's ``tool_calls`` with its partial-JSON
        parser, which completes cut-off arguments (``{"a": "x`` reads as
        ``{"a": "x"}``); an adapter cannot change that. Here the whole
        arguments are parsed strictly once the choice finished, with the rules
        of a non-streamed reply, and the calls that fail are listed (once) in
        ``response_metadata["invalid_tool_calls"]``.
        """
        if "invalid_tool_calls" in self._emitted:
            return {}
        self._emitted.add("invalid_tool_calls")
        invalid = self._tool_calls.invalid()
        return {"invalid_tool_calls": invalid} if invalid else {}

    def _usage_increase(self, raw_usage: Any) -> UsageMetadata | None:
        """The usage of this event beyond what earlier chunks already carried.

        Usage counts are cumulative (the OpenAI stream convention); core adds
        the chunks' usage up, so each chunk carries only the increase and the
        aggregate equals the last report. ``None`` when nothing changed.
        """
        usage = usage_to_metadata(raw_usage, self.model_name)
        if usage is None or usage == self._usage_sent:
            return None
        sent, self._usage_sent = self._usage_sent, usage
        return usage if sent is None else subtract_usage(usage, sent)
