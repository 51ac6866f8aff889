"""The API key never leaks: not in reprs, dumps, pickles, errors, logs or cassettes."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd, dumps
from langchain_tests.conftest import CustomPersister, CustomSerializer
from vcr.request import Request as VcrRequest

from langchain_gradient import ChatGradient
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientConnectionError,
    GradientError,
)

from .loopback import (
    SECRET,
    LoopbackServer,
    Reply,
    Scripted,
    completion,
    delta,
    invoke,
    json_response,
    mock_model,
    patch_sleep,
    refused_url,
    stream,
)

MODES = ["sync", "async"]
REPO_ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------- the model object


def test_key_absent_from_repr_str_and_dumps() -> None:
    model = ChatGradient(api_key=SECRET, model="m")
    for text in (
        repr(model),
        str(model),
        repr(model.model_dump()),
        model.model_dump_json(),
        dumps(model),
        json.dumps(dumpd(model)),
        repr(model.api_key),
        repr(model._identifying_params),
        repr(model._get_invocation_params()),
        repr(model._get_ls_params()),
    ):
        assert SECRET not in text
    # The serialised form names the env var to reload the key from instead.
    assert dumpd(model)["kwargs"]["api_key"] == {
        "lc": 1,
        "type": "secret",
        "id": ["DIGITALOCEAN_INFERENCE_KEY"],
    }


def test_key_absent_from_pickle_and_reloaded_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    model = ChatGradient(api_key=SECRET, model="m")
    model.invoke  # noqa: B018 - touch nothing else; the pickle must not carry the key
    data = pickle.dumps(model)
    assert SECRET.encode() not in data
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-from-the-environment")
    copy = pickle.loads(data)  # noqa: S301 - bytes we just made
    assert copy.api_key is not None
    assert copy.api_key.get_secret_value() == "sk-do-from-the-environment"


@pytest.mark.parametrize("variable", ["DIGITALOCEAN_INFERENCE_KEY", "GRADIENT_MODEL_ACCESS_KEY"])
@pytest.mark.parametrize("mode", MODES)
def test_env_var_set_after_import_is_used(
    variable: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, SECRET)
    handler = Scripted(json_response(completion()))
    model = mock_model(handler, mode, api_key=None)
    invoke(model, mode, "hi")
    assert handler.requests[0].headers["authorization"] == f"Bearer {SECRET}"


# ------------------------------------------------------------- exceptions


def _all_text(exc: BaseException) -> str:
    """Everything a user might print: message, repr, traceback, chained causes."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for attr in ("server_message", "body", "error_type", "request_id"):
        parts.append(repr(getattr(exc, attr, None)))
    return "\n".join(parts)


