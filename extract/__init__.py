"""Structured, checkable claims from ML paper abstracts.

>>> import extract
>>> tables = extract.extract_table(["fixtures/seeds"])
>>> tables.claims.head()
"""

from extract.batch import Summary, Tables, extract_table, extract_text, run_batch
from extract.leaderboard import leaderboard
from extract.pipeline import build_nlp
from extract.query import query
from extract.read import Fields, read_papers

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
