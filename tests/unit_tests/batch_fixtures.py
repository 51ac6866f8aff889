"""Fixtures of the batch tests (API and command line): the loopback batch service and a fake clock.

Import them into a test module to use them there (by their fixture names,
``service`` and ``clock``); importing ``storage_host_fixture`` also lets
every test of the module reach the object-storage host (127.0.0.2) the
service serves uploads and results from. The functions carry other names so
that a test's ``service`` parameter does not shadow an import.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit_tests.batch_service import BatchService, allow_storage_host, fake_clock

__all__ = ["MODEL", "clock_fixture", "service_fixture", "storage_host_fixture"]

MODEL = "openai-gpt-4.1-mini"
"""A model id the batch API takes (an OpenAI one)."""


@pytest.fixture(name="storage_host", autouse=True)
def storage_host_fixture() -> None:
    allow_storage_host()


@pytest.fixture(name="service")
def service_fixture() -> Iterator[BatchService]:
    with BatchService() as svc:
        yield svc


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return fake_clock(monkeypatch)
