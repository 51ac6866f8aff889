"""Server-side tools (knowledge-base retrieval, web search, web fetch, MCP) through `bind_tools`.

The platform runs these tools itself; the request carries them next to
function tools, and whatever the reply says about their use (annotations,
top-level citations or retrieval info) stays on the message and in
``content_blocks``, invoked or streamed. DigitalOcean documents no response
shape for them, so the shapes here are the ones compatible APIs use.
"""

from __future__ import annotations

import ast
import re
from functools import reduce
from operator import add
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import tool

from langchain_gradient.errors import GradientInvalidInputError
from tests.unit_tests.fakes import FakeAPI, chunk, completion

README = Path(__file__).resolve().parents[2] / "README.md"

# The README's "Knowledge bases" and "Server-side tools" examples, as sent.
KNOWLEDGE_BASE = {"type": "knowledge_base_retrieval", "knowledge_base_id": "<kb-uuid>"}
WEB_SEARCH = {"type": "web_search", "max_uses": 3, "max_results": 5}
WEB_FETCH = {"type": "web_fetch", "max_uses": 3}
MCP = {
    "type": "mcp",
    "server_label": "digitalocean",
    "server_url": "https://accounts.mcp.digitalocean.com/mcp",
    "authorization": "Bearer dop_v1_placeholder_token_value",
    "allowed_tools": ["account-get-information"],
}
SERVER_SIDE = [KNOWLEDGE_BASE, WEB_SEARCH, WEB_FETCH, MCP]

URL_CITATION = {
    "type": "url_citation",
    "url_citation": {
        "url": "https://docs.digitalocean.com/products/inference/",
        "title": "Inference",
        "start_index": 0,
        "end_index": 9,
    },
}
RETRIEVAL = {"retrieved_data": [{"id": "chunk-1", "index": "kb-uuid", "score": 0.91}]}


@tool
def get_time(timezone: str) -> str:
    """Get the current time in an IANA timezone."""
    return "12:00"


@pytest.mark.parametrize("server_tool", SERVER_SIDE, ids=lambda t: t["type"])
def test_each_server_side_tool_is_sent_unchanged_next_to_function_tools(
    server_tool: dict[str, Any],
) -> None:
    api = FakeAPI(completion("ok"))
    api.model(model="openai-gpt-4o").bind_tools([server_tool, get_time]).invoke("hi")

    tools = api.body["tools"]
    assert tools[0] == server_tool
    assert tools[1]["function"]["name"] == "get_time"


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("none", "none"),
        ({"type": "knowledge_base_retrieval"}, {"type": "knowledge_base_retrieval"}),
    ],
)
def test_tool_choice_forms_that_work_with_server_side_tools(choice: Any, sent: Any) -> None:
    api = FakeAPI(completion("ok"))
    api.model(model="openai-gpt-4o").bind_tools([KNOWLEDGE_BASE], tool_choice=choice).invoke("q")
    assert api.body["tool_choice"] == sent
    assert api.body["tools"] == [KNOWLEDGE_BASE]


def test_annotations_are_kept_and_become_citations_in_content_blocks() -> None:
    body = completion("Inference is serverless.", annotations=[URL_CITATION, {"type": "other"}])
    reply = FakeAPI(body).model().bind_tools([WEB_SEARCH]).invoke("q")

    assert reply.additional_kwargs["annotations"] == [URL_CITATION, {"type": "other"}]
    [text] = reply.content_blocks
    assert text["type"] == "text"
    assert text["text"] == "Inference is serverless."
    assert text.get("annotations") == [
        {
            "type": "citation",
            "url": "https://docs.digitalocean.com/products/inference/",
            "title": "Inference",
            "start_index": 0,
            "end_index": 9,
        },
        {"type": "non_standard_annotation", "value": {"type": "other"}},
    ]


def test_top_level_citations_and_retrieval_land_in_metadata_and_content_blocks() -> None:
    urls = ["https://docs.digitalocean.com/a", "https://docs.digitalocean.com/b"]
    body = {**completion("From the docs."), "citations": urls, "retrieval": RETRIEVAL}
    reply = FakeAPI(body).model().bind_tools([KNOWLEDGE_BASE]).invoke("q")

    assert reply.response_metadata["citations"] == urls
    assert reply.response_metadata["retrieval"] == RETRIEVAL
    assert reply.content_blocks[-1] == {
        "type": "non_standard",
        "value": {"citations": urls, "retrieval": RETRIEVAL},
    }


def test_a_stream_keeps_annotations_and_sends_repeated_citations_once() -> None:
    urls = ["https://docs.digitalocean.com/a"]
    events = [
        chunk({"role": "assistant", "content": ""}, citations=urls),
        chunk({"content": "From "}, citations=urls),
        chunk({"content": "the docs."}, citations=urls),
        chunk({"content": "", "annotations": [URL_CITATION]}, citations=urls),
        chunk({}, finish_reason="stop", citations=urls, retrieval=RETRIEVAL),
    ]
    model = FakeAPI(events).model().bind_tools([WEB_SEARCH, KNOWLEDGE_BASE])

    chunks = list(model.stream("q"))
    message = reduce(add, chunks)

    assert message.text == "From the docs."
    # Sent on every event, kept once: chunk metadata merges by concatenating lists.
    assert message.response_metadata["citations"] == urls
    assert message.response_metadata["retrieval"] == RETRIEVAL
    assert sum("citations" in c.response_metadata for c in chunks) == 1
    assert message.additional_kwargs["annotations"] == [URL_CITATION]
    blocks = message.content_blocks
    assert blocks[0]["type"] == "text"
    assert blocks[0].get("annotations", [{}])[0].get("type") == "citation"
    assert {"type": "non_standard", "value": {"citations": urls, "retrieval": RETRIEVAL}} in [
        {k: v for k, v in b.items() if k != "index"} for b in blocks
    ]


def test_a_reply_without_server_side_tool_fields_is_unchanged() -> None:
    reply = FakeAPI(completion("plain")).model().invoke("q")
    assert "annotations" not in reply.additional_kwargs
    assert not {"citations", "retrieval", "search_results"} & set(reply.response_metadata)
    assert reply.content_blocks == [{"type": "text", "text": "plain"}]


def test_a_tool_name_as_tool_choice_is_for_function_tools_only() -> None:
    api = FakeAPI(completion("ok"))
    with pytest.raises(GradientInvalidInputError, match="not a bound tool"):
        api.model().bind_tools([WEB_SEARCH], tool_choice="web_search").invoke("q")
    assert api.requests == []


def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


@pytest.mark.parametrize("title", ["Knowledge bases", "Server-side tools"])
def test_the_readme_examples_compile_and_show_every_tested_tool(title: str) -> None:
    section = _readme_section(title)
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert blocks
    for block in blocks:
        compile(block, f"README {title}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if title == "Server-side tools":
        for server_tool in SERVER_SIDE:
            assert f'"type": "{server_tool["type"]}"' in section
