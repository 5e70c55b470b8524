"""The single pint registry, and small pure functions: text → number → canonical quantity.

The registry holds only ``rules/units.txt`` (plus users' unit files), loaded once per
process. Conversions are cached by unit string, so a corpus of millions of abstracts parses
each distinct unit once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pint

# Scale words and suffixes are numbers, never units ("7B" is 7e9, not 7 bytes).
SCALES: dict[str, float] = {
    "K": 1e3,
    "k": 1e3,
    "thousand": 1e3,
    "M": 1e6,
    "m": 1e6,
    "million": 1e6,
    "mn": 1e6,
    "B": 1e9,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "T": 1e12,
    "t": 1e12,
    "trillion": 1e12,
    "hundred": 1e2,
}
CARDINALS: dict[str, float] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
}
# Words that stand for a number in context ("a single GPU", "twice as fast").
WORD_NUMBERS: dict[str, float] = {
    **CARDINALS,
    "zero": 0,
    "half": 0.5,
    "single": 1,
    "dozen": 12,
    "dozens": 12,
    "twice": 2,
    "thrice": 3,
    "double": 2,
    "triple": 3,
    "quadruple": 4,
    "hundreds": 100,
    "thousands": 1000,
}
# Spaces that may sit inside a number ("10 000", thin and no-break spaces).
_NUMBER_SPACES = str.maketrans("", "", " \u00a0\u2009\u202f\u2007,")
_POWER = re.compile(r"^(?P<base>\d+(?:\.\d+)?)\^\{?(?P<exp>[+-]?\d+)\}?$")
_PLAIN = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")
# Written forms that pint's parser cannot read, mapped to registry names.
_SURFACE_UNITS = {
    "%": "percent",
    "\\%": "percent",
    "percent": "percent",
    "×": "x",
    "X": "x",
    "$\\times$": "x",
    "\\times": "x",
    "\\times$": "x",
    "$\\times": "x",
    "$": "usd",
    "-fold": "x",
    "‰": "percent",
    "G": "GB",
}

# What a unit name can look like; anything else never reaches pint's expression parser.
_UNIT_SHAPE = re.compile(r"^[^\W\d]\w*(?:/[^\W\d]\w*)?$")

_registry: dict[tuple[Path, ...], pint.UnitRegistry] = {}


def parse_number(text: str) -> float | None:
    """'10,000' → 1e4, '3.8e25' → 3.8e25, '10^{24}' → 1e24, 'two' → 2.0; else None."""
    cleaned = text.strip().translate(_NUMBER_SPACES)
    if _PLAIN.match(cleaned):
        value = float(cleaned)
        return value if math.isfinite(value) else None
    power = _POWER.match(cleaned)
    if power:
        try:
            value = float(power["base"]) ** int(power["exp"])
        except OverflowError:
            return None
        return value if math.isfinite(value) else None
    return WORD_NUMBERS.get(text.strip().lower())


def is_written_number(text: str) -> bool:
    """Digits in any written form, or a cardinal word — what a pattern's '@number' means."""
    lowered = text.lower()
    return lowered in CARDINALS or (lowered not in WORD_NUMBERS and parse_number(text) is not None)


def scale_of(text: str) -> float | None:
    """'B' → 1e9, 'million' → 1e6; None when the text is not a scale word."""
    return SCALES.get(text, SCALES.get(text.lower()) if len(text) > 2 else None)


def registry(unit_files: Sequence[Path]) -> pint.UnitRegistry:
    """The one registry for these definition files (built on first use, then reused)."""
    key = tuple(Path(p).resolve() for p in unit_files)
    if key not in _registry:
        ureg = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=True)
        for path in key:
            ureg.load_definitions(str(path))
        _registry[key] = ureg
    return _registry[key]


def check_definitions(unit_files: Sequence[Path]) -> list[str]:
    """Load definition files into a scratch registry; report each problem as file:line."""
    problems = []
    ureg = pint.UnitRegistry(None)
    for path in unit_files:
        for line_no, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
            stripped = line.split("#", 1)[0].strip()
            if not stripped:
                continue
            try:
                ureg.define(stripped)
            except Exception as exc:  # pint raises many unrelated types for bad definitions
                name = stripped.split("=", 1)[0].strip()
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                problems.append(f"{path}:{line_no} [{name}]: invalid unit definition: {reason}")
    return problems


class UnitNormalizer:
    """Converts a written unit to (factor, canonical unit) with one cached pint lookup each."""

    def __init__(self, unit_files: Sequence[Path]) -> None:
        self.ureg = registry(unit_files)
        self.canonical = lru_cache(maxsize=4096)(self._canonical)
        self._dimension = lru_cache(maxsize=4096)(self._find_dimension)

    def _find_dimension(self, unit: str) -> str:
        found = self.canonical(unit)
        if found is None:
            return ""
        return str(self.ureg.Quantity(1.0, found[1]).dimensionality)

    def _canonical(self, unit: str) -> tuple[float, str] | None:
        name = _SURFACE_UNITS.get(unit, unit)
        candidates = [name, name.replace("-", "_").replace(" ", "_"), name.lower()]
        for candidate in dict.fromkeys(c for c in candidates if _UNIT_SHAPE.match(c)):
            try:
                quantity = self.ureg.Quantity(1.0, candidate).to_base_units()
            except (pint.errors.PintError, ValueError):
                continue
            return float(quantity.magnitude), _unit_name(quantity.units)
        return None

    def knows(self, unit: str) -> bool:
        return self.canonical(unit) is not None

    def is_count(self, unit: str) -> bool:
        """A counted data noun (token, image, pair…): these may follow modifier words."""
        return self.dimension(unit).endswith("_count]")

    def dimension(self, unit: str) -> str:
        """'[time]', '[token_count]', …; '' for an unknown unit."""
        return self._dimension(unit)

    def normalize(self, value: float, unit: str) -> tuple[float, str] | None:
        """value in ``unit`` → (value in canonical unit, canonical unit name)."""
        found = self.canonical(unit)
        if found is None:
            return None
        factor, canonical = found
        return value * factor, canonical


def _unit_name(units: pint.Unit) -> str:
    text = str(units)
    return text if text else "dimensionless"
