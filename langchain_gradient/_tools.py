"""Tools and ``tool_choice`` -> the API's ``tools`` / ``tool_choice`` fields.

Pure functions used by `ChatGradient.bind_tools` and structured output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_function

from langchain_gradient._redaction import seal_tool
from langchain_gradient._request import check_tool_name
from langchain_gradient.errors import GradientInvalidInputError

__all__ = ["format_tool", "format_tool_choice", "format_tools", "tool_name"]

# Keys that make a dict a function definition in some dialect (OpenAI function,
# JSON schema, Anthropic ``input_schema``, Bedrock ``toolSpec``) rather than a
# server-side tool the platform runs itself.
_DEFINITION_KEYS = ("function", "parameters", "properties", "input_schema", "toolSpec")
# ``type`` values that still describe a function: an OpenAI tool, or a JSON schema.
_FUNCTION_TYPES = (None, "function", "object")
_CHOICE_KEYWORDS = ("auto", "none", "required")


def format_tools(tools: Sequence[Any], *, strict: bool | None = None) -> list[dict[str, Any]]:
    """Convert every tool to the API's tool format (see `format_tool`).

    Raises:
        GradientInvalidInputError: if ``tools`` is not a list, or a tool cannot
            be converted.
    """
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        msg = f"tools must be a list of tools, got {type(tools).__name__}"
        raise GradientInvalidInputError(msg)
    return [format_tool(tool, strict=strict) for tool in tools]


def is_server_side_tool(tool: Any) -> bool:
    """Whether ``tool`` is a server-side tool dict (``mcp``, ``web_search``, ...).

    Those are run by the platform and are sent exactly as given (their
    credentials are sealed until then: `_redaction`).
    """
    return (
        isinstance(tool, Mapping)
        and isinstance(tool.get("type"), str)
        and tool["type"] not in _FUNCTION_TYPES
        and not any(key in tool for key in _DEFINITION_KEYS)
    )


def format_tool(tool: Any, *, strict: bool | None = None) -> dict[str, Any]:
    """Convert one tool to ``{"type": "function", "function": {...}}``.

    Accepts whatever `convert_to_openai_tool` accepts (``BaseTool``, functions,
    Pydantic v1/v2 models, ``TypedDict`` classes, JSON-schema dicts with a
    ``title``, Anthropic-style dicts) and dicts already in the API's format.
    Dicts of another ``type`` (server-side tools such as ``mcp`` or
    ``web_search``) pass through unchanged, their credentials (``authorization``,
    ``headers`` values) held as ``SecretStr`` so that the binding never prints
    or serializes them; the request body carries the text.

    Args:
        tool: The tool.
        strict: When not ``None``, set as ``function.strict``; ``True`` also
            closes every object schema (``additionalProperties: false``), as
            strict mode requires.

    Raises:
        GradientInvalidInputError: if the tool cannot be converted, its name is
            not one the API accepts, or it already has a different ``strict``.
    """
    if is_server_side_tool(tool):
        return seal_tool(dict(tool))
    extra: dict[str, Any] = {}
    definition: Any = tool
    if isinstance(tool, Mapping) and tool.get("type") == "function":
        if "function" in tool:
            definition = tool["function"]
            # Keep sibling keys (e.g. ``cache_control``) the caller put on the tool.
            extra = {k: v for k, v in tool.items() if k not in ("type", "function")}
        else:
            # The flat Responses-API shape: {"type": "function", "name": ...}.
            definition = {k: v for k, v in tool.items() if k != "type"}
        if not isinstance(definition, Mapping):
            msg = f"tool {_describe(tool)}: 'function' must be an object"
            raise GradientInvalidInputError(msg)
    function = _convert(definition, tool, strict=None)
    check_tool_name(function.get("name"))
    if strict is not None:
        if "parameters" not in function:
            # Strict mode needs an explicit (empty) object schema.
            function["parameters"] = {"type": "object", "properties": {}}
        function = _convert(function, tool, strict=strict)
    parameters = function.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        msg = f"tool {function['name']!r}: 'parameters' must be a JSON schema object"
        raise GradientInvalidInputError(msg)
    return {"type": "function", "function": function, **extra}


def _convert(definition: Any, tool: Any, *, strict: bool | None) -> dict[str, Any]:
    try:
        return dict(convert_to_openai_function(definition, strict=strict))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        msg = f"cannot convert tool {_describe(tool)} to a function tool: {exc}"
        raise GradientInvalidInputError(msg) from exc


def tool_name(tool: Mapping[str, Any]) -> str | None:
    """The function name of a formatted tool, or ``None`` for server-side tools."""
    function = tool.get("function")
    name = function.get("name") if isinstance(function, Mapping) else None
    return name if isinstance(name, str) else None


def format_tool_choice(
    choice: Any, tools: Sequence[Mapping[str, Any]]
) -> str | dict[str, Any] | None:
    """Normalise a LangChain ``tool_choice`` to the API's form.

    ``"auto"``, ``"none"`` and ``"required"`` pass through; ``"any"`` and
    ``True`` mean ``"required"``; ``False``/``None`` send nothing; a bound
    tool's name forces that tool; a dict is sent as given.

    Raises:
        GradientInvalidInputError: if a named tool (by name or in a
            ``{"type": "function", ...}`` dict) was not bound, or the choice has
            an unsupported type.
    """
    if choice is None or choice is False:
        return None
    if choice is True or choice == "any":
        return "required"
    if isinstance(choice, str) and choice in _CHOICE_KEYWORDS:
        return choice
    names = [name for tool in tools if (name := tool_name(tool))]
    if isinstance(choice, str):
        _check_bound(choice, names)
        return {"type": "function", "function": {"name": choice}}
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if choice.get("type") == "function" and isinstance(function, Mapping):
            _check_bound(function.get("name"), names)
        return dict(choice)
    msg = (
        f"unsupported tool_choice {choice!r}; use 'auto', 'none', 'required', 'any', "
        "True, a bound tool's name, or a dict"
    )
    raise GradientInvalidInputError(msg)


def _check_bound(name: Any, names: Sequence[str]) -> None:
    if name not in names:
        msg = (
            f"tool_choice names {name!r}, which is not a bound tool "
            f"(bound: {', '.join(names) or 'none'})"
        )
        raise GradientInvalidInputError(msg)


def _describe(tool: Any) -> str:
    if isinstance(tool, Mapping):
        function = tool.get("function")
        name = tool.get("name") or tool.get("title")
        if not name and isinstance(function, Mapping):
            name = function.get("name")
    else:
        name = getattr(tool, "name", None) or getattr(tool, "__name__", None)
    return repr(name) if name else type(tool).__name__
