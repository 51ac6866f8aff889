"""Hypothesis building blocks of the property tests: the run profile and "any JSON value"."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["PROFILE", "any_json", "obj"]

# Modest by default for CI; raise GRADIENT_PROPERTY_EXAMPLES locally to search harder.
PROFILE = settings(
    max_examples=int(os.environ.get("GRADIENT_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def any_json(
    *, int_bits: int, text_size: int, key_size: int, width: int, leaves: int
) -> st.SearchStrategy[Any]:
    """Any JSON value: integers within ``±2**int_bits``, strings up to
    ``text_size`` characters and keys up to ``key_size``, lists and objects up
    to ``width`` entries, ``leaves`` scalars in all.
    """
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**int_bits), max_value=2**int_bits)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=text_size)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=width)
            | st.dictionaries(st.text(max_size=key_size), inner, max_size=width)
        ),
        max_leaves=leaves,
    )


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict with any subset of ``fields``."""
    return st.fixed_dictionaries({}, optional=fields)
