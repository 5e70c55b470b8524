"""Structured, checkable claims from ML paper abstracts.

>>> import extract
>>> tables = extract.extract_table(["fixtures/seeds"])
>>> tables.claims.head()

The names below are imported on first use: building a pipeline (``extract.build_nlp()``)
then does not pay for pandas and pyarrow, which only the table, batch and query code need.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("ml-claims-extract")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"

_WHERE = {
    "Fields": "extract.io.read",
    "Summary": "extract.table.batch",
    "Tables": "extract.table.batch",
    "build_nlp": "extract.pipeline.build",
    "extract_table": "extract.table.batch",
    "extract_text": "extract.table.batch",
    "leaderboard": "extract.query.leaderboard",
    "select": "extract.query.select",
    "read_papers": "extract.io.read",
    "run_batch": "extract.table.batch",
}
__all__ = [
    "Fields",
    "Summary",
    "Tables",
    "build_nlp",
    "extract_table",
    "extract_text",
    "leaderboard",
    "select",
    "read_papers",
    "run_batch",
]

if TYPE_CHECKING:
    from extract.io.read import Fields, read_papers
    from extract.pipeline.build import build_nlp
    from extract.query.leaderboard import leaderboard
    from extract.query.select import select
    from extract.table.batch import Summary, Tables, extract_table, extract_text, run_batch


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'extract' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