@pytest.mark.parametrize("mode", MODES)
def test_401_that_echoes_the_key_does_not_leak_it(mode: str) -> None:
    echo = json_response(
        {"error": {"message": f"Incorrect API key provided: {SECRET}", "type": "auth"}}, 401
    )
    model = mock_model(Scripted(echo), mode)
    with pytest.raises(GradientAuthenticationError) as info:
        invoke(model, mode, "hi")
    assert SECRET not in _all_text(info.value)
    assert "Incorrect API key provided: [REDACTED]" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_connection_error_messages_do_not_carry_the_key(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    model = ChatGradient(base_url=refused_url(), api_key=SECRET, max_retries=1)
    with pytest.raises(GradientConnectionError) as info:
        invoke(model, mode, "hi")
    assert SECRET not in _all_text(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_credentials_in_the_base_url_stay_out_of_messages(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    url = refused_url().replace("http://", f"http://user:{SECRET}@")
    model = ChatGradient(base_url=url, api_key="another-key-0123456789", max_retries=0)
    with pytest.raises(GradientConnectionError) as info:
        invoke(model, mode, "hi")
    assert SECRET not in str(info.value)


# ------------------------------------------------------------------ logs


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger, httpx and httpcore included, at DEBUG."""
    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "langchain_gradient"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        yield caplog
    for name in ("httpx", "httpcore", "langchain_gradient"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _record_text(record: logging.LogRecord) -> str:
    return f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"


@pytest.mark.parametrize("mode", MODES)
def test_debug_logs_of_every_path_never_contain_the_key(
    mode: str, debug_logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    script = [
        Reply.json({"id": "server_error", "message": "boom"}, status=503),
        Reply.json(completion("ok")),
        Reply.sse([delta("str"), delta("eam", finish_reason="stop")]),
        Reply.json({"id": "unauthorized", "message": "Unable to authenticate you."}, status=401),
    ]
    with LoopbackServer(script) as server:
        model = ChatGradient(base_url=server.base_url, api_key=SECRET)
        invoke(model, mode, "retried then fine")
        stream(model, mode, "a stream")
        with pytest.raises(GradientError):
            invoke(model, mode, "unauthorised")
        model.close()
        assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    names = {r.name.split(".")[0] for r in debug_logs.records}
    # The check means something only if the HTTP stack did log.
    assert {"httpx", "httpcore", "langchain_gradient"} <= names
    for record in debug_logs.records:
        text = _record_text(record)
        assert SECRET not in text, record.name
        assert "Bearer" not in text, record.name


# -------------------------------------------------------------- cassettes

_LEAK = re.compile(r"Bearer (?!PLACEHOLDER\b)\S+|sk-do-[A-Za-z0-9_-]+")


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _flatten(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, VcrRequest):
        yield value.method
        yield value.uri
        yield from _flatten(dict(value.headers))
        yield from _flatten(value.body)
    elif value is not None:
        yield str(value)


def cassette_leaks(folder: Path) -> list[str]:
    """``path: match`` for every key-like string in the decoded cassettes."""
    found = []
    if not folder.is_dir():
        return found
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            requests, responses = CustomPersister.load_cassette(path, CustomSerializer())
            text = "\n".join(_flatten([requests, responses]))
        except Exception:
            text = path.read_bytes().decode("utf-8", "replace")
        found += [f"{path.relative_to(folder)}: {m.group(0)[:16]}..." for m in _LEAK.finditer(text)]
    return found


def test_no_cassette_contains_a_key() -> None:
    assert cassette_leaks(REPO_ROOT / "cassettes") == []


def test_cassette_scan_catches_a_leak(tmp_path: Path) -> None:
    assert cassette_leaks(tmp_path / "missing") == []
    assert cassette_leaks(tmp_path) == []

    def save(name: str, authorization: str, body: str) -> None:
        request = VcrRequest(
            "POST",
            "https://inference.do-ai.run/v1/chat/completions",
            b"{}",
            {"authorization": authorization},
        )
        response = {
            "status": {"code": 200, "message": "OK"},
            "headers": {"content-type": ["application/json"]},
            "body": {"string": body},
        }
        cassette = {"requests": [request], "responses": [response]}
        CustomPersister.save_cassette(tmp_path / name, cassette, CustomSerializer())

    save("clean.yaml.gz", "PLACEHOLDER", "{}")
    save("bearer_placeholder.yaml.gz", "Bearer PLACEHOLDER", "{}")
    assert cassette_leaks(tmp_path) == []
    save("sub/leaky.yaml.gz", f"Bearer {SECRET}", "{}")
    save("echo.yaml.gz", "PLACEHOLDER", json.dumps({"message": f"bad key {SECRET}"}))
    leaks = cassette_leaks(tmp_path)
    assert len(leaks) == 2  # the header and the echoed body
    assert any(leak.startswith("sub/leaky.yaml.gz") for leak in leaks)
    assert any(leak.startswith("echo.yaml.gz") for leak in leaks)


def test_async_stream_logs_no_key_via_astream_events(debug_logs: pytest.LogCaptureFixture) -> None:
    handler = Scripted(
        httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=b'data: {"choices":[{"index":0,"delta":{"content":"x"},'
            b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
        )
    )
    model = mock_model(handler, "async")

    async def run() -> list[Any]:
        return [event async for event in model.astream_events("hi", version="v2")]

    events = asyncio.run(run())
    assert SECRET not in repr(events)
    assert all(SECRET not in _record_text(r) for r in debug_logs.records)
