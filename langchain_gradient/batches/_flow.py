"""What each batch operation does, step by step, for both the sync and the async driver.

Each function is a generator of steps (`_api`); `_drive.run` / `_drive.arun`
perform them. Submitting is: ask for an upload URL, ``PUT`` the file there,
create the job with an idempotency key. Collecting is: poll the job until it
ends (or the timeout), ask where its result files are (HTTP 412 or
``result_available: false`` mean "not yet": poll on), stream both files
through a `ResultCollector`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from langchain_gradient import _transport
from langchain_gradient._config import encode_json, endpoint
from langchain_gradient.batches import _drive
from langchain_gradient.batches._api import (
    Call,
    Download,
    JobInfo,
    NoConflictRetry,
    ResultLinks,
    Upload,
    Wait,
    file_intent,
    job_info,
    job_page,
    result_links,
)
from langchain_gradient.batches.errors import (
    GradientBatchFailedError,
    GradientBatchStateError,
    GradientBatchTimeoutError,
)
from langchain_gradient.errors import GradientInvalidInputError, GradientStatusError

if TYPE_CHECKING:
    from httpx._client import UseClientDefault

    from langchain_gradient.batches._drive import Flow
    from langchain_gradient.batches._lines import SpooledBatch
    from langchain_gradient.batches._results import Outcome, ResultCollector
    from langchain_gradient.chat_models import ChatGradient

__all__ = ["Endpoints", "Progress", "cancel", "collect", "list_jobs", "status", "submit"]

COMPLETION_WINDOW = "24h"
"""The only window the API offers."""
UPLOAD_FILE_NAME = "langchain-gradient-batch.jsonl"
MAX_PAGE = 100
"""The most jobs one list call returns."""


@dataclass(frozen=True)
class Endpoints:
    """The batch API as one model instance reaches it (URL, key headers, timeout, retries)."""

    base_url: str
    headers: Mapping[str, str]
    timeout: float | httpx.Timeout | UseClientDefault
    policy: _transport.RetryPolicy

    @classmethod
    def of(cls, model: ChatGradient) -> Endpoints:
        """The model's settings (its key, base URL, timeout and ``max_retries``)."""
        prepared = model._prepared()
        return cls(
            base_url=model.base_url,
            headers=prepared.headers,
            timeout=prepared.timeout,
            policy=prepared.policy,
        )

    def call(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        policy: _transport.RetryPolicy | None = None,
    ) -> Call:
        headers = dict(self.headers)
        if payload is None:
            headers.pop("Content-Type", None)
        return Call(
            method=method,
            url=endpoint(self.base_url, path),
            headers=headers,
            timeout=self.timeout,
            policy=policy or self.policy,
            content=None if payload is None else encode_json(payload),
        )

    def job(self, job_id: str, suffix: str = "") -> str:
        # The id goes in the path: refuse anything that would change the path.
        if not job_id or any(c in job_id for c in "/?#%") or job_id in (".", ".."):
            msg = f"not a batch id: {job_id!r}"
            raise GradientInvalidInputError(msg)
        return f"batches/{job_id}{suffix}"


# ---------------------------------------------------------------- submit


def submit(
    api: Endpoints,
    spooled: SpooledBatch,
    *,
    provider: str,
    metadata: Mapping[str, str],
    request_id: str,
) -> Flow[JobInfo]:
    """Upload ``spooled`` and create the job.

    ``request_id`` is the idempotency key, made once per submit: a create
    that is retried (after a 5xx or a lost answer) sends the same key, and the
    service answers with the job the first attempt made.
    """
    intent = yield api.call("POST", "batches/files", {"file_name": UPLOAD_FILE_NAME})
    _file_id, upload_url = file_intent(intent)
    yield Upload(url=upload_url, spooled=spooled, timeout=api.timeout, policy=api.policy)
    created = yield api.call(
        "POST",
        "batches",
        {
            "file_id": _file_id,
            "provider": provider,
            "endpoint": spooled.url,
            "completion_window": COMPLETION_WINDOW,
            "request_id": request_id,
            "metadata": dict(metadata),
        },
    )
    return job_info(created)


# ------------------------------------------------------- status, cancel


def status(api: Endpoints, job_id: str) -> Flow[JobInfo]:
    """The job as the service sees it now."""
    return job_info((yield api.call("GET", api.job(job_id))))


