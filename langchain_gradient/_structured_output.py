"""``with_structured_output``, per method.

The request side (a forced tool or ``response_format``) and the parsing side
(langchain_core output parsers, tightened so that a reply which does not
follow the schema raises `OutputParserException` instead of parsing to
``None``, when invoked and at the end of a stream alike). Before any parse of
the whole reply, two outcomes are checked that the text alone cannot show: a
reply cut off (``finish_reason`` ``length`` or ``content_filter``) raises
`GradientTruncatedOutputError`, a refusal raises `GradientRefusalError`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, get_args

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.output_parsers.transform import BaseCumulativeTransformOutputParser
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.runnables import Runnable, RunnableGenerator
from langchain_core.runnables.utils import AddableDict
from langchain_core.utils.json import parse_json_markdown
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_gradient._compat import refusal_of
from langchain_gradient._schema_forms import function_definition
from langchain_gradient._tool_calls import parse_tool_calls
from langchain_gradient._tools import format_tool
from langchain_gradient.errors import (
    GradientContentFilterError,
    GradientInvalidInputError,
    GradientRefusalError,
    GradientTruncatedOutputError,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.output_parsers import BaseOutputParser

__all__ = [
    "DEFAULT_METHOD",
    "StructuredOutputMethod",
    "response_format_body",
    "structured_output_runnable",
]

StructuredOutputMethod = Literal["function_calling", "json_schema", "json_mode"]

DEFAULT_METHOD: StructuredOutputMethod = "function_calling"
"""Gradient documents ``tools``/``tool_choice`` for chat completions, but not
``response_format``, so a forced tool call is the method that works on every
tool-capable model."""


def structured_output_runnable(
    model: BaseChatModel,
    schema: Any,
    *,
    method: StructuredOutputMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, Any]:
    """Build the ``model -> parser`` runnable for one structured-output method.

    Args:
        model: The chat model.
        schema: A Pydantic (v2 or v1) class, a ``TypedDict`` class, a JSON
            schema / function dict, or an OpenAI response-format dict
            (`_schema_forms`); optional for ``json_mode``.
        method: ``"function_calling"``, ``"json_schema"`` or ``"json_mode"``.
        include_raw: Return ``{"raw", "parsed", "parsing_error"}``; parse
            failures are then reported in ``parsing_error``, never raised.
        strict: Sent as ``function.strict`` / ``json_schema.strict`` when set.

    Raises:
        GradientInvalidInputError: for an unknown method, a missing schema, a
            schema that cannot be converted or holds no parameter schema, or
            ``strict`` with ``json_mode``.
    """
    if method not in get_args(StructuredOutputMethod):
        msg = (
            f"unknown structured output method {method!r}; use 'function_calling', "
            "'json_schema' or 'json_mode'"
        )
        raise GradientInvalidInputError(msg)
    if schema is None and method != "json_mode":
        msg = f"with_structured_output(method={method!r}) needs a schema"
        raise GradientInvalidInputError(msg)
    if strict is not None and method == "json_mode":
        msg = "strict applies to 'function_calling' and 'json_schema', not 'json_mode'"
        raise GradientInvalidInputError(msg)
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    if schema is not None and method != "json_mode":
        # Dict forms (response formats included) become one function
        # definition; classes are converted by the tool helpers as they are.
        definition, strict = function_definition(schema, strict)
        if isinstance(schema, Mapping):
            schema = definition
    trace = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    parser: BaseOutputParser[Any]
    bound: Runnable[LanguageModelInput, Any]
    if method == "function_calling":
        tool = format_tool(schema, strict=strict)
        name = tool["function"]["name"]
        bound = model.bind_tools(
            [tool], tool_choice=name, strict=strict, ls_structured_output_format=trace
        )
        if is_pydantic:
            parser = _PydanticToolParser(tools=[schema], tool_name=name, first_tool_only=True)
        else:
            parser = _JsonToolParser(key_name=name, first_tool_only=True)
    else:
        if method == "json_mode":
            response_format: dict[str, Any] = {"type": "json_object"}
        else:
            response_format = {"type": "json_schema", "json_schema": _json_schema(schema, strict)}
        bound = model.bind(response_format=response_format, ls_structured_output_format=trace)
        if is_pydantic:
            parser = _PydanticContentParser(pydantic_object=schema)
        else:
            parser = _JsonContentParser()
    if not include_raw:
        return bound | parser
    return bound | _with_raw(parser)


def response_format_body(value: Any, strict: bool | None = None) -> dict[str, Any]:
    """A ``response_format`` (bound, or passed to one call) as the API takes it.

    ``ChatOpenAI`` users pass the API's own dicts (``{"type": "json_object"}``,
    ``{"type": "json_schema", "json_schema": {...}}``), sent as they are, or a
    schema: a Pydantic or ``TypedDict`` class, a JSON schema, or a
    ``json_schema`` body (``{"name": ..., "schema": {...}}``), which becomes
    ``{"type": "json_schema", "json_schema": {...}}``. A Pydantic class is
    strict unless ``strict=False``, as the OpenAI SDK sends one.

    Raises:
        GradientInvalidInputError: for a value that is none of these.
    """
    if isinstance(value, Mapping):
        kind = value.get("type")
        if kind in ("json_object", "text") or (
            kind == "json_schema" and isinstance(value.get("json_schema"), Mapping)
        ):
            return dict(value)
    if strict is None and isinstance(value, type) and is_basemodel_subclass(value):
        strict = True
    try:
        definition, strict = function_definition(value, strict)
    except GradientInvalidInputError as exc:
        msg = str(exc).replace("with_structured_output:", "response_format:", 1)
        raise GradientInvalidInputError(msg) from exc
    schema = definition if isinstance(value, Mapping) else value
    return {"type": "json_schema", "json_schema": _json_schema(schema, strict)}


def _json_schema(schema: Any, strict: bool | None) -> dict[str, Any]:
    """``response_format.json_schema``: name, description, schema, strict."""
    function = format_tool(schema, strict=strict)["function"]
    result: dict[str, Any] = {"name": function["name"]}
    if function.get("description"):
        result["description"] = function["description"]
    result["schema"] = function.get("parameters") or {"type": "object", "properties": {}}
    if strict is not None:
        result["strict"] = strict
    return result


# ----------------------------------------------------------------- parsers


class _FinalParse(BaseCumulativeTransformOutputParser[Any]):
    """Streams progressive partial objects, then parses the whole reply once.

    Core's cumulative parsers only ever parse partially while streaming, so a
    reply that never becomes valid ends the stream silently. Here the complete
    reply is parsed strictly at the end: its object is yielded if it differs
    from the last partial one, and a failure raises as ``invoke`` would.

    Every parse of a whole reply (invoke, the end of a stream, include_raw)
    first checks for a refusal and a cut-off reply (`_check_outcome`).
    """

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        message = _message_of(result)
        if message is not None and refusal_of(message) is not None:
            if partial:
                return None  # the refusal is raised once, with its whole text
            raise _refusal_error(message)
        if not partial:
            if message is not None:
                _check_finished(message)
            self._check_whole(result)
        return super().parse_result(result, partial=partial)

    def _check_whole(self, result: list[Generation]) -> None:
        """Raise if the complete reply misses what the method needs (default: nothing)."""

    def _transform(self, input: Iterator[str | BaseMessage]) -> Iterator[Any]:
        seen: list[str | BaseMessage] = []
        last = None
        for last in super()._transform(_recorded(input, seen)):
            yield last
        final = self._parse_whole(seen)
        if final is not None and final != last:
            yield final

    async def _atransform(self, input: AsyncIterator[str | BaseMessage]) -> AsyncIterator[Any]:
        seen: list[str | BaseMessage] = []
        last = None
        async for last in super()._atransform(_arecorded(input, seen)):
            yield last
        final = self._parse_whole(seen)
        if final is not None and final != last:
            yield final

    def _parse_whole(self, seen: list[str | BaseMessage]) -> Any:
        message = _complete_message(seen)
        if message is None:
            return None
        return self.parse_result([ChatGeneration(message=message)], partial=False)


def _complete_message(seen: Sequence[str | BaseMessage]) -> BaseMessage | None:
    """The whole reply from what a stream delivered, tool calls parsed strictly.

    An aggregated chunk's ``tool_calls`` come from core's *partial* JSON parser,
    which completes truncated arguments (``{"a": "x`` reads as ``{"a": "x"}``);
    here the arguments are parsed as the complete reply they are, with the
    same rules as a non-streamed response.
    """
    message: BaseMessage | None = None
    for item in seen:
        part = AIMessageChunk(content=item) if isinstance(item, str) else item
        if isinstance(message, BaseMessageChunk) and isinstance(part, BaseMessageChunk):
            message = message + part
        else:
            # A whole message (not a chunk) is the complete reply by itself.
            message = part
    if not isinstance(message, AIMessageChunk) or not message.tool_call_chunks:
        return message
    raw_calls = [
        {"id": c.get("id"), "function": {"name": c.get("name"), "arguments": c.get("args")}}
        for c in message.tool_call_chunks
    ]
    calls, invalid = parse_tool_calls(raw_calls, message.id or "")
    return AIMessage(
        content=message.content,
        additional_kwargs=message.additional_kwargs,
        response_metadata=message.response_metadata,
        usage_metadata=message.usage_metadata,
        tool_calls=calls,
        invalid_tool_calls=invalid,
        id=message.id,
    )


def _with_raw(parser: BaseOutputParser[Any]) -> Runnable[Any, dict[str, Any]]:
    """``{"raw", "parsed", "parsing_error"}``: never raises on a parse failure.

    Streams ``{"raw": chunk}`` as chunks arrive, then one
    ``{"parsed", "parsing_error"}`` from parsing the whole reply.
    """

    def outcome(seen: list[Any]) -> AddableDict:
        try:
            message = _complete_message(seen)
            parsed = parser.invoke(message) if message is not None else None
        except Exception as exc:  # reported in parsing_error, as include_raw promises
            return AddableDict(parsed=None, parsing_error=exc)
        return AddableDict(parsed=parsed, parsing_error=None)

    def transform(chunks: Iterator[Any]) -> Iterator[AddableDict]:
        seen: list[Any] = []
        for item in chunks:
            seen.append(item)
            yield AddableDict(raw=item)
        yield outcome(seen)

    async def atransform(chunks: AsyncIterator[Any]) -> AsyncIterator[AddableDict]:
        seen: list[Any] = []
        async for item in chunks:
            seen.append(item)
            yield AddableDict(raw=item)
        yield outcome(seen)

    return RunnableGenerator(transform, atransform, name="parse_with_raw")


def _recorded(
    items: Iterator[str | BaseMessage], seen: list[str | BaseMessage]
) -> Iterator[str | BaseMessage]:
    for item in items:
        seen.append(item)
        yield item


async def _arecorded(
    items: AsyncIterator[str | BaseMessage], seen: list[str | BaseMessage]
) -> AsyncIterator[str | BaseMessage]:
    async for item in items:
        seen.append(item)
        yield item


def _message_of(result: list[Generation]) -> AIMessage | None:
    generation = result[0] if result else None
    message = generation.message if isinstance(generation, ChatGeneration) else None
    return message if isinstance(message, AIMessage) else None


_CUT_OFF = {
    "length": (
        "the reply was cut off by the token limit (finish_reason='length'), so the "
        "structured output is incomplete; raise max_tokens (or max_completion_tokens)"
    ),
    "content_filter": (
        "the reply was stopped by the provider's content filter "
        "(finish_reason='content_filter'), so the structured output is incomplete"
    ),
}


def _check_finished(message: AIMessage) -> None:
    """Raise `GradientTruncatedOutputError` if the reply did not end on its own.

    A content filter's stop is `GradientContentFilterError`: also core's
    ``ModelRefusalError``, as ``ChatOpenAI`` raises for it.
    """
    finish_reason = message.response_metadata.get("finish_reason")
    if finish_reason == "content_filter":
        raise GradientContentFilterError(
            _CUT_OFF[finish_reason], llm_output=_raw_output(message), raw_message=message
        )
    if isinstance(finish_reason, str) and finish_reason in _CUT_OFF:
        raise GradientTruncatedOutputError(
            _CUT_OFF[finish_reason], finish_reason=finish_reason, llm_output=_raw_output(message)
        )


def _raw_output(message: AIMessage) -> str:
    """What the model sent: its text, or the arguments of its tool calls."""
    if message.text:
        return message.text
    args = [call.get("args") or "" for call in message.invalid_tool_calls]
    if isinstance(message, AIMessageChunk):
        args += [chunk.get("args") or "" for chunk in message.tool_call_chunks]
    return "".join(args) or "".join(str(call["args"]) for call in message.tool_calls)


def _refusal_error(message: AIMessage) -> GradientRefusalError:
    refusal = refusal_of(message) or ""
    return GradientRefusalError(
        f"the model refused to produce the requested output: {refusal}",
        refusal=refusal,
        raw_message=message,
    )


def _require_tool_call(result: list[Generation], name: str) -> None:
    """Raise unless the reply holds a well-formed call of the tool ``name``."""
    message = _message_of(result)
    if message is None:
        return
    # A streamed reply lists the calls whose whole arguments did not parse
    # here; its tool_calls hold core's partial-JSON reading of them.
    streamed_invalid = message.response_metadata.get("invalid_tool_calls") or []
    invalid_ids = {invalid.get("id") for invalid in streamed_invalid}
    if any(
        call["name"] == name and call.get("id") not in invalid_ids for call in message.tool_calls
    ):
        return
    for invalid in [*message.invalid_tool_calls, *streamed_invalid]:
        if invalid.get("name") == name:
            msg = (
                f"the model called {name!r} with arguments that are not a JSON "
                f"object: {invalid.get('error')}"
            )
            raise OutputParserException(msg, llm_output=invalid.get("args") or "")
    called = [call["name"] for call in message.tool_calls]
    msg = f"the model did not call {name!r}" + (
        f" (it called {', '.join(called)})" if called else ""
    )
    raise OutputParserException(msg, llm_output=message.text)


class _PydanticToolParser(_FinalParse, PydanticToolsParser):
    tool_name: str

    def _check_whole(self, result: list[Generation]) -> None:
        _require_tool_call(result, self.tool_name)


class _JsonToolParser(_FinalParse, JsonOutputKeyToolsParser):
    def _check_whole(self, result: list[Generation]) -> None:
        _require_tool_call(result, self.key_name)


_strict_json = partial(json.loads, strict=False)


def _require_json_text(result: list[Generation]) -> None:
    """Raise unless the reply's text is one complete JSON value (fences allowed).

    Core's JSON parser completes unterminated text (``{"a": "x`` reads as
    ``{"a": "x"}``) even for a whole reply; a whole reply must be valid as is.
    """
    text = result[0].text if result else ""
    try:
        parse_json_markdown(text, parser=_strict_json)
    except ValueError as exc:
        msg = f"the reply is not valid JSON: {exc}"
        raise OutputParserException(msg, llm_output=text) from exc


class _PydanticContentParser(_FinalParse, PydanticOutputParser):  # type: ignore[type-arg]
    def _check_whole(self, result: list[Generation]) -> None:
        _require_json_text(result)


class _JsonContentParser(_FinalParse, JsonOutputParser):
    def _check_whole(self, result: list[Generation]) -> None:
        _require_json_text(result)
