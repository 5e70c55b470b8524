"""A DataFrame as text: an aligned terminal table, Markdown, CSV or JSON.

pandas' own ``to_markdown`` needs ``tabulate`` (not a dependency), and ``to_string`` wraps
and pads in ways that read poorly; these two small renderers have no dependencies. Numbers
are right-aligned and compact (``7e9`` parameters read ``7B``); long text is cut with "…".
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from extract.errors import QueryError
from extract.table.frames import spreadsheet_safe

FORMATS = ("table", "csv", "markdown", "json")
WIDTH = 32  # longest cell in a terminal table
_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"))
# Control characters (C0 but tab and newline, DEL, C1): ESC sequences recolour text or set
# a terminal's title, so a cell shows them as visible escapes instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with every control character written out (``\\x1b``), safe for a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def number(value: float) -> str:
    """Compact: whole numbers below a million as integers, larger ones as 7B / 19.7B / 1.2M."""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    for scale, suffix in _SCALES:
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.6g}"


def cell(value: object) -> str:
    """One value as table text: missing → empty, booleans → yes / no, numbers compact."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):  # numpy 2 names its bool type 'bool', not 'bool_'
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
        return number(float(value))
    return " ".join(visible(str(value)).split())  # newlines and tabs would break a row


def truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _cells(df: pd.DataFrame) -> list[list[str]]:
    return [[cell(v) for v in row] for row in df.itertuples(index=False, name=None)]


def table(df: pd.DataFrame, width: int = WIDTH) -> str:
    """Aligned columns for a terminal: header, a rule, one line per row."""
    header = [truncate(visible(str(c)), width) for c in df.columns]
    rows = [[truncate(c, width) for c in row] for row in _cells(df)]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    right = [_is_numeric(df[c]) for c in df.columns]

    def line(values: list[str]) -> str:
        padded = [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)]) + "\n"


def markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (full text, pipes escaped, numbers right-aligned)."""
    header = [visible(str(c)).replace("|", "\\|") for c in df.columns]
    rows = [[c.replace("|", "\\|") for c in row] for row in _cells(df)]
    widths = [max([len(h), 3, *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    right = [_is_numeric(df[c]) for c in df.columns]
    rule = ["-" * (w - 1) + ":" if r else "-" * w for w, r in zip(widths, right)]

    def line(values: list[str]) -> str:
        padded = [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)]
        return "| " + " | ".join(padded) + " |"

    return "\n".join([line(header), "| " + " | ".join(rule) + " |", *map(line, rows)]) + "\n"


def render(df: pd.DataFrame, fmt: str = "table") -> str:
    """``df`` in one of ``FORMATS``; CSV and JSON keep every value exactly."""
    if fmt == "table":
        return table(df)
    if fmt == "markdown":
        return markdown(df)
    if fmt == "csv":
        return spreadsheet_safe(df).to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return df.to_json(orient="records", force_ascii=False, indent=2) + "\n"
    raise QueryError(f"unknown format '{fmt}' (use {', '.join(FORMATS)})")
