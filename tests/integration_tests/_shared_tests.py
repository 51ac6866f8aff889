"""Run one module's test functions again inside a test class.

The Responses-API variants of the feature and agent tests reuse the Chat
Completions tests' bodies: each body takes a ``make_model`` fixture, and the
class that collects them again overrides that fixture. Collected in a class,
the tests get cassettes of their own (pytest-recording names a class's
cassettes ``<class>.<test>``), so the module's cassettes stay as recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from types import FunctionType, ModuleType
from typing import TypeVar

import pytest

_Class = TypeVar("_Class", bound=type)


def runs_tests_of(
    module: ModuleType,
    *,
    left_out: Collection[str] = (),
    marks: Mapping[str, pytest.MarkDecorator] | None = None,
) -> Callable[[_Class], _Class]:
    """Class decorator: add ``module``'s ``test_*`` functions to the class.

    A test the class defines itself is kept; the names in ``left_out`` are not
    added. The module's own marks (such as ``parametrize``) come along, being
    stored on the functions; ``marks`` adds one more to the named tests, in
    this class only (the module's function is left unmarked).

    Raises:
        ValueError: a name in ``left_out`` or ``marks`` is not a test of
            ``module``, so a renamed test cannot silently lose its mark.
    """
    marks = dict(marks or {})
    tests = {
        name: value
        for name, value in vars(module).items()
        if name.startswith("test_") and isinstance(value, FunctionType)
    }
    unknown = (set(left_out) | set(marks)) - set(tests)
    if unknown:
        msg = f"{module.__name__} has no tests named {sorted(unknown)}"
        raise ValueError(msg)

    def add(cls: _Class) -> _Class:
        for name, function in tests.items():
            if name in left_out or name in vars(cls):
                continue
            test = marks[name](_copy(function)) if name in marks else function
            # staticmethod: the body takes fixtures only, no ``self``.
            setattr(cls, name, staticmethod(test))
        return cls

    return add


def _copy(function: FunctionType) -> FunctionType:
    """The same code as a new function object, so a mark stored on it stays its own."""
    code, scope, name = function.__code__, function.__globals__, function.__name__
    copy = FunctionType(code, scope, name, function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    # A shallow copy: pytest stores a new mark by assigning a new ``pytestmark``
    # list, never by appending to the one shared with the original.
    copy.__dict__.update(function.__dict__)
    return copy
