"""Exceptions of batch inference (all `GradientError`, so ``except GradientError`` sees them).

A batch job has outcomes at two levels, and so do its errors:

- the **job** (`GradientBatchJob`): it failed, it is still running when the
  wait ran out, it cannot be cancelled in its state, or its result files do not
  account for every input exactly once. These are raised.
- **one input** (one line of the batch): that request failed, or was never run
  because the job expired or was cancelled first. These are *returned* in that
  input's place by ``results()``, never raised and never dropped.
"""

from __future__ import annotations

from typing import Any

from langchain_core.exceptions import (
    ModelAPIError,
    ModelInvalidRequestError,
    ModelTimeoutError,
)

from langchain_gradient.errors import GradientError, GradientResponseError, _rebuild_error

__all__ = [
    "GradientBatchError",
    "GradientBatchFailedError",
    "GradientBatchNotProcessedError",
    "GradientBatchRequestError",
    "GradientBatchResultsError",
    "GradientBatchStateError",
    "GradientBatchTimeoutError",
]


class _Picklable:
    """Pickle by state: these errors take keyword-only arguments (outcomes get pickled, cached)."""

    def __reduce__(self) -> Any:
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))  # type: ignore[attr-defined]


class GradientBatchError(_Picklable, GradientError):
    """Base class of batch-job errors.

    Attributes:
        job_id: The batch id (``None`` before the job exists).
    """

    def __init__(self, message: str, *, job_id: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id


class GradientBatchTimeoutError(GradientBatchError, ModelTimeoutError):
    """``results(timeout=...)`` ran out of time; the job itself keeps running.

    Collect it later, from this or another process, with
    ``model.get_batch(error.job_id).results()``.

    Attributes:
        status: The job's last known status.
    """

    def __init__(self, message: str, *, job_id: str, status: str | None) -> None:
        super().__init__(message, job_id=job_id)
        self.status = status


class GradientBatchFailedError(GradientBatchError, ModelAPIError):
    """The job ended in status ``failed``: the service could not run it.

    Attributes:
        errors: The job's ``errors`` entries (``{"code", "message", "line"}``).
    """

    def __init__(self, message: str, *, job_id: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message, job_id=job_id)
        self.errors = errors


class GradientBatchStateError(GradientBatchError, ModelInvalidRequestError):
    """The job cannot do that in its state (HTTP 409), e.g. cancel a finished job.

    Attributes:
        status: The job's status, when it was known.
        server_message: What the service said.
    """

    def __init__(
        self, message: str, *, job_id: str, status: str | None, server_message: str
    ) -> None:
        super().__init__(message, job_id=job_id)
        self.status = status
        self.server_message = server_message


class GradientBatchResultsError(GradientBatchError, GradientResponseError):
    """The result files do not match the inputs one to one.

    Raised when a result line is missing (for a completed job), repeated,
    names a ``custom_id`` this job never sent, or cannot be read. Nothing is
    returned in its place; what could be matched is kept in ``outcomes``.

    Attributes:
        outcomes: One entry per input: its outcome, or ``None`` where none was matched.
        missing: Input indexes without a result line.
    """

    def __init__(
        self,
        message: str,
        *,
        job_id: str,
        outcomes: list[Any] | None = None,
        missing: list[int] | None = None,
    ) -> None:
        super().__init__(message, job_id=job_id)
        self.outcomes = outcomes or []
        self.missing = missing or []


class GradientBatchRequestError(_Picklable, GradientError, ModelAPIError):
    """One input's request failed inside the batch (a line of the error file).

    Returned in that input's place by ``results()``. When the line carries an
    HTTP error response instead, the outcome is the same `GradientStatusError`
    subclass ``invoke`` would have raised (rate limit, bad request, ...).

    Attributes:
        code: The error code the service gave, if any.
        custom_id: The line's ``custom_id``.
        body: The decoded error object.
    """

    def __init__(self, message: str, *, code: str | None, custom_id: str, body: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.custom_id = custom_id
        self.body = body


class GradientBatchNotProcessedError(_Picklable, GradientError, ModelAPIError):
    """One input was never run: the job expired or was cancelled before it.

    Returned in that input's place by ``results()`` for jobs that ended
    ``expired`` or ``cancelled``; submit those inputs again.

    Attributes:
        status: The job's final status.
    """

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status
