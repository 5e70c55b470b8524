"""The single pint registry, and small pure functions: text → number → canonical quantity.

The registry holds only ``rules/units.txt`` (plus users' unit files), loaded once per
process. Conversions are cached by unit string, so a corpus of millions of abstracts parses
each distinct unit once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache, lru_cache, partial
from pathlib import Path

import pint

from extract.errors import RuleError

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
    "\\$": "usd",
    "US$": "usd",
    "€": "eur",
    "£": "gbp",
    "-fold": "x",
    "‰": "permille",
    "G": "GB",
}

# What a unit name can look like; anything else never reaches pint's expression parser.
_UNIT_SHAPE = re.compile(r"^[^\W\d]\w*(?:/[^\W\d]\w*)?$")

_registry: dict[tuple[tuple[Path, int], ...], pint.UnitRegistry] = {}


@lru_cache(maxsize=65536)
def parse_number(text: str) -> float | None:
    """'10,000' → 1e4, '3.8e25' → 3.8e25, '10^{24}' → 1e24, 'two' → 2.0; else None. Cached:
    the normalizer asks again for each word of every span it reads."""
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


def scale_key(word: str) -> str:
    """How a scale word is looked up: one- and two-letter forms as written ("M" is a
    million, "m" is not), longer words lowercased ("Million")."""
    return word if len(word) <= 2 else word.lower()


def registry(unit_files: Sequence[Path]) -> pint.UnitRegistry:
    """The one registry for these definition files (built on first use, then reused)."""
    paths = tuple(Path(p).resolve() for p in unit_files)
    key = tuple((p, p.stat().st_mtime_ns if p.exists() else 0) for p in paths)  # an edited file reloads
    if key not in _registry:
        ureg = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=True)
        for path in paths:
            try:
                ureg.load_definitions(str(path))
            except Exception as exc:  # check_definitions reports line by line; this is the net
                raise RuleError([f"{path}: cannot load unit definitions: {_pint_reason(exc)}"]) from None
        _registry[key] = ureg
    return _registry[key]


def check_definitions(unit_files: Sequence[Path]) -> list[str]:
    """Load definition files into a scratch registry; report each problem as file:line [name].

    Three kinds of problem: a line pint cannot parse, a name defined twice (units are only
    added, never redefined: a second definition would silently change earlier claims), and
    a definition that refers to a unit nobody defines (pint notices that only on first use).
    ``@group`` / ``@context`` / ``@system`` / ``@defaults`` … ``@end`` blocks are loaded whole.
    """
    problems: list[tuple[int, int, str]] = []  # (file, line, message): reported in file order
    ureg = pint.UnitRegistry(None, on_redefinition="raise")
    defined_at: dict[str, str] = {}
    to_resolve: list[tuple[int, int, str, str]] = []
    for file_no, path in enumerate(unit_files):
        try:
            lines = Path(path).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append((file_no, 0, f"{path}: cannot read unit file ({exc})"))
            continue
        for line_no, text, block in _definitions(lines):
            names = _defined_names(text) if block is None else []
            where = f"{path}:{line_no} [{names[0] if names else text if block else '?'}]"
            try:
                if block is None:
                    ureg.define(text)
                else:
                    ureg.load_definitions(block)
            except pint.errors.RedefinitionError as exc:
                again = next((n for n in names if n in defined_at), _redefined_name(exc))
                first = defined_at.get(again)
                message = f"{where}: '{again}' is already defined" + (f" ({first})" if first else "")
                problems.append((file_no, line_no, message))
                continue
            except Exception as exc:  # pint raises many unrelated types for bad definitions
                problems.append((file_no, line_no, f"{where}: invalid unit definition: {_pint_reason(exc)}"))
                continue
            inner = [_defined_names(b) for b in (block or [])[1:-1] if not b.startswith("@")]
            if not text.startswith("@group"):
                inner = []  # a context or system block defines no units
            for name in names + [n for found in inner for n in found]:
                defined_at.setdefault(name, f"{path}:{line_no}")
            if inner:
                to_resolve += [(file_no, line_no, where, n[0]) for n in inner if n and not n[0].endswith("-")]
            elif names and not names[0].endswith("-") and not text.startswith("@"):
                to_resolve.append((file_no, line_no, where, names[0]))
    for file_no, line_no, where, name in to_resolve:  # definitions are lazy: use every unit once
        try:
            ureg.Quantity(1.0, name).to_base_units()
        except pint.errors.UndefinedUnitError as exc:
            missing = ", ".join(f"'{u}'" for u in _as_tuple(exc.unit_names))
            problems.append((file_no, line_no, f"{where}: invalid unit definition: unknown unit {missing}"))
        except Exception as exc:
            problems.append((file_no, line_no, f"{where}: invalid unit definition: {_pint_reason(exc)}"))
    return [message for *_, message in sorted(problems, key=lambda p: (p[0], p[1]))]


_BLOCK_START = re.compile(r"^@(group|system|context|defaults)\b")


def _definitions(lines: Sequence[str]) -> list[tuple[int, str, list[str] | None]]:
    """(line number, text, block lines or None): one item per definition or per block."""
    items: list[tuple[int, str, list[str] | None]] = []
    block: list[str] | None = None
    for line_no, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        if block is not None:
            block.append(stripped)
            if stripped == "@end":
                block = None
        elif _BLOCK_START.match(stripped):
            block = [stripped]
            items.append((line_no, stripped, block))
        else:
            items.append((line_no, stripped, None))
    return items


def _redefined_name(exc: Exception) -> str:
    found = re.search(r"redefine '([^']+)'", str(exc))
    return found.group(1) if found else "?"


def _defined_names(line: str) -> list[str]:
    """'minute = 60 * second = min' → ['minute', 'min']; 'kilo- = 1e3 = k-' → ['kilo-', 'k-']."""
    if line.startswith("@alias"):
        parts = [p.strip() for p in line[len("@alias") :].split("=")]
        return [p for p in parts[1:] if p]
    parts = [p.strip() for p in line.split("=")]
    return [parts[0], *(p for p in parts[2:] if p and p != "_")] if parts[0] else []


def _as_tuple(names: str | tuple[str, ...]) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


def _pint_reason(exc: Exception) -> str:
    """pint's message without its internals ('No loader function…', class reprs, positions)."""
    text = str(exc).strip()
    if isinstance(exc, TypeError) and "UnhandledParsingError" in text:
        return "cannot parse this line (expected 'name = value = alias …')"
    first = text.splitlines()[0] if text else type(exc).__name__
    return re.sub(r"\s*\(<class '[^']*'>\)", "", first)


