"""`BatchInferenceMixin`: ``submit_batch`` / ``get_batch`` (and async twins) on `ChatGradient`.

Kept tiny and free of heavy imports: `ChatGradient` inherits it, so it loads
with ``import langchain_gradient``; the batch machinery loads on first use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput

    from langchain_gradient.batches._job import GradientBatchJob
    from langchain_gradient.chat_models import ChatGradient

__all__ = ["BatchInferenceMixin"]


class BatchInferenceMixin:
    """Gradient's batch inference (``/v1/batches``) for a chat model."""

    def submit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        stop: list[str] | None = None,
        batch_provider: str | None = None,
        batch_metadata: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> GradientBatchJob:
        """Submit ``inputs`` as one batch job (run by Gradient within 24 h, at a lower price).

        Each input (a string, a list of messages or a ``PromptValue``, as
        ``invoke`` takes) becomes one line whose body is exactly the request
        ``invoke(input, stop=stop, **kwargs)`` sends, on the API ``invoke``
        would use (``use_responses_api``: ``/v1/responses`` lines and job, or
        ``/v1/chat/completions``). The file is built on
        disk and checked first, uploaded to the pre-signed URL (without the
        key), then the job is created with an idempotency key, so a retried
        create never starts a second job.

        Args:
            inputs: The inputs, at most 50,000, text only.
            stop: Stop sequences, as for ``invoke``.
            batch_provider: ``"openai"`` to skip the model-family check (for
                OpenAI model ids the check does not recognise).
            batch_metadata: String pairs stored on the job.
            **kwargs: Request fields, as ``invoke`` takes them: ``tools`` (any
                form ``bind_tools`` takes), ``tool_choice``, ``response_format``,
                ``temperature``, ``use_responses_api``... A binding's kwargs work as they are:
                ``model.submit_batch(inputs, **model.bind_tools(tools).kwargs)``.

        Returns:
            The job's handle.

        Raises:
            GradientInvalidInputError: before anything is sent: no inputs, more
                than 50,000, a file over 200 MB (split the inputs over several
                jobs), a non-text part (images...), ``n > 1``, a model family
                the batch API does not serve (only OpenAI models are
                submitted; Anthropic batches take another line format), or
                anything ``invoke`` would refuse.
            GradientStatusError: the batch API or the upload answered with an error.

        Example:
            .. code-block:: python

                job = model.submit_batch(["Summarise: ...", "Classify: ..."], temperature=0)
                replies = job.results(show_progress=True)
        """
        from langchain_gradient.batches import _drive, _job  # noqa: PLC0415

        model = cast("ChatGradient", self)
        spooled, flow = _job.prepare_submit(
            model,
            inputs,
            stop=stop,
            batch_provider=batch_provider,
            batch_metadata=batch_metadata,
            kwargs=kwargs,
        )
        try:
            info = _drive.run(flow, model._clients)
        finally:
            spooled.discard()
        return _job.submitted(model, spooled, info)

    async def asubmit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        stop: list[str] | None = None,
        batch_provider: str | None = None,
        batch_metadata: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> GradientBatchJob:
        """Async `submit_batch` (same arguments, result and errors).

        Building and writing the file (CPU and disk work: seconds for 50,000
        inputs) runs in a worker thread, so the event loop keeps serving.
        """
        import asyncio  # noqa: PLC0415

        from langchain_gradient.batches import _drive, _job  # noqa: PLC0415

        model = cast("ChatGradient", self)
        spooled, flow = await asyncio.to_thread(
            _job.prepare_submit,
            model,
            inputs,
            stop=stop,
            batch_provider=batch_provider,
            batch_metadata=batch_metadata,
            kwargs=kwargs,
        )
        try:
            info = await _drive.arun(flow, model._clients)
        finally:
            spooled.discard()
        return _job.submitted(model, spooled, info)

    def get_batch(self, job_id: str) -> GradientBatchJob:
        """Re-attach to a job by id (from any process); checks that it exists.

        The handle puts results back in input order from the ``custom_id``
        of each line alone, and knows the input count from the job, exactly
        like the handle ``submit_batch`` returned.

        Raises:
            GradientNotFoundError: no such job for this key.
        """
        from langchain_gradient.batches import _drive, _flow, _job  # noqa: PLC0415

        model = cast("ChatGradient", self)
        job = _job.GradientBatchJob(model, job_id)
        info = _drive.run(_flow.status(job._api(), job_id), model._clients)
        job.info = info
        return job

    async def aget_batch(self, job_id: str) -> GradientBatchJob:
        """Async `get_batch`."""
        from langchain_gradient.batches import _drive, _flow, _job  # noqa: PLC0415

        model = cast("ChatGradient", self)
        job = _job.GradientBatchJob(model, job_id)
        info = await _drive.arun(_flow.status(job._api(), job_id), model._clients)
        job.info = info
        return job

    def list_batches(self, limit: int = 20, status: str | None = None) -> list[GradientBatchJob]:
        """The key's most recent batch jobs, newest first, as handles.

        Args:
            limit: How many at most (pages are followed).
            status: Only jobs in this status (``"in_progress"``, ``"completed"``...).

        Returns:
            Handles whose ``info`` holds each job as listed.
        """
        from langchain_gradient.batches import _drive, _job  # noqa: PLC0415

        model = cast("ChatGradient", self)
        flow = _job.list_flow(model, limit, status)
        return _job.handles(model, _drive.run(flow, model._clients))

    async def alist_batches(
        self, limit: int = 20, status: str | None = None
    ) -> list[GradientBatchJob]:
        """Async `list_batches`."""
        from langchain_gradient.batches import _drive, _job  # noqa: PLC0415

        model = cast("ChatGradient", self)
        flow = _job.list_flow(model, limit, status)
        return _job.handles(model, await _drive.arun(flow, model._clients))
