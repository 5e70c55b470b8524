"""Structured, checkable claims from ML paper abstracts.

>>> import extract
>>> tables = extract.extract_table(["fixtures/seeds"])
>>> tables.claims.head()

The names below are imported on first use: building a pipeline (``extract.build_nlp()``)
then does not pay for pandas and pyarrow, which only the table, batch and query code need.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

_WHERE = {
    "Fields": "extract.read",
    "Summary": "extract.batch",
    "Tables": "extract.batch",
    "build_nlp": "extract.pipeline",
    "extract_table": "extract.batch",
    "extract_text": "extract.batch",
    "leaderboard": "extract.leaderboard",
    "query": "extract.query",
    "read_papers": "extract.read",
    "run_batch": "extract.batch",
}
__all__ = [
    "Fields",
    "Summary",
    "Tables",
    "build_nlp",
    "extract_table",
    "extract_text",
    "leaderboard",
    "query",
    "read_papers",
    "run_batch",
]

if TYPE_CHECKING:
    from extract.batch import Summary, Tables, extract_table, extract_text, run_batch
    from extract.leaderboard import leaderboard
    from extract.pipeline import build_nlp
    from extract.query import query
    from extract.read import Fields, read_papers


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'extract' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Importing a submodule binds it on its package: ``import extract.query`` would make
    ``extract.query`` the module. The functions ``query`` and ``leaderboard`` share their
    module's name, so the binding keeps the function instead."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
