"""What ``import langchain_gradient`` offers, as dir() and tab completion show it."""

from __future__ import annotations

import langchain_gradient


def test_dir_lists_every_public_name_including_the_lazy_ones() -> None:
    names = dir(langchain_gradient)

    assert set(langchain_gradient.__all__) <= set(names)
    for lazy in ("ChatGradientAgent", "KnowledgeBaseFilter", "GradientModelInfo"):
        assert lazy in names
    assert "list_models" in names
    assert "alist_models" in names


def test_every_name_dir_lists_can_be_read() -> None:
    for name in dir(langchain_gradient):
        getattr(langchain_gradient, name)