def cancel(api: Endpoints, job_id: str) -> Flow[JobInfo]:
    """Ask the service to cancel; a 409 (nothing to cancel) becomes `GradientBatchStateError`."""
    policy = NoConflictRetry(max_retries=api.policy.max_retries)
    try:
        body = yield api.call("POST", api.job(job_id, "/cancel"), policy=policy)
    except GradientStatusError as exc:
        if exc.status_code != 409:
            raise
        msg = (
            f"batch {job_id} cannot be cancelled: {exc.server_message} (a job that has "
            "finished, or has not reached the model provider yet, has nothing to cancel)"
        )
        raise GradientBatchStateError(
            msg, job_id=job_id, status=None, server_message=exc.server_message
        ) from exc
    return job_info(body)


def list_jobs(api: Endpoints, limit: int, status: str | None) -> Flow[list[JobInfo]]:
    """Up to ``limit`` jobs, newest first, following the pages."""
    jobs: list[JobInfo] = []
    after: str | None = None
    while len(jobs) < limit:
        query: dict[str, Any] = {"limit": min(MAX_PAGE, limit - len(jobs))}
        if after is not None:
            query["after"] = after
        if status is not None:
            query["status"] = status
        body = yield api.call("GET", "batches?" + urlencode(query))
        page, after = job_page(body)
        jobs += page
        if after is None or not page:
            break
    return jobs[:limit]


# -------------------------------------------------------------- results


Progress = Callable[[JobInfo, int | None], None]
"""Called with the job after each poll, and with the number of result lines read."""


def collect(
    api: Endpoints,
    job_id: str,
    *,
    new_collector: Callable[[JobInfo], ResultCollector],
    timeout: float | None,
    poll_interval: float,
    progress: Progress | None,
) -> Flow[list[Outcome]]:
    """Wait for the job to end, then read every result line into one outcome per input."""
    deadline = None if timeout is None else _drive.monotonic() + timeout
    while True:
        info = job_info((yield api.call("GET", api.job(job_id))))
        if progress is not None:
            progress(info, None)
        if info.done:
            break
        yield _wait_or_timeout(deadline, poll_interval, info, "still " + info.status)
    if info.status == "failed":
        detail = "; ".join(
            f"{e.get('message') or e.get('code')}"
            + (f" (line {e['line']})" if e.get("line") else "")
            for e in info.errors[:5]
        )
        msg = f"batch {job_id} failed" + (f": {detail}" if detail else "")
        raise GradientBatchFailedError(msg, job_id=job_id, errors=info.errors)
    links = yield from _links(api, job_id, info, deadline, poll_interval)
    collector = new_collector(info)
    for url in (links.output_url, links.error_url):
        if url is not None:
            yield Download(url=url, sink=collector.add, timeout=api.timeout, policy=api.policy)
    if progress is not None:
        progress(info, collector.received)
    return collector.finish(info.status, info.total)


def _links(
    api: Endpoints, job_id: str, info: JobInfo, deadline: float | None, poll_interval: float
) -> Flow[ResultLinks]:
    while True:
        reason = "its results are not available yet"
        try:
            links = result_links((yield api.call("GET", api.job(job_id, "/results"))))
        except GradientStatusError as exc:
            if exc.status_code != 412:
                raise
            links, reason = None, f"{reason} (HTTP 412: {exc.server_message})"
        if links is not None:
            return links
        if info.status in ("expired", "cancelled"):
            # A job that ended early may have produced nothing: every input
            # is then reported as not processed.
            return ResultLinks(output_url=None, error_url=None)
        yield _wait_or_timeout(deadline, poll_interval, info, f"{info.status}, but {reason}")


def _wait_or_timeout(
    deadline: float | None, poll_interval: float, info: JobInfo, state: str
) -> Wait:
    if deadline is None:
        return Wait(poll_interval)
    left = deadline - _drive.monotonic()
    if left <= 0:
        msg = (
            f"batch {info.id} is {state}; stopped waiting. The job keeps running: "
            f"collect it later with model.get_batch({info.id!r}).results()"
        )
        raise GradientBatchTimeoutError(msg, job_id=info.id, status=info.status)
    return Wait(min(poll_interval, left))


# ------------------------------------------------------------- progress


def stderr_progress(stream: IO[str] | None = None) -> Progress:
    """A one-line progress report on stderr, rewritten in place."""
    out = stream if stream is not None else sys.stderr

    def report(info: JobInfo, lines: int | None) -> None:
        if lines is not None:
            out.write(f"\rbatch {info.id}: {lines:,} result lines read\033[K")
        else:
            done = (info.completed or 0) + (info.failed or 0)
            total = f"/{info.total:,}" if info.total else ""
            failed = f", {info.failed:,} failed" if info.failed else ""
            out.write(f"\rbatch {info.id}: {info.status}, {done:,}{total} done{failed}\033[K")
        if info.done and lines is not None:
            out.write("\n")
        out.flush()

    return report
