"""The pure readers of batch answers and result files, on plain dicts and strings."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage

from langchain_gradient import GradientResponseError
from langchain_gradient.batches import (
    GradientBatchNotProcessedError,
    GradientBatchRequestError,
    GradientBatchResultsError,
)
from langchain_gradient.batches._api import ResultLinks, job_info, result_links
from langchain_gradient.batches._lines import custom_id, parse_custom_id
from langchain_gradient.batches._results import ResultCollector

URL = httpx.URL("https://inference.example/v1/chat/completions")


def collector(count: int | None) -> ResultCollector:
    return ResultCollector("job-1", count, lambda body: AIMessage(body["text"]), URL)


def ok_line(index: int, count: int, text: str) -> str:
    return json.dumps(
        {
            "custom_id": custom_id(index, count),
            "response": {"status_code": 200, "body": {"text": text}},
            "error": None,
        }
    )


def test_custom_ids_round_trip_and_reject_strangers() -> None:
    assert parse_custom_id(custom_id(41, 50_000)) == (41, 50_000)
    for foreign in ("req-1", "lcg-5-of-5", "lcg--1-of-3", "lcg-1-of-3x", 7, None):
        assert parse_custom_id(foreign) is None


def test_count_is_learned_from_the_lines_when_the_job_did_not_say() -> None:
    c = collector(None)
    c.add(ok_line(1, 2, "b"))
    c.add("")
    c.add(ok_line(0, 2, "a"))
    assert [m.content for m in c.finish("completed", None)] == ["a", "b"]


def test_without_lines_the_jobs_total_still_catches_the_gap() -> None:
    with pytest.raises(GradientBatchResultsError, match="no result for 2 of 2") as caught:
        collector(None).finish("completed", 2)
    assert caught.value.missing == [0, 1]
    with pytest.raises(GradientBatchResultsError, match="cannot be checked"):
        collector(None).finish("completed", None)
    outcomes = collector(None).finish("expired", 2)
    assert [type(o) for o in outcomes] == [GradientBatchNotProcessedError] * 2


def test_anthropic_result_lines_are_read_for_errors() -> None:
    c = collector(3)
    c.add(
        json.dumps(
            {
                "custom_id": custom_id(0, 3),
                "result": {
                    "type": "errored",
                    "error": {"type": "error", "error": {"type": "overloaded", "message": "busy"}},
                },
            }
        )
    )
    c.add(json.dumps({"custom_id": custom_id(1, 3), "result": {"type": "expired"}}))
    c.add(json.dumps({"custom_id": custom_id(2, 3), "result": {"type": "succeeded"}}))
    errored, expired, succeeded = c.finish("completed", None)
    assert isinstance(errored, GradientBatchRequestError)
    assert errored.code == "overloaded"
    assert isinstance(expired, GradientBatchNotProcessedError)
    assert isinstance(succeeded, GradientResponseError)


def test_a_body_sent_as_a_json_string_is_decoded() -> None:
    c = collector(1)
    line = {
        "custom_id": custom_id(0, 1),
        "response": {"status_code": 200, "body": json.dumps({"text": "hi"})},
    }
    c.add(json.dumps(line))
    assert c.finish("completed", None)[0].content == "hi"


@pytest.mark.parametrize(
    ("body", "links"),
    [
        (
            {"result_available": True, "output_file_url": "https://o", "error_file_url": None},
            ResultLinks("https://o", None),
        ),
        (
            {"download": {"presigned_url": "https://o", "expires_at": "x"}, "output_file_id": "f"},
            ResultLinks("https://o", None),
        ),
        ({"result_available": False}, None),
        ({"batch_id": "b"}, None),
    ],
)
def test_result_links_in_both_shapes(body: dict[str, Any], links: ResultLinks | None) -> None:
    assert result_links(body) == links


def test_results_available_without_a_url_is_an_error() -> None:
    with pytest.raises(GradientResponseError, match="no file URL"):
        result_links({"result_available": True})


def test_job_objects_in_both_shapes() -> None:
    oas = job_info(
        {
            "batch_id": "b1",
            "status": "IN_PROGRESS",
            "request_counts": {"total": 3, "completed": 1, "failed": 0},
            "metadata": {"k": "v", "n": 1},
            "errors": [{"code": "x", "message": "m", "line": 2}, "junk"],
        }
    )
    assert (oas.id, oas.status, oas.total, oas.completed, oas.done) == (
        "b1",
        "in_progress",
        3,
        1,
        False,
    )
    assert oas.metadata == {"k": "v"}
    assert oas.errors == [{"code": "x", "message": "m", "line": 2}]
    godo = job_info(
        {"batch_id": "b2", "status": "queued", "file_id": "f", "result_available": False}
    )
    assert (godo.status, godo.done, godo.total) == ("queued", False, None)
    with pytest.raises(GradientResponseError, match="no batch_id or status"):
        job_info({"status": "completed"})
