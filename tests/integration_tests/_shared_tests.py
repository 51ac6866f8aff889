"""Run one module's test functions again inside a test class.

The Responses-API variants of the feature and agent tests reuse the Chat
Completions tests' bodies: each body takes a ``make_model`` fixture, and the
class that collects them again overrides that fixture. Collected in a class,
the tests get cassettes of their own (pytest-recording names a class's
cassettes ``<class>.<test>``), so the module's cassettes stay as recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from types import FunctionType, ModuleType
from typing import TypeVar

_Class = TypeVar("_Class", bound=type)


def runs_tests_of(
    module: ModuleType, *, left_out: Collection[str] = ()
) -> Callable[[_Class], _Class]:
    """Class decorator: add ``module``'s ``test_*`` functions to the class.

    A test the class defines itself (say, to mark it ``xfail``) is kept; the
    names in ``left_out`` are not added. The module's own marks (such as
    ``parametrize``) come along, being stored on the functions.

    Raises:
        ValueError: a name in ``left_out`` is not a test of ``module``, so a
            renamed test cannot silently come back.
    """
    tests = {
        name: value
        for name, value in vars(module).items()
        if name.startswith("test_") and isinstance(value, FunctionType)
    }
    unknown = set(left_out) - set(tests)
    if unknown:
        msg = f"{module.__name__} has no tests named {sorted(unknown)}"
        raise ValueError(msg)

    def add(cls: _Class) -> _Class:
        for name, function in tests.items():
            if name not in left_out and name not in vars(cls):
                # staticmethod: the body takes fixtures only, no ``self``.
                setattr(cls, name, staticmethod(function))
        return cls

    return add
