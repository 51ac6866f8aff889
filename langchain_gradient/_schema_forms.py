"""Every form a structured-output schema arrives in -> one function definition.

``with_structured_output`` takes what LangChain's tool conversion takes
(Pydantic and ``TypedDict`` classes, JSON schemas with a ``title``, OpenAI
function and tool dicts) and OpenAI's response-format dicts, as ``ChatOpenAI``
users write them:

* ``{"name": ..., "schema": {...}, "strict": True}`` (``json_schema``'s body);
* ``{"type": "json_schema", "json_schema": {...}}`` (a whole ``response_format``);
* ``{"type": "json_schema", "name": ..., "schema": {...}}`` (the Responses form).

Each becomes ``{"name", "description"?, "parameters", "strict"?}``, which
both methods then use: as the forced tool (``function_calling``) or as
``response_format.json_schema`` (``json_schema``). A dict that is none of
these, or that yields no schema, raises: an empty schema is never sent in the
user's place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gradient._tools import format_tool, is_server_side_tool
from langchain_gradient.errors import GradientInvalidInputError

__all__ = ["function_definition"]

_FORMS = (
    "a Pydantic or TypedDict class, a JSON schema with a 'title', an OpenAI "
    "function/tool dict, or a response format ({'name': ..., 'schema': {...}} or "
    "{'type': 'json_schema', 'json_schema': {...}})"
)

_NOT_OBJECTS = frozenset({"array", "string", "number", "integer", "boolean", "null"})
"""JSON-schema types a tool's parameters / a response format cannot have at the top."""


def function_definition(schema: Any, strict: bool | None) -> tuple[dict[str, Any], bool | None]:
    """The function definition for ``schema``, and the ``strict`` to apply.

    Args:
        schema: The user's schema, in any accepted form.
        strict: ``with_structured_output``'s ``strict``; a response format's
            own ``strict`` is used when this is ``None``.

    Raises:
        GradientInvalidInputError: the dict is not a form listed above, its
            schema is missing or not an object, or ``strict`` is given twice
            with different values.
    """
    if isinstance(schema, Mapping):
        if schema.get("type") == "json_schema":
            inner = schema.get("json_schema", schema)
            if not isinstance(inner, Mapping) or "schema" not in inner:
                msg = (
                    "with_structured_output: a {'type': 'json_schema'} response format "
                    "needs 'json_schema': {'name': ..., 'schema': {...}}"
                )
                raise GradientInvalidInputError(msg)
            return _from_response_format(inner, strict)
        if "schema" in schema and "name" in schema:
            return _from_response_format(schema, strict)
        if schema.get("type") in _NOT_OBJECTS:
            msg = (
                f"with_structured_output: the schema's top level must be an object, got "
                f"type {schema['type']!r}; put the value in an object property"
            )
            raise GradientInvalidInputError(msg)
        if schema.get("type") in ("json_object", "text") or is_server_side_tool(schema):
            msg = (
                f"with_structured_output: {dict(schema)!r:.120} carries no schema; pass "
                f"{_FORMS}, or use method='json_mode' for JSON without a schema"
            )
            raise GradientInvalidInputError(msg)
    return _checked(schema), strict


def _from_response_format(
    body: Mapping[str, Any], strict: bool | None
) -> tuple[dict[str, Any], bool | None]:
    """``{"name", "schema", "description"?, "strict"?}`` -> a function definition."""
    name, parameters = body.get("name"), body.get("schema")
    if not isinstance(parameters, Mapping):
        msg = (
            "with_structured_output: the response format's 'schema' must be a JSON "
            f"schema object, got {parameters!r:.80}"
        )
        raise GradientInvalidInputError(msg)
    own = body.get("strict")
    if strict is not None and isinstance(own, bool) and own is not strict:
        msg = (
            f"with_structured_output: the response format says strict={own} but "
            f"strict={strict} was passed; set it in one place"
        )
        raise GradientInvalidInputError(msg)
    definition: dict[str, Any] = {"name": name, "parameters": dict(parameters)}
    if isinstance(body.get("description"), str):
        definition["description"] = body["description"]
    return _checked(definition), strict if strict is not None else own


def _checked(schema: Any) -> dict[str, Any]:
    """``schema`` as a function definition; it must carry a parameter schema."""
    try:
        function: dict[str, Any] = format_tool(schema)["function"]
    except GradientInvalidInputError as exc:
        # The cause keeps core's detail; the message says what would work.
        shown = f"{dict(schema)!r:.120}" if isinstance(schema, Mapping) else type(schema).__name__
        msg = f"with_structured_output: {shown} is not a schema it can use; pass {_FORMS}"
        raise GradientInvalidInputError(msg) from exc
    if not isinstance(function.get("parameters"), dict):
        msg = (
            f"with_structured_output: schema {function.get('name')!r} has no parameter "
            "schema ('parameters', or a JSON schema's 'properties'), so there is nothing "
            f"to ask the model for; pass {_FORMS}"
        )
        raise GradientInvalidInputError(msg)
    return function
