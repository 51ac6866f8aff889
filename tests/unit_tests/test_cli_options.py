"""The command line's usage errors and agent options (run in-process against 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_gradient import cli
from tests.unit_tests.loopback import patch_sleep
from tests.unit_tests.test_agents import AGENT_ENV_VARS, LoopbackAPI
from tests.unit_tests.test_cli import completion, event, run, text_events


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_sleep(monkeypatch)
    for name in AGENT_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-cli")


def test_schema_title_with_spaces_becomes_a_valid_tool_name(
    api: LoopbackAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = {
        "title": "Person Record (v2)",
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
    }
    path = tmp_path / "person.json"
    path.write_text(json.dumps(schema))
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "Person_Record_v2", "arguments": '{"name": "Ada"}'},
    }
    api.json(completion("", tool_calls=[call]))
    assert run(api, "--schema", str(path), "Who wrote the first program?") == cli.EXIT_OK
    assert json.loads(capsys.readouterr().out) == {"name": "Ada"}
    body = api.requests[0].body
    assert body["tools"][0]["function"]["name"] == "Person_Record_v2"
    assert body["tool_choice"]["function"]["name"] == "Person_Record_v2"


@pytest.mark.parametrize(
    ("title", "name"), [("", "reply"), ("???", "reply"), (7, "reply"), ("x" * 80, "x" * 64)]
)
def test_any_title_gives_an_accepted_tool_name(title: object, name: str) -> None:
    assert cli._tool_name(title) == name


def test_base_url_without_scheme_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--base-url", "localhost:8000/v1", "hi"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "http://localhost:8000/v1" in err
    assert "network" not in err


def test_models_with_a_base_url_without_scheme_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--models", "--base-url", "localhost:8000/v1"]) == cli.EXIT_USAGE
    assert "http://localhost:8000/v1" in capsys.readouterr().err


def test_out_of_range_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--temperature", "5", "hi"]) == cli.EXIT_USAGE
    assert "temperature" in capsys.readouterr().err


# ---------------------------------------------------------------- agents


def test_guardrails_info_flag_asks_the_agent(
    api: LoopbackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIENT_AGENT_ACCESS_KEY", "agent-key")
    api.sse(text_events("ok"))
    assert cli.main(["--agent", "--guardrails-info", "--base-url", api.url, "hi"]) == cli.EXIT_OK
    assert api.requests[0].body["include_guardrails_info"] is True


def test_content_filter_hint_names_the_cli_flag(
    api: LoopbackAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRADIENT_AGENT_ACCESS_KEY", "agent-key")
    events = [
        event({"role": "assistant", "content": "Blocked."}),
        event({}, finish_reason="content_filter"),
    ]
    api.sse(events)
    assert cli.main(["--agent", "--base-url", api.url, "hi"]) == cli.EXIT_GUARDRAIL
    err = capsys.readouterr().err
    assert "--guardrails-info" in err
    assert "include_guardrails_info" not in err  # a Python argument the CLI cannot set


def test_guardrails_info_without_agent_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--guardrails-info", "hi"]) == cli.EXIT_USAGE
    assert "--agent" in capsys.readouterr().err
