"""Response bodies and stream events -> LangChain messages, generations, usage.

Pure: plain ``dict``s (decoded JSON) in, LangChain objects out. Anything that is
not the shape the API documents raises `GradientResponseError` (or
`GradientStreamError` for events) with a message quoting what was wrong; no
``KeyError``/``TypeError``/``IndexError`` escapes.

Usage convention: ``usage_metadata["input_tokens"]`` always *includes* cached
tokens (LangChain's convention). Gradient reports ``prompt_tokens`` inclusive
for OpenAI-style backends and exclusive for Anthropic models; see
`reports_cache_separately`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call_chunk
from langchain_core.output_parsers.openai_tools import parse_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gradient.errors import GradientResponseError, GradientStreamError

__all__ = [
    "MODEL_PROVIDER",
    "StreamMapper",
    "chat_result",
    "derive_tool_call_id",
    "reports_cache_separately",
    "usage_to_metadata",
]

MODEL_PROVIDER = "gradient"
"""``response_metadata["model_provider"]``. Our own name: core has no translator
registered for it, so it keeps ``reasoning_content`` as a ``reasoning`` block."""

_QUOTE_LIMIT = 300


def _quote(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=repr)
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _text(value: Any) -> str:
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


# ---------------------------------------------------------------- usage


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
    if model.startswith("anthropic-"):
        return True
    return cache_read + cache_creation > prompt_tokens


def usage_to_metadata(usage: Any, model: str = "") -> UsageMetadata | None:
    """Map the API's ``usage`` object to LangChain's `UsageMetadata`.

    ``input_token_details`` gets ``cache_read`` (``cache_read_input_tokens``, or
    OpenAI's ``prompt_tokens_details.cached_tokens``) and ``cache_creation``
    (``cache_created_input_tokens``) when the response has them;
    ``output_token_details.reasoning`` comes from
    ``completion_tokens_details.reasoning_tokens`` when present.
    """
    if not isinstance(usage, dict):
        return None
    prompt = _as_int(usage.get("prompt_tokens")) or 0
    completion = _as_int(usage.get("completion_tokens")) or 0
    prompt_details = usage.get("prompt_tokens_details")
    cache_read = _as_int(usage.get("cache_read_input_tokens"))
    if cache_read is None and isinstance(prompt_details, dict):
        cache_read = _as_int(prompt_details.get("cached_tokens"))
    cache_creation = _as_int(usage.get("cache_created_input_tokens"))
    if cache_creation is None:
        cache_creation = _as_int(usage.get("cache_creation_input_tokens"))
    input_tokens = prompt
    if reports_cache_separately(model, prompt, cache_read or 0, cache_creation or 0, usage):
        input_tokens += (cache_read or 0) + (cache_creation or 0)
    result = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=completion,
        total_tokens=input_tokens + completion,
    )
    input_details: dict[str, int] = {}
    if cache_read is not None:
        input_details["cache_read"] = cache_read
    if cache_creation is not None:
        input_details["cache_creation"] = cache_creation
    if input_details:
        result["input_token_details"] = input_details  # type: ignore[typeddict-item]
    completion_details = usage.get("completion_tokens_details")
    if isinstance(completion_details, dict):
        reasoning = _as_int(completion_details.get("reasoning_tokens"))
        if reasoning is not None:
            result["output_token_details"] = {"reasoning": reasoning}
    return result


def _cache_creation_split(usage: Any) -> dict[str, Any] | None:
    split = usage.get("cache_creation") if isinstance(usage, dict) else None
    return split if isinstance(split, dict) else None


# ------------------------------------------------------------ tool calls


def derive_tool_call_id(seed: str, index: int) -> str:
    """A stable tool-call id for a call the API sent without one.

    The same response always yields the same id (recordings replay), and
    different responses yield different ids.
    """
    digest = hashlib.sha256(f"{seed}|{index}".encode()).hexdigest()
    return f"call_{digest[:24]}"


def _parse_tool_calls(raw_calls: Any, seed: str) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    if not isinstance(raw_calls, list):
        return calls, invalid
    for position, raw in enumerate(raw_calls):
        function = raw.get("function") if isinstance(raw, dict) else None
        if not isinstance(function, dict):
            invalid.append(
                invalid_tool_call(
                    name=None, args=_quote(raw), id=None, error="tool call has no function"
                )
            )
            continue
        call_id = raw.get("id") or derive_tool_call_id(seed, position)
        name = function.get("name") if isinstance(function.get("name"), str) else ""
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            arguments = json.dumps(arguments, ensure_ascii=False)
        elif arguments is not None and not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        normalized = {"id": call_id, "function": {"name": name, "arguments": arguments}}
        try:
            parsed = parse_tool_call(normalized, return_id=True)
        except OutputParserException as exc:
            invalid.append(invalid_tool_call(name=name, args=arguments, id=call_id, error=str(exc)))
            continue
        if parsed is None or not isinstance(parsed.get("args"), dict):
            invalid.append(
                invalid_tool_call(
                    name=name,
                    args=arguments,
                    id=call_id,
                    error="tool call arguments are not a JSON object",
                )
            )
            continue
        calls.append(parsed)  # type: ignore[arg-type]
    return calls, invalid


# ------------------------------------------------------- whole responses


def _base_metadata(body: Mapping[str, Any], requested_model: str) -> dict[str, Any]:
    model = body.get("model")
    metadata: dict[str, Any] = {
        "model_name": model if isinstance(model, str) and model else requested_model,
        "model_provider": MODEL_PROVIDER,
    }
    for key in ("id", "created", "system_fingerprint", "service_tier"):
        value = body.get(key)
        if value is not None and value != "":
            metadata[key] = value
    return metadata


def _seed(body: Mapping[str, Any], choice_index: int) -> str:
    return f"{body.get('id')}|{body.get('created')}|{body.get('model')}|{choice_index}"


def chat_result(body: Any, requested_model: str) -> ChatResult:
    """Map a ``chat.completion`` body to a `ChatResult` (one generation per choice).

    Raises:
        GradientResponseError: if the body is not a completion.
    """
    if not isinstance(body, dict):
        msg = f"expected a JSON object from /chat/completions, got {_quote(body)}"
        raise GradientResponseError(msg)
    if body.get("error"):
        msg = f"the API returned an error in a 200 response: {_quote(body['error'])}"
        raise GradientResponseError(msg)
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        msg = f"response has no choices: {_quote(body)}"
        raise GradientResponseError(msg)
    base = _base_metadata(body, requested_model)
    raw_usage = body.get("usage")
    usage = usage_to_metadata(raw_usage, base["model_name"])
    split = _cache_creation_split(raw_usage)
    if split is not None:
        base["cache_creation"] = split
    generations = []
    for position, choice in enumerate(choices):
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            msg = f"choice {position} has no message: {_quote(choice)}"
            raise GradientResponseError(msg)
        choice_index = _as_int(choice.get("index"))
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
    reasoning = raw.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        additional_kwargs["reasoning_content"] = reasoning
    refusal = raw.get("refusal")
    if isinstance(refusal, str) and refusal:
        additional_kwargs["refusal"] = refusal
    tool_calls, invalid = _parse_tool_calls(raw.get("tool_calls"), seed)
    return AIMessage(
        content=_text(raw.get("content")),
        additional_kwargs=additional_kwargs,
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        usage_metadata=usage,
        response_metadata=dict(base),
        id=base.get("id"),
    )


# --------------------------------------------------------------- streams


class StreamMapper:
    """Turns the events of one streamed response into generation chunks.

    Keeps the little state a stream needs: the tool-call index map (providers
    omit ``index``, reuse one index for several calls, or repeat ids and names on
    every fragment), the response's model and ids, and whether a
    ``finish_reason`` arrived.
    """

    __slots__ = (
        "_calls",
        "_last_call",
        "_metadata_sent",
        "_requested_model",
        "_seed",
        "_wire_index",
        "body",
        "finished",
    )

    def __init__(self, requested_model: str) -> None:
        self._requested_model = requested_model
        self.body: dict[str, Any] = {}
        self._calls: list[dict[str, Any]] = []
        self._wire_index: dict[int, int] = {}
        self._last_call: int | None = None
        self._metadata_sent = False
        self._seed = ""
        self.finished = False
        """Whether a ``finish_reason`` arrived."""

    def map(self, event: Any) -> ChatGenerationChunk | None:
        """Map one decoded ``data:`` event; ``None`` when it carries nothing.

        Raises:
            GradientStreamError: for an error event or an event of the wrong shape.
        """
        if not isinstance(event, dict):
            msg = f"stream event is not a JSON object: {_quote(event)}"
            raise GradientStreamError(msg)
        if event.get("error"):
            msg = f"the server reported an error mid-stream: {_quote(event['error'])}"
            raise GradientStreamError(msg)
        if not self.body:
            self.body = {k: event.get(k) for k in ("id", "created", "model", "system_fingerprint")}
            self._seed = _seed(self.body, 0)
        elif event.get("model") and not self.body.get("model"):
            self.body["model"] = event["model"]
        choices = event.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        raw_usage = event.get("usage")
        if choice is None and not isinstance(raw_usage, dict):
            return None
        if choice is not None and not isinstance(choice, dict):
            msg = f"stream choice is not an object: {_quote(choice)}"
            raise GradientStreamError(msg)
        delta = (choice or {}).get("delta") or {}
        if not isinstance(delta, dict):
            msg = f"stream delta is not an object: {_quote(delta)}"
            raise GradientStreamError(msg)
        content = delta.get("content")
        text = content if isinstance(content, str) else _text(content)
        additional_kwargs: dict[str, Any] = {}
        reasoning = delta.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning:
            additional_kwargs["reasoning_content"] = reasoning
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            additional_kwargs["refusal"] = refusal
        raw_calls = delta.get("tool_calls")
        call_chunks = self._tool_call_chunks(raw_calls) if raw_calls else []
        finish_reason = (choice or {}).get("finish_reason")
        logprobs = (choice or {}).get("logprobs")
        usage = None
        if isinstance(raw_usage, dict):
            usage = usage_to_metadata(raw_usage, self.model_name)
        if not (text or additional_kwargs or call_chunks or finish_reason or usage or logprobs):
            return None
        response_metadata: dict[str, Any] = {}
        info: dict[str, Any] | None = None
        if logprobs:
            response_metadata["logprobs"] = logprobs
        if finish_reason:
            self.finished = True
            info = {"finish_reason": finish_reason}
            response_metadata["finish_reason"] = finish_reason
            response_metadata.update(self._final_metadata())
        if usage is not None:
            split = _cache_creation_split(raw_usage)
            if split is not None:
                response_metadata["cache_creation"] = split
            if not self._metadata_sent:
                response_metadata.update(self._final_metadata())
        message = AIMessageChunk(
            content=text,
            additional_kwargs=additional_kwargs,
            tool_call_chunks=call_chunks,
            usage_metadata=usage,
            response_metadata=response_metadata,
        )
        return ChatGenerationChunk(message=message, generation_info=info)

    def finish(self) -> ChatGenerationChunk | None:
        """A closing chunk carrying ``model_name`` if no event carried it."""
        if self._metadata_sent or not self.body:
            return None
        return ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata=self._final_metadata())
        )

    @property
    def model_name(self) -> str:
        model = self.body.get("model")
        return model if isinstance(model, str) and model else self._requested_model

    def _final_metadata(self) -> dict[str, Any]:
        self._metadata_sent = True
        return _base_metadata(self.body, self._requested_model)

    def _tool_call_chunks(self, raw_calls: Any) -> list[ToolCallChunk]:
        if not isinstance(raw_calls, list):
            msg = f"delta.tool_calls is not a list: {_quote(raw_calls)}"
            raise GradientStreamError(msg)
        chunks = []
        for raw in raw_calls:
            if not isinstance(raw, dict):
                msg = f"tool call fragment is not an object: {_quote(raw)}"
                raise GradientStreamError(msg)
            function = raw.get("function") or {}
            if not isinstance(function, dict):
                msg = f"tool call fragment has a bad function: {_quote(raw)}"
                raise GradientStreamError(msg)
            call_id = raw.get("id") if isinstance(raw.get("id"), str) and raw["id"] else None
            name = function.get("name") if isinstance(function.get("name"), str) else None
            arguments = function.get("arguments")
            if isinstance(arguments, dict):
                arguments = json.dumps(arguments, ensure_ascii=False)
            elif arguments is not None and not isinstance(arguments, str):
                arguments = json.dumps(arguments)
            index = self._call_index(_as_int(raw.get("index")), call_id)
            call = self._calls[index]
            # Send id and name once per call: repeated copies would be merged
            # into the aggregate by string concatenation.
            out_id = None
            if not call["id_sent"]:
                out_id = call_id or derive_tool_call_id(self._seed, index)
                call["id_sent"] = True
            out_name = None
            if name and not call["name_sent"]:
                out_name = name
                call["name_sent"] = True
            chunks.append(
                tool_call_chunk(name=out_name, args=arguments or None, id=out_id, index=index)
            )
        return chunks

    def _call_index(self, wire_index: int | None, call_id: str | None) -> int:
        known_by_id = next(
            (i for i, call in enumerate(self._calls) if call_id and call["id"] == call_id),
            None,
        )
        if known_by_id is not None:
            index = known_by_id
        elif wire_index is not None and wire_index in self._wire_index:
            index = self._wire_index[wire_index]
            if call_id and self._calls[index]["id"] not in (None, call_id):
                index = self._new_call(call_id)  # a provider reusing one index
        elif wire_index is None and call_id is None and self._last_call is not None:
            index = self._last_call
        else:
            index = self._new_call(call_id)
        if wire_index is not None:
            self._wire_index[wire_index] = index
        if call_id and self._calls[index]["id"] is None:
            self._calls[index]["id"] = call_id
        self._last_call = index
        return index

    def _new_call(self, call_id: str | None) -> int:
        self._calls.append({"id": call_id, "id_sent": False, "name_sent": False})
        return len(self._calls) - 1
