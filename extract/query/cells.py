"""Cells of a table made elsewhere: header names, numbers as people write them, truth values.

A leaderboard exported from another tool (Papers with Code, a spreadsheet) writes
``220k``, ``5.7M``, ``1.2e3``, ``85.2%`` or ``1,024`` where we expect a number, and names its
columns its own way. Every cell is read on its own: a cell that cannot be read marks its row
(the caller rejects and counts those rows), never the whole table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from numbers import Real

import pandas as pd

from extract.table.frames import header_key

# The K / M / B / T suffixes of the claims-table contract (DESIGN.md), any case: PwC
# writes '3.1m' parameters.
SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
_NUMBER = re.compile(
    r"\s*(?P<sign>[+\-−]?)\s*(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
    r"(?P<exponent>[eE][+\-]?\d+)?\s*(?P<suffix>[kKmMbBtT%])?\s*"
)
TRUTH = {"true": True, "yes": True, "1": True, "1.0": True, "higher": True}
TRUTH |= {"false": False, "no": False, "0": False, "0.0": False, "lower": False}


def column_name(header: object, synonyms: dict[str, str]) -> str:
    """Our column for another table's header: 'Paper ID' → 'paper_id', 'Benchmark' → 'dataset'
    (``synonyms``: folded header → our column, from the rules' ``column_synonym`` cues)."""
    key = header_key(header)
    return synonyms.get(key, key)


def clashes(headers: Iterable[object], synonyms: dict[str, str]) -> list[str]:
    """'several columns map to 'dataset': 'Benchmark', 'dataset'' for each clash."""
    by_name: dict[str, list[str]] = {}
    for header in headers:
        by_name.setdefault(column_name(header, synonyms), []).append(str(header))
    return [
        f"several columns map to '{name}': {', '.join(repr(h) for h in given)}"
        for name, given in by_name.items()
        if len(given) > 1
    ]


def parse_number(cell: object) -> tuple[float, bool] | None:
    """(value, written as a percent) of one cell, or None when it is no number.

    ``220k`` → 220000, ``5.7M`` → 5.7e6, ``1,024`` → 1024, ``1.2e3`` → 1200, ``85.2%`` → (85.2,
    True); an empty cell is NaN; other text, booleans and infinities are not numbers.
    """
    if isinstance(cell, bool):
        return None
    if isinstance(cell, Real):
        return None if math.isinf(cell) else (float(cell), False)
    text = str(cell)
    if not text.strip():
        return math.nan, False
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    suffix = (match["suffix"] or "").casefold()
    number = float(match["digits"].replace(",", "") + (match["exponent"] or "")) * SCALE.get(suffix, 1.0)
    if math.isinf(number):
        return None
    return (-number if match["sign"] in ("-", "−") else number), suffix == "%"


def numbers(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(float values, written-as-percent mask, unreadable mask) of a column."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        value = values.astype("float64")
        return value, pd.Series(False, index=values.index), value.abs() == math.inf
    read = [(math.nan, False) if _missing(cell) else parse_number(cell) for cell in values]
    index = values.index
    value = pd.Series([r[0] if r else math.nan for r in read], index=index, dtype="float64")
    percent = pd.Series([bool(r and r[1]) for r in read], index=index, dtype=bool)
    return value, percent, pd.Series([r is None for r in read], index=index, dtype=bool)


def _missing(cell: object) -> bool:
    return cell is None or cell is pd.NA or (isinstance(cell, float) and math.isnan(cell))


def truth(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(true / false / <NA>, unreadable mask): true/false, yes/no, 1/0 or higher/lower."""
    text = values.astype("string").str.strip().str.casefold()
    read = text.map(TRUTH).astype("boolean")
    bad = (read.isna() & text.notna() & (text != "")).fillna(False).astype(bool)
    return read, bad
