"""What a reply says about server-side tools (web search, knowledge-base retrieval, MCP).

DigitalOcean runs these tools during the model's turn and documents no response
shape for them (``gradient-api.md`` §20.6), so every form seen in compatible
APIs is kept rather than dropped:

* ``message.annotations`` (OpenAI's Chat Completions form, e.g. ``url_citation``
  for web search) → ``additional_kwargs["annotations"]``, and in
  ``content_blocks`` as the text block's ``annotations`` (``citation`` blocks
  for URL citations, ``non_standard_annotation`` otherwise);
* top-level ``citations``, ``search_results`` and ``retrieval`` fields (the
  forms Gradient Agents and other OpenAI-compatible providers use) →
  ``response_metadata`` under the same names, and one ``non_standard`` content
  block holding them.

Pure: plain values in and out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from langchain_core.messages import content as types

__all__ = [
    "RESPONSE_FIELDS",
    "annotation_blocks",
    "info_block",
    "message_annotations",
    "response_fields",
]

RESPONSE_FIELDS = ("citations", "search_results", "retrieval")
"""Top-level response fields that report server-side tool use."""


def response_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The server-side tool fields a response body (or stream event) carries."""
    return {
        name: body[name] for name in RESPONSE_FIELDS if body.get(name) not in (None, "", [], {})
    }


def message_annotations(message: Mapping[str, Any]) -> list[Any] | None:
    """``message.annotations`` (or a delta's) when it is a non-empty list."""
    annotations = message.get("annotations")
    return annotations if isinstance(annotations, list) and annotations else None


def annotation_blocks(annotations: list[Any]) -> list[types.Annotation]:
    """Standard annotations: a URL citation becomes a ``citation``, anything else is kept as is."""
    blocks: list[types.Annotation] = []
    for annotation in annotations:
        citation = _url_citation(annotation)
        if citation is not None:
            blocks.append(citation)
        else:
            blocks.append({"type": "non_standard_annotation", "value": _as_dict(annotation)})
    return blocks


def info_block(
    response_metadata: Mapping[str, Any], index: str | None = None
) -> types.NonStandardContentBlock | None:
    """One ``non_standard`` block with the message's server-side tool fields, if any."""
    value = {name: response_metadata[name] for name in RESPONSE_FIELDS if name in response_metadata}
    if not value:
        return None
    block: types.NonStandardContentBlock = {"type": "non_standard", "value": value}
    if index is not None:
        block["index"] = index
    return block


def _url_citation(annotation: Any) -> types.Citation | None:
    """OpenAI's ``{"type": "url_citation", "url_citation": {...}}`` (or the flat form)."""
    if not isinstance(annotation, dict) or annotation.get("type") != "url_citation":
        return None
    nested = annotation.get("url_citation")
    fields = nested if isinstance(nested, dict) else annotation
    url = fields.get("url")
    if not isinstance(url, str):
        return None
    citation: dict[str, Any] = {"type": "citation", "url": url}
    for name in ("title", "start_index", "end_index", "cited_text"):
        if fields.get(name) is not None:
            citation[name] = fields[name]
    return cast("types.Citation", citation)


def _as_dict(annotation: Any) -> dict[str, Any]:
    return annotation if isinstance(annotation, dict) else {"value": annotation}
