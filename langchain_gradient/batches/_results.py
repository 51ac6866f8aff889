"""Result lines -> one outcome per input, in input order, or an error: never a silent gap.

A result line (output or error file, OpenAI batch shape) is
``{"custom_id", "response": {"status_code", "request_id", "body"}, "error"}``;
the Anthropic shape ``{"custom_id", "result": {"type", ...}}`` is read too.
Each becomes the input's outcome:

- a 2xx ``body``: the `AIMessage` ``invoke`` returns for that body (the
  model's own reply mapper, then what LangChain adds around it);
- an error ``body``: the `GradientStatusError` subclass ``invoke`` would raise;
- an ``error`` object: `GradientBatchRequestError`;
- a body the mapper refuses: that `GradientResponseError`.

The file as a whole must hold every input exactly once: a line that cannot be
read, an unknown or repeated ``custom_id``, or (for a completed job) a missing
one raises `GradientBatchResultsError`. In an expired or cancelled job, inputs
without a line get `GradientBatchNotProcessedError`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import httpx
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatResult

from langchain_gradient._http_errors import error_from_response
from langchain_gradient._values import quote
from langchain_gradient.batches._lines import parse_custom_id
from langchain_gradient.batches.errors import (
    GradientBatchNotProcessedError,
    GradientBatchRequestError,
    GradientBatchResultsError,
)
from langchain_gradient.errors import GradientError, GradientResponseError

__all__ = ["Outcome", "ResultCollector", "as_invoked"]

Outcome = AIMessage | GradientError
"""What ``results()`` gives for one input."""

_SHOWN = 5
"""How many indexes an error message lists."""


def as_invoked(result: ChatResult, output_version: str | None) -> AIMessage:
    """The message ``invoke`` returns for ``result`` (without a run, so without an id).

    LangChain post-processes what a chat model's ``_generate`` returns: with
    ``output_version="v1"`` the content becomes standard blocks; the
    generation's info is merged into ``response_metadata``, and so is
    ``llm_output`` when there is one generation. This repeats those steps,
    with public APIs only, so a batch reply equals the invoked one.
    """
    generation = result.generations[0]
    message = generation.message
    if output_version == "v1":
        message = message.model_copy(
            update={
                "content": message.content_blocks,
                "response_metadata": {**message.response_metadata, "output_version": "v1"},
            }
        )
    metadata = {**(generation.generation_info or {}), **message.response_metadata}
    if len(result.generations) == 1 and result.llm_output is not None:
        metadata = {**result.llm_output, **metadata}
    message.response_metadata = metadata
    if not isinstance(message, AIMessage):  # pragma: no cover - chat_result builds AIMessages
        msg = f"expected an AIMessage, got {type(message).__name__}"
        raise GradientResponseError(msg)
    return message


class ResultCollector:
    """Places result lines by ``custom_id``; `finish` checks that each input has one.

    Args:
        job_id: The batch id (for messages).
        count: How many inputs the job has, when known (the submitting
            handle, or the job's metadata); otherwise read from the lines.
        map_body: A 2xx completion body -> the invoked `AIMessage`.
        request_url: The chat-completions URL an error body is attributed to.
    """

    def __init__(
        self,
        job_id: str,
        count: int | None,
        map_body: Callable[[Any], AIMessage],
        request_url: httpx.URL,
    ) -> None:
        self.job_id = job_id
        self.count = count
        self._map_body = map_body
        self._request_url = request_url
        self._outcomes: list[Outcome | None] = [None] * count if count is not None else []
        self.received = 0

    def add(self, line: str) -> None:
        """Place one line of a result file (blank lines are skipped).

        Raises:
            GradientBatchResultsError: the line is unreadable, or its
                ``custom_id`` is unknown or already seen.
        """
        if not line.strip():
            return
        try:
            entry = json.loads(line)
        except ValueError:
            self._fail(f"a result line is not JSON: {quote(line)}")
        if not isinstance(entry, dict):
            self._fail(f"a result line is not an object: {quote(line)}")
        raw_id = entry.get("custom_id")
        parsed = parse_custom_id(raw_id)
        if parsed is None:
            self._fail(f"a result line has a custom_id this job never sent: {quote(raw_id)}")
        index, count = parsed
        if self.count is None:
            self.count = count
            self._outcomes = [None for _ in range(count)]
        if count != self.count:
            self._fail(
                f"a result line has a custom_id this job never sent: {quote(raw_id)} "
                f"(the job has {self.count} inputs)"
            )
        if self._outcomes[index] is not None:
            self._fail(f"the result for input {index} ({raw_id}) appears more than once")
        self._outcomes[index] = self._outcome(entry, str(raw_id))
        self.received += 1

    def finish(self, status: str, total_hint: int | None) -> list[Outcome]:
        """Every input's outcome, in input order.

        Args:
            status: The job's final status.
            total_hint: The job's ``request_counts.total``, used when neither
                the handle nor any line said how many inputs there are.

        Raises:
            GradientBatchResultsError: an input has no line in a job that
                completed, or the number of inputs cannot be known.
        """
        if self.count is None:
            if total_hint is None:
                self._fail(
                    "no result line arrived and the job does not say how many requests it "
                    "had, so its results cannot be checked"
                )
            self.count = total_hint
            self._outcomes = [None for _ in range(total_hint)]
        missing = [i for i, outcome in enumerate(self._outcomes) if outcome is None]
        if missing and status not in ("expired", "cancelled"):
            shown = ", ".join(str(i) for i in missing[:_SHOWN])
            more = "" if len(missing) <= _SHOWN else f" and {len(missing) - _SHOWN} more"
            msg = (
                f"batch {self.job_id} ({status}): no result for {len(missing)} of "
                f"{self.count} inputs (inputs {shown}{more})"
            )
            raise GradientBatchResultsError(
                msg, job_id=self.job_id, outcomes=list(self._outcomes), missing=missing
            )
        for index in missing:
            self._outcomes[index] = GradientBatchNotProcessedError(
                f"input {index} was not processed: batch {self.job_id} ended {status}",
                status=status,
            )
        return [outcome for outcome in self._outcomes if outcome is not None]

    # ----------------------------------------------------------- one line

    def _outcome(self, entry: Mapping[str, Any], raw_id: str) -> Outcome:
        error = entry.get("error")
        response = entry.get("response")
        result = entry.get("result")
        if isinstance(response, dict) and error is None:
            return self._response(response)
        if error is not None:
            return _request_error(error, raw_id)
        if isinstance(result, dict):
            return _anthropic_result(result, raw_id)
        return GradientResponseError(
            f"result line {raw_id} has neither a response nor an error: {quote(dict(entry))}"
        )

    def _response(self, response: Mapping[str, Any]) -> Outcome:
        body = response.get("body")
        if isinstance(body, str):
            with contextlib.suppress(ValueError):  # left as text: the error quotes it
                body = json.loads(body)
        status = response.get("status_code")
        status = status if isinstance(status, int) and not isinstance(status, bool) else 200
        if 200 <= status < 300:
            try:
                return self._map_body(body)
            except GradientError as exc:
                return exc
        request_id = response.get("request_id")
        headers = {"x-request-id": request_id} if isinstance(request_id, str) else {}
        http_response = httpx.Response(
            status,
            headers=headers,
            content=json.dumps(body).encode() if not isinstance(body, str) else body.encode(),
            request=httpx.Request("POST", self._request_url),
        )
        return error_from_response(http_response)

    def _fail(self, message: str) -> NoReturn:
        raise GradientBatchResultsError(
            f"batch {self.job_id}: {message}", job_id=self.job_id, outcomes=list(self._outcomes)
        )


def _request_error(error: Any, raw_id: str) -> GradientBatchRequestError:
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code") or error.get("type")
        text = message if isinstance(message, str) and message else quote(error)
        return GradientBatchRequestError(
            f"request {raw_id} failed: {text}",
            code=code if isinstance(code, str) else None,
            custom_id=raw_id,
            body=error,
        )
    return GradientBatchRequestError(
        f"request {raw_id} failed: {quote(error)}", code=None, custom_id=raw_id, body=error
    )


def _anthropic_result(result: Mapping[str, Any], raw_id: str) -> Outcome:
    kind = result.get("type")
    if kind in ("expired", "canceled", "cancelled"):
        status = "cancelled" if kind != "expired" else "expired"
        return GradientBatchNotProcessedError(
            f"request {raw_id} was not processed ({kind})", status=status
        )
    if kind == "errored":
        error = result.get("error")
        if isinstance(error, dict) and isinstance(error.get("error"), dict):
            error = error["error"]  # Anthropic wraps the error object once more
        return _request_error(error, raw_id)
    return GradientResponseError(
        f"result line {raw_id} is an Anthropic {kind!r} result, which this package does "
        f"not map: {quote(dict(result))}"
    )