class UnitNormalizer:
    """Converts a written unit to (factor, canonical unit) with one cached pint lookup each,
    and reads scale words ("7B", "$5m"), which are numbers, never units.

    ``scales`` / ``money_scales`` map scale words to factors (``RuleSet.scales``); money
    scales count only after a currency sign.

    Pickled, it is rebuilt from its arguments (``__reduce__``): the registry of its unit
    files is the process's one registry (``registry``), found or loaded again, never a copy.
    Its cached conversions hold no state beyond them."""

    def __init__(
        self,
        unit_files: Sequence[Path],
        scales: Mapping[str, float] | None = None,
        money_scales: Mapping[str, float] | None = None,
    ) -> None:
        self._arguments = (tuple(unit_files), dict(scales or {}), dict(money_scales or {}))
        self.ureg = registry(unit_files)
        self.scales = {scale_key(w): v for w, v in (scales or {}).items()}
        self.money_scales = {**self.scales, **{scale_key(w): v for w, v in (money_scales or {}).items()}}
        self.canonical, self._dimension = _lookups(self.ureg)

    def __reduce__(self) -> tuple[type, tuple]:
        return UnitNormalizer, self._arguments

    def scale_of(self, text: str, after_currency: bool = False) -> float | None:
        """'B' → 1e9, 'million' → 1e6, 'm' → 1e6 after a currency sign; else None."""
        table = self.money_scales if after_currency else self.scales
        return table.get(scale_key(text))

    def is_currency(self, text: str) -> bool:
        """A currency sign or code ('$', '€', 'USD'): its unit is money."""
        return self.dimension(text).startswith("[currency")

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


Conversion = tuple[float, str]  # (factor to the base units, their name)


@cache
def _lookups(ureg: pint.UnitRegistry) -> tuple[Callable[[str], Conversion | None], Callable[[str], str]]:
    """The cached (canonical, dimension) lookups of one registry, shared by every normalizer
    built on it: a registry lives as long as the process, and each pipeline built in it
    (tests, ``explain``, benchmarks) no longer asks pint again for the units seen before,
    most of them words that are no unit (each a failed parse with exceptions)."""
    canonical = lru_cache(maxsize=4096)(partial(_canonical, ureg))

    def dimension(unit: str) -> str:
        found = canonical(unit)
        return "" if found is None else str(ureg.Quantity(1.0, found[1]).dimensionality)

    return canonical, lru_cache(maxsize=4096)(dimension)


def _canonical(ureg: pint.UnitRegistry, unit: str) -> Conversion | None:
    """The conversion of a written unit; None for no unit."""
    name = _SURFACE_UNITS.get(unit, unit)
    candidates = [name, name.replace("-", "_").replace(" ", "_"), name.lower()]
    for candidate in dict.fromkeys(c for c in candidates if _UNIT_SHAPE.match(c)):
        try:
            quantity = ureg.Quantity(1.0, candidate).to_base_units()
        except (pint.errors.PintError, ValueError):
            continue
        return float(quantity.magnitude), _unit_name(quantity.units)
    return None


def _unit_name(units: pint.Unit) -> str:
    text = str(units)
    return text if text else "dimensionless"
