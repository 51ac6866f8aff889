"""Streamed chunks built from a validated template instead of validated anew.

A stream of 2,000 pieces builds 2,000 `AIMessageChunk` and 2,000
`ChatGenerationChunk` objects, and their pydantic validation is most of the
adapter's own cost per chunk. The chunks of a stream differ only in their text
and tool-call fragments, so one chunk is validated the ordinary way (the
template) and the others are copies of it with those fields set and fresh
containers: the same field values, the same ``model_fields_set``, equal
(``==``) to a validated chunk. For fragments, core's own after-validators run
on the copy, as validation would run them (they derive ``tool_calls``).

The copies skip validation, so the templates are checked once, on first use,
against ordinary construction (text and fragment probes), and core's list of
validators must be the one known here. If a langchain-core version builds
chunks differently, the check fails and every chunk is validated as before.
A property test compares both ways on generated streams.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessageChunk, ToolCallChunk
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk
from pydantic import BaseModel

from langchain_gradient._compat import MODEL_PROVIDER

__all__ = ["text_chunk", "tool_chunk"]


class _Template:
    """A validated instance whose copies differ in the fields given to `make`."""

    __slots__ = ("_extra", "_fields_set", "_model", "_mutable", "_private", "_values")

    def __init__(self, instance: BaseModel, given: tuple[str, ...]) -> None:
        """Template ``instance``; every copy is given new values for ``given``."""
        self._model = type(instance)
        self._values = dict(instance.__dict__)
        self._fields_set = frozenset(instance.__pydantic_fields_set__)
        self._extra = instance.__pydantic_extra__
        self._private = instance.__pydantic_private__
        # Containers are never shared between chunks: each copy gets new ones.
        self._mutable = tuple(
            (name, type(value))
            for name, value in self._values.items()
            if isinstance(value, (list, dict)) and name not in given
        )

    def usable(self) -> bool:
        """Whether copies can stand for validated instances.

        They can when the template has no extra fields or private state and
        every container it holds is empty (renewing it then loses nothing).
        """
        return (
            not self._extra
            and not self._private
            and all(not self._values[name] for name, _ in self._mutable)
        )

    def make(self, values: dict[str, Any]) -> Any:
        instance = self._model.__new__(self._model)
        state = self._values.copy()
        for name, container in self._mutable:
            state[name] = container()
        state.update(values)
        object.__setattr__(instance, "__dict__", state)
        object.__setattr__(instance, "__pydantic_fields_set__", set(self._fields_set))
        object.__setattr__(instance, "__pydantic_extra__", None if self._extra is None else {})
        object.__setattr__(instance, "__pydantic_private__", None if self._private is None else {})
        return instance


def _validated_text_chunk(text: str) -> AIMessageChunk:
    return AIMessageChunk(content=text, response_metadata={"model_provider": MODEL_PROVIDER})


def _validated_generation_chunk(message: AIMessageChunk) -> ChatGenerationChunk:
    return ChatGenerationChunk(message=message)


def _same(copy: BaseModel, validated: BaseModel) -> bool:
    return (
        type(copy) is type(validated)
        and copy == validated
        and copy.model_fields_set == validated.model_fields_set
        and copy.__dict__.keys() == validated.__dict__.keys()
    )


def _validated_tool_chunk(text: str, call_chunks: list[ToolCallChunk]) -> AIMessageChunk:
    message = AIMessageChunk(content=text, tool_call_chunks=call_chunks)
    message.response_metadata = {"model_provider": MODEL_PROVIDER}
    return message


def _after_validators() -> list[Callable[[AIMessageChunk], Any]] | None:
    """Core's after-validators of `AIMessageChunk`, in order; ``None`` if there is more.

    Copies with tool-call fragments run them (core derives ``tool_calls`` from
    the fragments there). Its one before-validator only rebuilds fragments that
    `tool_call_chunk` already built; any other validator makes copies unsafe.
    """
    decorators = AIMessageChunk.__pydantic_decorators__
    if decorators.field_validators or decorators.validators or decorators.root_validators:
        return None
    after = []
    for name, decorator in decorators.model_validators.items():
        if decorator.info.mode == "after":
            after.append(decorator.func)
        elif name != "_backwards_compat_tool_calls":
            return None
    return after


_PROBE_CALLS = (
    [tool_call_chunk(name="f", args='{"a": "x', id="call_1", index=0)],
    [tool_call_chunk(name=None, args='1, "b": [', id=None, index=0)],
    [tool_call_chunk(name=None, args="}", id=None, index=1)],
)


class _Factory:
    """Templates for the two chunk types, checked before first use."""

    def __init__(self) -> None:
        message = _validated_text_chunk("")
        self.message = _Template(message, given=("content", "response_metadata"))
        self.generation = _Template(_validated_generation_chunk(message), given=("message", "text"))
        probe = "probe \u2028 text"
        self.ok = (
            self.message.usable()
            and self.generation.usable()
            and _same(self.text(probe), _validated_text_chunk(probe))
            and _same(
                self.wrap(self.text(probe)),
                _validated_generation_chunk(_validated_text_chunk(probe)),
            )
        )
        self.after = _after_validators() if self.ok else None
        if self.after is not None and not all(
            _same(self.tool(probe, list(calls)), _validated_tool_chunk(probe, list(calls)))
            for calls in _PROBE_CALLS
        ):
            self.after = None

    def tool(self, text: str, call_chunks: list[ToolCallChunk]) -> AIMessageChunk:
        message = self.text(text)
        message.tool_call_chunks = call_chunks
        for validator in self.after or ():
            validator(message)
        return message

    def text(self, text: str) -> AIMessageChunk:
        message: AIMessageChunk = self.message.make(
            {"content": text, "response_metadata": {"model_provider": MODEL_PROVIDER}}
        )
        return message

    def wrap(self, message: AIMessageChunk) -> ChatGenerationChunk:
        generation: ChatGenerationChunk = self.generation.make(
            {"message": message, "text": message.content}
        )
        return generation


_factory: _Factory | None = None


def _get_factory() -> _Factory:
    global _factory  # noqa: PLW0603 - built on first use, not at import
    if _factory is None:
        _factory = _Factory()
    return _factory


def text_chunk(text: str) -> ChatGenerationChunk:
    """The chunk of one piece of streamed text, as the mapper would validate it.

    ``response_metadata`` is ``{"model_provider": "gradient"}``; nothing else is set.
    """
    factory = _get_factory()
    if not factory.ok:
        return _validated_generation_chunk(_validated_text_chunk(text))
    return factory.wrap(factory.text(text))


def tool_chunk(text: str, call_chunks: list[ToolCallChunk]) -> ChatGenerationChunk:
    """The chunk of tool-call fragments (and text), as the mapper would validate it.

    Core's own after-validators derive ``tool_calls`` / ``invalid_tool_calls``
    from the fragments, exactly as validation would.
    """
    factory = _get_factory()
    if factory.after is None:
        return _validated_generation_chunk(_validated_tool_chunk(text, call_chunks))
    return factory.wrap(factory.tool(text, call_chunks))
