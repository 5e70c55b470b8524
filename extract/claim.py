"""One extracted claim: the row type of the claims table, declared once.

Field order is the claims-table contract of DESIGN.md; ``extract.table`` derives its columns
from this class, so the schema lives in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("method", "model_size", "dataset", "hardware", "result")
QUALIFIERS = ("=", "~", "<", "<=", ">", ">=")


@dataclass
class Claim:
    """A claim found in one abstract; offsets index the abstract text."""

    kind: str
    text: str
    start: int
    end: int
    sentence: int
    name: str | None = None
    value: float | None = None
    unit: str | None = None
    value_norm: float | None = None
    unit_norm: str | None = None
    qualifier: str | None = None
    count: int | None = None
    metric: str | None = None
    dataset: str | None = None
    method: str | None = None
    model: str | None = None
    proposed: bool | None = None
    rule: str | None = None
    baseline: str | None = None  # beyond the contract: the method a result is compared with
