"""Unit tests never leave the machine: only loopback connections are allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from pytest_socket import enable_socket, socket_allow_hosts

from langchain_gradient import close_shared_clients

if TYPE_CHECKING:
    from tests.unit_tests.test_agents import LoopbackAPI

LOOPBACK = ["127.0.0.1", "::1", "localhost"]


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    socket_allow_hosts(LOOPBACK, allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture(autouse=True)
def _fresh_shared_clients() -> Iterator[None]:
    """Each test starts and ends without pooled connections from another test."""
    close_shared_clients()
    yield
    close_shared_clients()


@pytest.fixture
def api() -> Iterator[LoopbackAPI]:
    """A scripted Chat Completions / agent / catalogue server on 127.0.0.1."""
    from tests.unit_tests.test_agents import LoopbackAPI

    server = LoopbackAPI()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the keys and URLs they set themselves."""
    for name in (
        "DIGITALOCEAN_INFERENCE_KEY",
        "GRADIENT_MODEL_ACCESS_KEY",
        "DIGITALOCEAN_INFERENCE_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
