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
    ToolCallChunk,
)
from langchain_core.messages.ai import UsageMetadata, subtract_usage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gradient._chunks import text_chunk, tool_chunk
from langchain_gradient._compat import MODEL_PROVIDER
from langchain_gradient._tool_calls import (
    arguments_text,
    derive_tool_call_id,
    id_of_call,
    parse_arguments,
    parse_tool_calls,
    release_arguments,
)
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

    Keeps the little state a stream needs: the tool-call index map (providers
    omit ``index``, reuse one index for several calls, or repeat ids and names on
    every fragment), the response's model and ids, whether a ``finish_reason``
    arrived, and what was already emitted.

    Core merges chunks by concatenating strings and adding numbers, so anything
    sent twice would be doubled in the aggregate (``"stopstop"``). Each
    response-level field (``model_name``, ``id``, ``system_fingerprint``,
    ``service_tier``, ``created``) and ``finish_reason`` is therefore emitted
    exactly once, and usage is emitted as the increase over what was already
    sent (servers may report usage on several chunks, cumulatively).
    """

    __slots__ = (
        "_calls",
        "_emitted",
        "_last_call",
        "_missing",
        "_requested_model",
        "_seed",
        "_usage_sent",
        "_wire_index",
        "body",
        "finished",
    )

    def __init__(self, requested_model: str) -> None:
        self._requested_model = requested_model
        self.body: dict[str, Any] = {}
        """The response-level fields seen so far (the first value of each wins)."""
        self._missing: tuple[str, ...] = _STREAM_FIELDS
        """The response-level fields with no value yet."""
        self._calls: list[dict[str, Any]] = []
        self._wire_index: dict[int, int] = {}
        self._last_call: int | None = None
        self._emitted: set[str] = set()
        self._usage_sent: UsageMetadata | None = None
        self._seed = ""
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
        if self.body and (delta := self._simple_delta(event)) is not None:
            return self._simple_chunk(event, delta)
        first = not self.body
        self._remember_response_fields(event)
        if first:
            self._seed = _seed(event, 0)
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
        raw_calls = delta.get("tool_calls")
        call_chunks = self._tool_call_chunks(raw_calls) if raw_calls else []
        finish_reason = (choice or {}).get("finish_reason")
        if finish_reason:
            call_chunks = call_chunks + self._flush_held_arguments()
            if self.finished:  # a repeated finish_reason is not sent again
                finish_reason = None
        logprobs = (choice or {}).get("logprobs")
        if logprobs is not None and not isinstance(logprobs, dict):
            # Chunks are merged key by key; a list or string here would make
            # the merge fail with a TypeError far from its cause.
            msg = f"stream choice logprobs is not an object: {quote(logprobs)}"
            raise GradientStreamError(msg)
        usage = self._usage_increase(raw_usage)
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
        message = AIMessageChunk(
            content=text,
            response_metadata=response_metadata,
            **_set_fields(
                additional_kwargs=additional_kwargs,
                tool_call_chunks=call_chunks,
                usage_metadata=usage,
                name=name,
            ),
        )
        if info is None:
            return ChatGenerationChunk(message=message)
        return ChatGenerationChunk(message=message, generation_info=info)

    def _simple_delta(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The delta of an event the fast path may map, else ``None``.

        Most events of a stream carry one piece of text or one tool-call
        fragment and nothing else: no ``finish_reason``, logprobs, usage,
        reasoning or refusal. Only reads the event; the first event of a
        stream (it seeds the response fields) always takes the general path.
        """
        choices = event.get("choices")
        if type(choices) is not list or not choices:
            return None
        choice = choices[0]
        if type(choice) is not dict:
            return None
        delta = choice.get("delta")
        if type(delta) is not dict:
            return None
        content = delta.get("content")
        if (
            (content is not None and type(content) is not str)
            or choice.get("finish_reason")
            or choice.get("logprobs") is not None
            or event.get("usage") is not None
            or delta.get("reasoning_content")
            or delta.get("reasoning")
            or delta.get("refusal")
            or delta.get("name")
        ):
            return None
        return delta

    def _simple_chunk(
        self, event: dict[str, Any], delta: dict[str, Any]
    ) -> ChatGenerationChunk | None:
        """What the general path makes of a `_simple_delta` event, with fewer steps.

        A property test checks the two paths give equal chunks on generated
        streams. Chunks are copies of a validated template (`_chunks`).
        """
        if self._missing:
            self._remember_response_fields(event)
        text = delta.get("content") or ""
        raw_calls = delta.get("tool_calls")
        if not raw_calls:
            return text_chunk(text) if text else None
        call_chunks = self._continued_arguments(raw_calls) or self._tool_call_chunks(raw_calls)
        if not call_chunks:
            return text_chunk(text) if text else None
        return tool_chunk(text, call_chunks)

    def _continued_arguments(self, raw_calls: Any) -> list[ToolCallChunk] | None:
        """The chunk of a fragment that only continues a call's arguments, else ``None``.

        The usual tool-call fragment (``{"index": 0, "function": {"arguments":
        "..."}}``) belongs to a call already seen at that index, whose id went
        out and whose arguments already flow: `_tool_call_chunks` would reach
        the same chunk through every one of its checks.
        """
        if type(raw_calls) is not list or len(raw_calls) != 1:
            return None
        raw = raw_calls[0]
        if type(raw) is not dict or raw.get("id") is not None:
            return None
        function, wire = raw.get("function"), raw.get("index")
        if type(function) is not dict or type(wire) is not int or function.get("name") is not None:
            return None
        index = self._wire_index.get(wire)
        fragment = function.get("arguments")
        if index is None or type(fragment) is not str or not fragment:
            return None
        call = self._calls[index]
        if not (call["flowing"] and call["id_sent"]):
            return None
        call["text"].append(fragment)
        self._last_call = index
        return [tool_call_chunk(name=None, args=fragment, id=None, index=index)]

    def finish(self) -> ChatGenerationChunk | None:
        """The closing chunk, if one is needed.

        It carries the response fields no chunk carried yet (``model_name`` when
        no event had a finish or usage), and any tool-call argument text still
        held back.
        """
        held = self._flush_held_arguments()
        metadata = self._unsent_metadata() if self.body else {}
        metadata.update(self._invalid_calls_metadata())
        if not metadata and not held:
            return None
        return ChatGenerationChunk(
            message=AIMessageChunk(content="", tool_call_chunks=held, response_metadata=metadata)
        )

    def _flush_held_arguments(self) -> list[ToolCallChunk]:
        """Argument text held back as a possible ``null`` that never became one.

        A stream that stops at ``"nu"`` must leave an invalid call, not ``{}``.
        """
        chunks = []
        for index, call in enumerate(self._calls):
            held = call.get("held") or ""
            if held.strip() not in ("", "null"):
                call["held"] = ""
                call["flowing"] = True
                chunks.append(tool_call_chunk(name=None, args=held, id=None, index=index))
        return chunks

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
        invalid = []
        for call in self._calls:
            text = "".join(call["text"])
            args, error = parse_arguments(text)
            if args is not None and call["name"]:
                continue
            invalid.append(
                {
                    "name": call["name"],
                    "args": text,
                    "id": call["sent_id"],
                    "error": error or "tool call has no function name",
                    "type": "invalid_tool_call",
                }
            )
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

    def _tool_call_chunks(self, raw_calls: Any) -> list[ToolCallChunk]:
        """Tool-call fragments -> chunks core aggregates into the right calls.

        Every chunk gets an integer index of our own (core merges fragments by
        index and loses fragments without one). Each call's id and name are sent
        once, because core concatenates repeated strings. An argument prefix
        that may still become ``null`` is held back, so that ``"null"``
        arguments aggregate to ``{}`` rather than to an invalid call.
        """
        if not isinstance(raw_calls, list):
            msg = f"delta.tool_calls is not a list: {quote(raw_calls)}"
            raise GradientStreamError(msg)
        chunks = []
        for raw in raw_calls:
            if not isinstance(raw, dict):
                msg = f"tool call fragment is not an object: {quote(raw)}"
                raise GradientStreamError(msg)
            function = raw.get("function") or {}
            if not isinstance(function, dict):
                msg = f"tool call fragment has a bad function: {quote(raw)}"
                raise GradientStreamError(msg)
            call_id = id_of_call(raw.get("id"))
            name = function.get("name") if isinstance(function.get("name"), str) else None
            index = self._call_index(as_int(raw.get("index")), call_id, name or None)
            call = self._calls[index]
            out_id = None
            if not call["id_sent"]:
                seed = f"{self._seed}|{name or ''}"
                out_id = call_id or derive_tool_call_id(seed, index)
                call["id_sent"] = True
                call["sent_id"] = out_id
            out_name = None
            if name and not call["name_sent"]:
                out_name = name
                call["name_sent"] = True
            fragment = arguments_text(function.get("arguments"))
            if fragment:
                call["text"].append(fragment)
            args = release_arguments(call, fragment)
            if out_id is None and out_name is None and args is None:
                continue
            chunks.append(tool_call_chunk(name=out_name, args=args, id=out_id, index=index))
        return chunks

    def _call_index(self, wire_index: int | None, call_id: str | None, name: str | None) -> int:
        """Which call a fragment belongs to (our index, in order of appearance).

        A known id wins. Otherwise the wire index decides, unless the fragment
        brings a different id or a different name than that index's call (a
        provider reusing one index for several calls). A fragment with neither
        index nor id continues the latest call, unless it names another tool.
        """
        if call_id is not None:
            for position, known in enumerate(self._calls):
                if known["id"] == call_id:
                    return self._remember(position, wire_index, call_id, name)
        if wire_index is not None and wire_index in self._wire_index:
            candidate: int | None = self._wire_index[wire_index]
        elif wire_index is None and call_id is None:
            candidate = self._last_call
        else:
            candidate = None
        if candidate is not None:
            known = self._calls[candidate]
            if (call_id is not None and known["id"] not in (None, call_id)) or (
                name is not None and known["name"] not in (None, name)
            ):
                candidate = None
        index = self._new_call() if candidate is None else candidate
        return self._remember(index, wire_index, call_id, name)

    def _remember(
        self, index: int, wire_index: int | None, call_id: str | None, name: str | None
    ) -> int:
        call = self._calls[index]
        if call_id is not None and call["id"] is None:
            call["id"] = call_id
        if name is not None and call["name"] is None:
            call["name"] = name
        if wire_index is not None:
            self._wire_index[wire_index] = index
        self._last_call = index
        return index

    def _new_call(self) -> int:
        self._calls.append(
            {
                "id": None,
                "name": None,
                "id_sent": False,
                "name_sent": False,
                "held": "",
                "flowing": False,
                "text": [],
                "sent_id": None,
            }
        )
        return len(self._calls) - 1
