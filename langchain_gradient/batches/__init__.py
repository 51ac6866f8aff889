"""Batch inference: Gradient's ``/v1/batches`` for workloads that outgrow interactive calls.

``ChatGradient.submit_batch`` / ``asubmit_batch`` submit a list of inputs as
one job and return a `GradientBatchJob`; ``get_batch`` / ``aget_batch``
re-attach to a job by id. See README, "Batch inference".

Modules: `_lines` (the JSONL file), `_api` (endpoint steps and answer readers),
`_flow` (each operation, step by step), `_drive` (the sync and async drivers),
`_results` (result lines -> outcomes in input order), `_job` (the handle),
`_mixin` (the methods on `ChatGradient`), `errors`, `cli`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_gradient.batches._job import GradientBatchJob
    from langchain_gradient.batches._lines import MAX_FILE_BYTES, MAX_REQUESTS
    from langchain_gradient.batches.errors import (
        GradientBatchError,
        GradientBatchFailedError,
        GradientBatchNotProcessedError,
        GradientBatchRequestError,
        GradientBatchResultsError,
        GradientBatchStateError,
        GradientBatchTimeoutError,
    )

# Loaded on first use: ChatGradient imports this package (its mixin), and a
# plain chat call should not pay for the batch machinery.
_LAZY = {
    "GradientBatchJob": "langchain_gradient.batches._job",
    "MAX_FILE_BYTES": "langchain_gradient.batches._lines",
    "MAX_REQUESTS": "langchain_gradient.batches._lines",
    "GradientBatchError": "langchain_gradient.batches.errors",
    "GradientBatchFailedError": "langchain_gradient.batches.errors",
    "GradientBatchNotProcessedError": "langchain_gradient.batches.errors",
    "GradientBatchRequestError": "langchain_gradient.batches.errors",
    "GradientBatchResultsError": "langchain_gradient.batches.errors",
    "GradientBatchStateError": "langchain_gradient.batches.errors",
    "GradientBatchTimeoutError": "langchain_gradient.batches.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'langchain_gradient.batches' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_REQUESTS",
    "GradientBatchError",
    "GradientBatchFailedError",
    "GradientBatchJob",
    "GradientBatchNotProcessedError",
    "GradientBatchRequestError",
    "GradientBatchResultsError",
    "GradientBatchStateError",
    "GradientBatchTimeoutError",
]
