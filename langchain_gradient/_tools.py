"""Tools and ``tool_choice`` -> the API's ``tools`` / ``tool_choice`` fields.

Pure functions used by `ChatGradient.bind_tools` and structured output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_gradient._request import check_tool_name
from langchain_gradient.errors import GradientInvalidInputError

__all__ = ["format_tool", "format_tool_choice", "format_tools", "tool_name"]


def format_tools(tools: Sequence[Any], *, strict: bool | None = None) -> list[dict[str, Any]]:
    """Convert every tool to the API's tool format (see `format_tool`)."""
    return [format_tool(tool, strict=strict) for tool in tools]


def format_tool(tool: Any, *, strict: bool | None = None) -> dict[str, Any]:
    """Convert one tool to ``{"type": "function", "function": {...}}``.

    Accepts whatever `convert_to_openai_tool` accepts (``BaseTool``, functions,
    Pydantic v1/v2 models, ``TypedDict`` classes, JSON-schema dicts) and dicts
    already in the API's format. Dicts of another ``type`` (server-side tools such
    as ``mcp`` or ``web_search``) pass through unchanged.

    Raises:
        GradientInvalidInputError: if the tool cannot be converted or its name
            is not one the API accepts.
    """
    if isinstance(tool, dict) and tool.get("type") not in (None, "function"):
        return tool
    try:
        formatted = convert_to_openai_tool(tool, strict=strict)
    except (TypeError, ValueError, KeyError) as exc:
        msg = f"cannot convert tool {_describe(tool)} to a function tool: {exc}"
        raise GradientInvalidInputError(msg) from exc
    function = formatted.get("function")
    if not isinstance(function, dict):
        msg = f"tool {_describe(tool)} has no 'function' definition"
        raise GradientInvalidInputError(msg)
    check_tool_name(function.get("name"))
    parameters = function.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        msg = f"tool {function['name']!r}: 'parameters' must be a JSON schema object"
        raise GradientInvalidInputError(msg)
    return formatted


def tool_name(tool: dict[str, Any]) -> str | None:
    """The function name of a formatted tool, or ``None`` for server-side tools."""
    function = tool.get("function")
    return function.get("name") if isinstance(function, dict) else None


def format_tool_choice(choice: Any, tools: Sequence[dict[str, Any]]) -> str | dict[str, Any] | None:
    """Normalise a LangChain ``tool_choice`` to the API's form.

    ``"auto"``, ``"none"`` and ``"required"`` pass through; ``"any"`` and
    ``True`` mean ``"required"``; ``False``/``None`` send nothing; a tool's name
    forces that tool; a dict is sent as given.

    Raises:
        GradientInvalidInputError: if a named tool was not bound.
    """
    if choice is None or choice is False:
        return None
    if choice is True or choice == "any":
        return "required"
    if choice in ("auto", "none", "required"):
        return str(choice)
    if isinstance(choice, dict):
        return choice
    if isinstance(choice, str):
        names = [name for tool in tools if (name := tool_name(tool))]
        if choice not in names:
            msg = (
                f"tool_choice names {choice!r}, which is not a bound tool "
                f"(bound: {', '.join(names) or 'none'})"
            )
            raise GradientInvalidInputError(msg)
        return {"type": "function", "function": {"name": choice}}
    msg = f"unsupported tool_choice {choice!r}"
    raise GradientInvalidInputError(msg)


def _describe(tool: Any) -> str:
    name = getattr(tool, "name", None) or getattr(tool, "__name__", None)
    if isinstance(tool, dict):
        name = tool.get("name") or tool.get("title")
    return repr(name) if name else type(tool).__name__
