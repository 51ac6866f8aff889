"""``with_structured_output``, per method.

The request side (a forced tool or ``response_format``) and the parsing side
(langchain_core output parsers).
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_gradient._tools import format_tool
from langchain_gradient.errors import GradientInvalidInputError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.output_parsers import BaseOutputParser

__all__ = ["StructuredOutputMethod", "structured_output_runnable"]

StructuredOutputMethod = Literal["function_calling", "json_schema", "json_mode"]


def structured_output_runnable(
    model: BaseChatModel,
    schema: Any,
    *,
    method: StructuredOutputMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, Any]:
    """Build the ``model -> parser`` runnable for one structured-output method.

    Raises:
        GradientInvalidInputError: for an unknown method, a missing schema, or a
            schema that cannot be converted.
    """
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    trace = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    parser: BaseOutputParser[Any]
    bound: Runnable[LanguageModelInput, Any]
    if method == "json_mode":
        bound = model.bind(
            response_format={"type": "json_object"}, ls_structured_output_format=trace
        )
    elif schema is None:
        msg = f"with_structured_output(method={method!r}) needs a schema"
        raise GradientInvalidInputError(msg)
    elif method == "function_calling":
        tool = format_tool(schema, strict=strict)
        name = tool["function"]["name"]
        bound = model.bind_tools(
            [tool], tool_choice=name, strict=strict, ls_structured_output_format=trace
        )
        if is_pydantic:
            parser = PydanticToolsParser(tools=[schema], first_tool_only=True)
        else:
            parser = JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
    elif method == "json_schema":
        function = format_tool(schema, strict=strict)["function"]
        json_schema: dict[str, Any] = {
            "name": function["name"],
            "schema": function.get("parameters") or {"type": "object", "properties": {}},
        }
        if strict is not None:
            json_schema["strict"] = strict
        bound = model.bind(
            response_format={"type": "json_schema", "json_schema": json_schema},
            ls_structured_output_format=trace,
        )
    else:
        msg = (
            f"unknown structured output method {method!r}; use 'function_calling', "
            "'json_schema' or 'json_mode'"
        )
        raise GradientInvalidInputError(msg)
    if method != "function_calling":
        parser = PydanticOutputParser(pydantic_object=schema) if is_pydantic else JsonOutputParser()
    if not include_raw:
        return bound | parser
    parse_or_fail = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    failed = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=bound) | parse_or_fail.with_fallbacks(
        [failed], exception_key="parsing_error"
    )
