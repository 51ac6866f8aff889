"""``python -m langchain_gradient batch ...`` against the loopback batch service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from langchain_gradient import cli
from tests.unit_tests.batch_fixtures import (  # noqa: F401 - fixtures, used by name
    MODEL,
    clock_fixture,
    service_fixture,
    storage_host_fixture,
)
from tests.unit_tests.batch_service import BatchService
from tests.unit_tests.loopback import SECRET


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", SECRET)


def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["batch", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_submit_status_results_cancel(
    service: BatchService, tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: list[float]
) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("one\ntwo\nFAIL-429 three\n\n")
    base = ["--base-url", service.base_url]
    code, out, _ = run("submit", str(prompts), "-m", MODEL, "-t", "0", *base, capsys=capsys)
    assert code == 0
    job_id = out.strip()
    assert job_id in service.jobs
    (line,) = [json.loads(x) for x in service.uploads[0].body.splitlines()][:1]
    assert line["body"]["temperature"] == 0
    code, out, _ = run("status", job_id, *base, capsys=capsys)
    assert code == 0
    assert out == f"{job_id}: in_progress (0 completed, 0 failed of 3)\n"
    results = tmp_path / "results.jsonl"
    code, out, err = run("results", job_id, "-o", str(results), *base, capsys=capsys)
    assert code == 10  # written, but one input failed
    assert out == ""
    assert f"batch {job_id}: completed" in err
    assert "2 of 3 inputs succeeded" in err
    first, second, third = records(results)
    assert (first["index"], first["content"]) == (0, "echo: one")
    assert first["message"]["type"] == "ai"
    assert first["message"]["data"]["usage_metadata"]["total_tokens"] == 10
    assert second["content"] == "echo: two"
    assert third == {
        "index": 2,
        "error": {
            "type": "GradientRateLimitError",
            "message": third["error"]["message"],
            "status_code": 429,
        },
    }
    code, _, err = run("cancel", job_id, *base, capsys=capsys)
    assert code == 6
    assert "cannot be cancelled" in err


def test_list(service: BatchService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("a\nb\n")
    base = ["--base-url", service.base_url]
    first = run("submit", str(prompts), "-m", MODEL, *base, capsys=capsys)[1].strip()
    second = run("submit", str(prompts), "-m", MODEL, *base, capsys=capsys)[1].strip()
    code, out, _ = run("list", *base, capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        f"{second}  validating  0/2  2026-05-14T00:00:00Z",
        f"{first}  validating  0/2  2026-05-14T00:00:00Z",
    ]
    code, out, _ = run("list", "--limit", "1", "--json", *base, capsys=capsys)
    assert [json.loads(line)["batch_id"] for line in out.splitlines()] == [second]


def test_submit_jsonl_messages_and_wait(
    service: BatchService, tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: list[float]
) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        json.dumps([{"role": "system", "content": "terse"}, {"role": "user", "content": "a"}])
        + "\n"
        + json.dumps({"messages": [["human", "b"]]})
        + "\n"
        + json.dumps("c")
        + "\n"
    )
    code, out, err = run(
        "submit", str(prompts), "-m", MODEL, "--wait", "--base-url", service.base_url, capsys=capsys
    )
    assert code == 0
    assert [json.loads(x)["content"] for x in out.splitlines()] == ["echo: a", "echo: b", "echo: c"]
    assert "submitted batch" in err
    bodies = [json.loads(x)["body"] for x in service.uploads[0].body.splitlines()]
    assert bodies[0]["messages"][0] == {"role": "system", "content": "terse"}


@pytest.mark.parametrize(
    "case",
    [((), "/v1/chat/completions"), (("--api", "responses"), "/v1/responses")],
    ids=["default", "responses"],
)
def test_submit_on_either_api(
    service: BatchService,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    clock: list[float],
    case: tuple[tuple[str, ...], str],
) -> None:
    flags, endpoint = case
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a\nb\n")
    base = ["--base-url", service.base_url]
    code, out, _ = run("submit", str(prompts), "-m", MODEL, *flags, "--wait", *base, capsys=capsys)
    assert code == 0
    assert [json.loads(x)["content"] for x in out.splitlines()] == ["echo: a", "echo: b"]
    assert [json.loads(x)["url"] for x in service.uploads[0].body.splitlines()] == [endpoint] * 2
    assert [r.json()["endpoint"] for r in service.creates()] == [endpoint]


def test_a_timeout_exits_9_and_the_job_lives_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: list[float]
) -> None:
    with BatchService(polls_to_finish=10) as slow:
        prompts = tmp_path / "p.txt"
        prompts.write_text("a\n")
        base = ["--base-url", slow.base_url]
        code, out, _ = run("submit", str(prompts), "-m", MODEL, *base, capsys=capsys)
        job_id = out.strip()
        code, out, err = run("results", job_id, "--timeout", "5", "-q", *base, capsys=capsys)
        assert code == 9
        assert "keeps running" in err
        assert slow.jobs[job_id].status == "in_progress"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a\n\nb\n", "line 2 is empty"),
        ("\n", "no inputs"),
    ],
)
def test_bad_files_are_usage_errors_before_any_request(
    service: BatchService,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    match: str,
) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text(text)
    code, _, err = run(
        "submit", str(prompts), "-m", MODEL, "--base-url", service.base_url, capsys=capsys
    )
    assert code == 2
    assert match in err
    assert service.api.requests == []


def test_a_model_the_batch_api_does_not_serve_is_a_usage_error(
    service: BatchService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("a\n")
    code, _, err = run(
        "submit",
        str(prompts),
        "-m",
        "llama3.3-70b-instruct",
        "--base-url",
        service.base_url,
        capsys=capsys,
    )
    assert code == 2
    assert "OpenAI and Anthropic" in err
    assert service.api.requests == []


def test_without_a_key_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGITALOCEAN_INFERENCE_KEY")
    code, _, err = run("status", "x", capsys=capsys)
    assert code == 3
    assert "DIGITALOCEAN_INFERENCE_KEY" in err


def test_python_dash_m_batch_in_a_real_process(service: BatchService, tmp_path: Path) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("hello\nworld\n")
    out = tmp_path / "r.jsonl"
    env = {**os.environ, "DIGITALOCEAN_INFERENCE_KEY": SECRET}
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "langchain_gradient",
            "batch",
            "submit",
            str(prompts),
            "-m",
            MODEL,
            "--base-url",
            service.base_url,
            "--wait",
            "--poll-interval",
            "0",
            "-o",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [r["content"] for r in records(out)] == ["echo: hello", "echo: world"]
    assert "2 of 2 inputs succeeded" in done.stderr
