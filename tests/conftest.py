"""VCR wiring for the integration tests (cassettes in the repository's ``cassettes/``).

Only tests marked ``vcr`` use any of this: pytest-recording's ``vcr`` fixture
opens a cassette for marked tests only, so the unit tests are untouched.

* Replay is the default: without ``--record-mode`` a test whose request has no
  recorded answer fails with ``CannotOverwriteExistingCassetteException``.
* ``scripts/record-cassettes`` records (``--record-mode=once``/``rewrite``).
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_tests.conftest import CustomPersister, CustomSerializer, base_vcr_config
from vcr import VCR
from vcr.request import Request

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"

# Request headers never written to a cassette. They are not matched on, so
# replay does not need them either. (base_vcr_config already filters
# authorization, x-api-key and api-key; the user agent carries the package
# version and would churn every cassette on a release.)
_FILTERED_REQUEST_HEADERS = [
    ("authorization", "PLACEHOLDER"),
    ("x-api-key", "PLACEHOLDER"),
    ("api-key", "PLACEHOLDER"),
    ("cookie", "PLACEHOLDER"),
    ("user-agent", "PLACEHOLDER"),
]

# Response headers kept in cassettes. `_sse` refuses a stream whose
# content-type is not text/event-stream, so this one must survive; everything
# else (cookies, request ids, rate-limit counters, server banners) is dropped.
_KEPT_RESPONSE_HEADERS = frozenset({"content-type"})

# core's tool_example_to_messages (used by test_structured_few_shot_examples)
# mints a fresh uuid4 tool-call id on every run.
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    kept: dict[str, list[str]] = {}
    for name, value in headers.items():
        if name.lower() in _KEPT_RESPONSE_HEADERS:
            # vcrpy expects a list per header; a bare string would be split
            # into one header value per character on replay.
            kept[name] = list(value) if isinstance(value, (list, tuple)) else [value]
    response["headers"] = kept
    return response


def _normalise_ids(payload: Any) -> Any:
    """Replace uuid-shaped tool-call ids by ``uuid-<n>`` in order of appearance."""
    seen: dict[str, str] = {}

    def canonical(value: Any) -> Any:
        if isinstance(value, str) and _UUID.match(value):
            return seen.setdefault(value, f"uuid-{len(seen)}")
        return value

    # The Responses API's input items carry the ids as ``call_id``.
    items = payload.get("input") if isinstance(payload, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and "call_id" in item:
            item["call_id"] = canonical(item["call_id"])
    messages = payload.get("messages") if isinstance(payload, dict) else None
    if not isinstance(messages, list):
        return payload
    for message in messages:
        if not isinstance(message, dict):
            continue
        if "tool_call_id" in message:
            message["tool_call_id"] = canonical(message["tool_call_id"])
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and "id" in call:
                call["id"] = canonical(call["id"])
    return payload


def _normalise_tool_descriptions(payload: Any) -> Any:
    """Tool descriptions with docstring indentation removed (``inspect.cleandoc``).

    Python 3.13 strips a docstring's common indentation when it compiles it;
    earlier versions keep it. A tool described by a docstring is therefore
    sent with or without that indentation depending on the Python that runs
    the test, which says nothing about the package.
    """
    tools = payload.get("tools") if isinstance(payload, dict) else None
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function", tool) if isinstance(tool, dict) else None  # flat: Responses
        if isinstance(function, dict) and isinstance(function.get("description"), str):
            function["description"] = inspect.cleandoc(function["description"])
    return payload


def _body_as_json(request: Request) -> Any:
    body = request.body
    if body is None or body == b"":
        return None
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return body


def gradient_body(r1: Request, r2: Request) -> None:
    """VCR matcher: JSON bodies equal up to key order and random tool-call ids."""
    left, right = (_normalise_tool_descriptions(_normalise_ids(_body_as_json(r))) for r in (r1, r2))
    if left != right:
        msg = "request bodies differ (after normalising uuid tool-call ids and docstring indents)"
        raise AssertionError(msg)


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    config = base_vcr_config()
    # A record_mode in the config beats --record-mode on the command line, and
    # cassette_library_dir beats vcr_cassette_dir (so --record-mode=rewrite
    # would delete nothing): both must go.
    config.pop("record_mode", None)
    config.pop("cassette_library_dir", None)
    config["filter_headers"] = list(_FILTERED_REQUEST_HEADERS)
    config["before_record_response"] = _scrub_response
    # Host and port are not matched: the local recorder listens on a random
    # loopback port, and the request path, query and body are what the client
    # controls.
    config["match_on"] = ["method", "path", "query", "gradient_body"]
    config["serializer"] = "yaml.gz"
    config["path_transformer"] = VCR.ensure_suffix(".yaml.gz")
    return config


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    # Absolute, so the run does not depend on the working directory and
    # --record-mode=rewrite deletes the cassette it is about to re-record.
    return str(CASSETTES)


@pytest.fixture(scope="session")
def record_mode(request: pytest.FixtureRequest) -> str:
    """``--record-mode`` when given, else replay only."""
    mode = request.config.getoption("--record-mode", default=None)
    return str(mode) if mode else "none"


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    vcr.register_persister(CustomPersister())
    vcr.register_serializer("yaml.gz", CustomSerializer())
    vcr.register_matcher("gradient_body", gradient_body)
