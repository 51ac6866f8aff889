"""`_generate` / `_agenerate` carry a stored ``__signature__`` (core inspects it on
every call); it must be exactly the signature inspect computes from the code."""

from __future__ import annotations

import inspect
import types
from typing import Any

import pytest
from langchain_core.utils._signature import _signature_parameters

from langchain_gradient import ChatGradient

from .loopback import SECRET


def _computed(function: Any) -> inspect.Signature:
    """The signature of a bare copy of ``function`` (no stored ``__signature__``)."""
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__annotations__ = function.__annotations__
    return inspect.signature(copy)


@pytest.mark.parametrize("name", ["_generate", "_agenerate"])
def test_stored_signature_is_the_computed_one(name: str) -> None:
    function = getattr(ChatGradient, name)
    assert "__signature__" in function.__dict__
    assert inspect.signature(function) == _computed(function)
    bound = getattr(ChatGradient(api_key=SECRET), name)
    assert "run_manager" in _signature_parameters(bound)
