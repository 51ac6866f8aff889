"""The batch endpoints: request steps and readers of what the service answers.

Nothing here does I/O. Each call is a step (`Call`, `Upload`, `Download`,
`Wait`) that a driver (`_drive`) performs with the sync or the async client;
the readers accept both documented shapes of every answer (the OpenAPI
specification's and the one the Go SDK was written against):

- job: ``batch_id`` (or ``id``), ``status``, ``request_counts``, ``metadata``,
  ``errors``; ``input_file_id`` or ``file_id``;
- results: ``{result_available, output_file_url, error_file_url}`` or
  ``{download: {presigned_url}, output_file_id}``; "not ready" is HTTP 412 or
  ``result_available: false``.

Calls to Gradient carry the key; the pre-signed object-storage URLs (upload
and result downloads) get no ``Authorization`` header, no key and no user
headers, and go through the package's shared clients, never a client the
user configured (whose defaults or ``auth`` could add credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from langchain_gradient import _transport
from langchain_gradient._values import quote
from langchain_gradient.errors import GradientError, GradientResponseError, GradientStatusError

if TYPE_CHECKING:
    from httpx._client import UseClientDefault

    from langchain_gradient.batches._lines import SpooledBatch

__all__ = [
    "TERMINAL",
    "Call",
    "Download",
    "JobInfo",
    "ResultLinks",
    "Upload",
    "Wait",
    "job_info",
    "job_page",
    "result_links",
]

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
"""Statuses a job never leaves; any other (``queued`` included) means "not yet"."""


@dataclass(frozen=True)
class Call:
    """One request to the batch API (with the key), answered with JSON."""

    method: str
    url: httpx.URL
    headers: Mapping[str, str]
    timeout: float | httpx.Timeout | UseClientDefault
    policy: _transport.RetryPolicy
    content: bytes | None = None


@dataclass(frozen=True)
class Upload:
    """``PUT`` the spooled file to a pre-signed URL: no key, ``Content-Length`` set."""

    url: str
    spooled: SpooledBatch
    timeout: float | httpx.Timeout | UseClientDefault
    policy: _transport.RetryPolicy


@dataclass(frozen=True)
class Download:
    """``GET`` a pre-signed result file, handing each line to ``sink`` as it arrives."""

    url: str
    sink: Callable[[str], None]
    timeout: float | httpx.Timeout | UseClientDefault
    policy: _transport.RetryPolicy


@dataclass(frozen=True)
class Wait:
    """Pause between polls."""

    seconds: float


STORAGE_HEADERS = {"Content-Type": "application/octet-stream"}
"""The upload's only header besides ``Content-Length``: the type the pre-signed
URL is documented to accept (a custom type can break the signature)."""


class NoConflictRetry(_transport.RetryPolicy):
    """The transport's policy, except that a 409 is final.

    409 means "not in this state" for cancel (a finished job): asking again
    cannot change the answer.
    """

    def delay(
        self, attempt: int, error: GradientError, headers: httpx.Headers | None
    ) -> float | None:
        if isinstance(error, GradientStatusError) and error.status_code == 409:
            return None
        return super().delay(attempt, error, headers)


@dataclass(frozen=True)
class JobInfo:
    """What a job answer says (either documented shape)."""

    id: str
    status: str
    total: int | None = None
    completed: int | None = None
    failed: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Whether the job is in a terminal status."""
        return self.status in TERMINAL


def job_info(body: Any) -> JobInfo:
    """Read a job object.

    Raises:
        GradientResponseError: it has no id or no status.
    """
    if not isinstance(body, dict):
        msg = f"expected a batch job object, got {quote(body)}"
        raise GradientResponseError(msg)
    job_id = body.get("batch_id") or body.get("id")
    status = body.get("status")
    if not isinstance(job_id, str) or not job_id or not isinstance(status, str):
        msg = f"the batch job object has no batch_id or status: {quote(body)}"
        raise GradientResponseError(msg)
    counts = body.get("request_counts")
    counts = counts if isinstance(counts, dict) else {}
    metadata = body.get("metadata")
    errors = body.get("errors")
    if isinstance(errors, dict):  # OpenAI's shape: {"object": "list", "data": [...]}
        errors = errors.get("data")
    return JobInfo(
        id=job_id,
        status=status.lower(),
        total=_count(counts.get("total")),
        completed=_count(counts.get("completed")),
        failed=_count(counts.get("failed")),
        metadata={k: v for k, v in metadata.items() if isinstance(v, str)}
        if isinstance(metadata, dict)
        else {},
        errors=[e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else [],
        raw=body,
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class ResultLinks:
    """Where a finished job's result files are (``None``: not ready yet)."""

    output_url: str | None
    error_url: str | None


def result_links(body: Any) -> ResultLinks | None:
    """Read a results answer; ``None`` when it says the results are not available yet.

    Raises:
        GradientResponseError: the answer is not an object.
    """
    if not isinstance(body, dict):
        msg = f"expected a batch results object, got {quote(body)}"
        raise GradientResponseError(msg)
    if body.get("result_available") is False:
        return None
    download = body.get("download")
    download = download if isinstance(download, dict) else {}
    output = _url(body.get("output_file_url")) or _url(download.get("presigned_url"))
    output = output or _url(body.get("presigned_url")) or _url(download.get("output_file_url"))
    errors = _url(body.get("error_file_url")) or _url(download.get("error_file_url"))
    if output is None and errors is None:
        if body.get("result_available") is True:
            msg = f"the batch results answer has no file URL: {quote(body)}"
            raise GradientResponseError(msg)
        return None
    return ResultLinks(output_url=output, error_url=errors)


def job_page(body: Any) -> tuple[list[JobInfo], str | None]:
    """One page of ``GET /batches``: the jobs, and the cursor of the next page (``None``: last).

    Reads ``{data, last_id, has_more}`` and ``{edges: [{cursor, node}], page_info}``.

    Raises:
        GradientResponseError: neither shape.
    """
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        jobs = [job_info(item) for item in body["data"]]
        last = body.get("last_id") or (jobs[-1].id if jobs else None)
        return jobs, (last if body.get("has_more") and isinstance(last, str) else None)
    if isinstance(body, dict) and isinstance(body.get("edges"), list):
        edges = [e for e in body["edges"] if isinstance(e, dict)]
        jobs = [job_info(edge.get("node")) for edge in edges]
        info = body.get("page_info")
        info = info if isinstance(info, dict) else {}
        cursor = info.get("endCursor") or (edges[-1].get("cursor") if edges else None)
        more = info.get("hasNextPage") is True
        return jobs, (cursor if more and isinstance(cursor, str) else None)
    msg = f"expected a list of batch jobs, got {quote(body)}"
    raise GradientResponseError(msg)


def _url(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def file_intent(body: Any) -> tuple[str, str]:
    """``(file_id, upload_url)`` from ``POST /batches/files``.

    Raises:
        GradientResponseError: either is missing.
    """
    file_id = body.get("file_id") if isinstance(body, dict) else None
    upload_url = body.get("upload_url") if isinstance(body, dict) else None
    if not isinstance(file_id, str) or not file_id or not _url(upload_url):
        msg = f"expected {{'file_id', 'upload_url'}} from /batches/files, got {quote(body)}"
        raise GradientResponseError(msg)
    return file_id, str(upload_url)
