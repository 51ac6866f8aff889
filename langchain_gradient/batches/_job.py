"""`GradientBatchJob`: the handle of one batch job, and how ``submit_batch`` makes one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage

from langchain_gradient._api_choice import mark_result
from langchain_gradient._config import endpoint
from langchain_gradient.batches import _drive, _flow
from langchain_gradient.batches._lines import provider_for, spool
from langchain_gradient.batches._results import Outcome, ResultCollector, as_invoked
from langchain_gradient.dialects import CHAT_COMPLETIONS, Dialect
from langchain_gradient.errors import GradientInvalidInputError

if TYPE_CHECKING:
    from langchain_gradient.batches._api import JobInfo
    from langchain_gradient.batches._drive import Flow
    from langchain_gradient.batches._lines import SpooledBatch
    from langchain_gradient.chat_models import ChatGradient

__all__ = ["DEFAULT_POLL_INTERVAL", "GradientBatchJob", "prepare_submit"]

DEFAULT_POLL_INTERVAL = 30.0
"""Seconds between status checks while waiting (jobs take minutes to hours)."""
COUNT_KEY = "langchain_gradient_requests"
"""Job metadata: how many inputs were submitted (a re-attached handle reads it)."""
MODEL_KEY = "langchain_gradient_model"
"""Job metadata: the model the requests name (the reply mapper's fallback)."""


class GradientBatchJob:
    """One batch job on Gradient: check it, wait for it, collect or cancel it.

    Made by ``model.submit_batch(...)``, or re-attached from its id (in any
    process, any day) by ``model.get_batch(job_id)``; both behave the same.

    Example:
        .. code-block:: python

            from langchain_gradient import ChatGradient

            model = ChatGradient(model="openai-gpt-4.1-mini")
            job = model.submit_batch(["Name a colour.", "Name a fruit."])
            print(job.id, job.status())
            # ... later, even in another process:
            job = model.get_batch(job.id)
            for outcome in job.results(timeout=3600, show_progress=True):
                print(outcome.text if not isinstance(outcome, Exception) else outcome)
    """

    def __init__(
        self,
        model: ChatGradient,
        job_id: str,
        *,
        count: int | None = None,
        requested_model: str | None = None,
        endpoint: str | None = None,
        info: JobInfo | None = None,
    ) -> None:
        """Use ``model.submit_batch`` or ``model.get_batch`` rather than this."""
        self._model = model
        self._id = job_id
        self._count = count
        self._requested_model = requested_model
        self._endpoint = endpoint
        self.info = info
        """The job as last seen (status, ``request_counts``, metadata), or ``None``."""

    @property
    def id(self) -> str:
        """The batch id (pass it to ``model.get_batch`` to re-attach)."""
        return self._id

    def __repr__(self) -> str:
        status = self.info.status if self.info is not None else "unknown"
        return f"GradientBatchJob(id={self._id!r}, status={status!r})"

    # ------------------------------------------------------------- status

    def status(self) -> str:
        """The job's status now (``validating``, ``in_progress``, ``completed``...)."""
        return self._seen(_drive.run(_flow.status(self._api(), self._id), self._clients())).status

    async def astatus(self) -> str:
        """Async `status`."""
        info = await _drive.arun(_flow.status(self._api(), self._id), self._clients())
        return self._seen(info).status

    # ------------------------------------------------------------ results

    def results(
        self,
        timeout: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        show_progress: bool = False,
    ) -> list[Outcome]:
        """Wait for the job to end; return one outcome per input, in input order.

        Each outcome is the `AIMessage` ``invoke`` would have returned for that
        input (content, tool calls, usage, metadata; no message id, as there
        is no LangChain run), or a `GradientError` for that input: the
        `GradientStatusError` subclass ``invoke`` would have raised for an
        error response, `GradientBatchRequestError` for an error-file line,
        `GradientBatchNotProcessedError` when the job expired or was cancelled
        first. Errors are returned, never raised, so no input is lost.

        Args:
            timeout: Seconds to wait at most (``None``: until the job ends; ``0``:
                look once). The job is not touched when time runs out.
            poll_interval: Seconds between status checks.
            show_progress: Report the status and counts on stderr while waiting.

        Returns:
            ``len(inputs)`` outcomes.

        Raises:
            GradientBatchTimeoutError: the job had not ended (or its results
                were not available yet) when ``timeout`` ran out.
            GradientBatchFailedError: the job failed as a whole.
            GradientBatchResultsError: the result files do not account for
                every input exactly once.
            GradientStatusError: the batch API answered with an error.
        """
        flow = self._collect(timeout, poll_interval, show_progress)
        return list(_drive.run(flow, self._clients()))

    async def aresults(
        self,
        timeout: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        show_progress: bool = False,
    ) -> list[Outcome]:
        """Async `results` (same arguments, outcomes and errors)."""
        flow = self._collect(timeout, poll_interval, show_progress)
        return list(await _drive.arun(flow, self._clients()))

    # ------------------------------------------------------------- cancel

    def cancel(self) -> str:
        """Ask the service to cancel the job; returns its status (``cancelling``...).

        Results produced before the cancellation stay collectable; ``results()``
        then gives `GradientBatchNotProcessedError` for the inputs never run.

        Raises:
            GradientBatchStateError: there is nothing to cancel (HTTP 409: the
                job has finished, or has not reached the model provider yet).
        """
        return self._seen(_drive.run(_flow.cancel(self._api(), self._id), self._clients())).status

    async def acancel(self) -> str:
        """Async `cancel`."""
        info = await _drive.arun(_flow.cancel(self._api(), self._id), self._clients())
        return self._seen(info).status

    # ------------------------------------------------------------ helpers

    def _api(self) -> _flow.Endpoints:
        return _flow.Endpoints.of(self._model)

    def _clients(self) -> Any:
        return self._model._clients

    def _seen(self, info: JobInfo) -> JobInfo:
        self.info = info
        return info

    def _collect(
        self, timeout: float | None, poll_interval: float, show_progress: bool
    ) -> Flow[list[Outcome]]:
        if timeout is not None and timeout < 0:
            msg = f"timeout must be >= 0 seconds or None, got {timeout!r}"
            raise GradientInvalidInputError(msg)
        if poll_interval < 0:
            msg = f"poll_interval must be >= 0 seconds, got {poll_interval!r}"
            raise GradientInvalidInputError(msg)
        model = self._model
        output_version = getattr(model, "output_version", None)

        def new_collector(info: JobInfo) -> ResultCollector:
            self.info = info
            count = self._count if self._count is not None else _int(info.metadata.get(COUNT_KEY))
            requested = self._requested_model or info.metadata.get(MODEL_KEY) or model.model
            # The service's record of the job says which API its lines went to;
            # a handle that submitted them knows it too.
            dialect = dialect_for(info.raw.get("endpoint") or self._endpoint)

            def map_body(body: Any) -> AIMessage:
                result = mark_result(model._result(body, requested, dialect), dialect)
                return as_invoked(result, output_version)

            request_url = endpoint(model.base_url, dialect.path)
            return ResultCollector(info.id, count, map_body, request_url)

        return _flow.collect(
            self._api(),
            self._id,
            new_collector=new_collector,
            timeout=timeout,
            poll_interval=poll_interval,
            progress=_flow.stderr_progress() if show_progress else None,
        )


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def dialect_for(job_endpoint: Any) -> Dialect:
    """The API whose replies a job's output lines hold, from its ``endpoint``.

    ``/v1/responses`` is the Responses API; anything else (``/v1/chat/completions``,
    or a job whose record names no endpoint) is read as Chat Completions.
    """
    from langchain_gradient.dialects import RESPONSES  # noqa: PLC0415 - loaded on use

    if isinstance(job_endpoint, str) and job_endpoint.rstrip("/").endswith("/" + RESPONSES.path):
        return RESPONSES
    return CHAT_COMPLETIONS


# ----------------------------------------------------------------- submit


def prepare_submit(
    model: ChatGradient,
    inputs: Sequence[Any],
    *,
    stop: list[str] | None,
    batch_provider: str | None,
    batch_metadata: Mapping[str, str] | None,
    kwargs: dict[str, Any],
) -> tuple[SpooledBatch, Flow[JobInfo]]:
    """Check everything and write the file; return it and the flow that sends it.

    Raises:
        GradientInvalidInputError: see ``ChatGradient.submit_batch``. Nothing
            has been sent.
    """
    from langchain_gradient.agents import ChatGradientAgent  # noqa: PLC0415

    if isinstance(model, ChatGradientAgent):
        msg = "batch inference runs serverless models; an agent endpoint cannot take batches"
        raise GradientInvalidInputError(msg)
    kwargs = dict(kwargs)
    # Tracing-only keys a structured-output binding carries (core drops them too).
    kwargs.pop("ls_structured_output_format", None)
    kwargs.pop("structured_output_format", None)
    if "tools" in kwargs:
        from langchain_gradient._tools import format_tool_choice, format_tools  # noqa: PLC0415

        kwargs["tools"] = format_tools(kwargs["tools"])
        if "tool_choice" in kwargs:
            choice = format_tool_choice(kwargs["tool_choice"], kwargs["tools"])
            if choice is None:
                del kwargs["tool_choice"]
            else:
                kwargs["tool_choice"] = choice
    # The same choice of API as invoke (use_responses_api, the model id,
    # Responses-only fields); the job's endpoint follows it.
    dialect = model._dialect(kwargs)
    model_id = kwargs.get("model") or model.model
    provider = provider_for(str(model_id), batch_provider)
    metadata = dict(batch_metadata or {})
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            msg = f"batch_metadata must map strings to strings, got {key!r}: {value!r}"
            raise GradientInvalidInputError(msg)
    api = _flow.Endpoints.of(model)  # a missing key fails here, before the file is built
    spooled = spool(model, inputs, stop=stop, kwargs=kwargs, dialect=dialect)
    metadata[COUNT_KEY] = str(spooled.count)
    metadata[MODEL_KEY] = spooled.model
    request_id = str(uuid.uuid4())
    flow = _flow.submit(api, spooled, provider=provider, metadata=metadata, request_id=request_id)
    return spooled, flow


def submitted(model: ChatGradient, spooled: SpooledBatch, info: JobInfo) -> GradientBatchJob:
    """The handle of a job just created."""
    return GradientBatchJob(
        model,
        info.id,
        count=spooled.count,
        requested_model=spooled.model,
        endpoint=spooled.url,
        info=info,
    )


def list_flow(model: ChatGradient, limit: int, status: str | None) -> Flow[list[JobInfo]]:
    """The flow of ``list_batches``.

    Raises:
        GradientInvalidInputError: ``limit`` below 1.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        msg = f"limit must be a positive integer, got {limit!r}"
        raise GradientInvalidInputError(msg)
    return _flow.list_jobs(_flow.Endpoints.of(model), limit, status)


def handles(model: ChatGradient, jobs: list[JobInfo]) -> list[GradientBatchJob]:
    """A handle per listed job."""
    return [GradientBatchJob(model, info.id, info=info) for info in jobs]
