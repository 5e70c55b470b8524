"""Normalization: text → number → pint quantity in canonical units."""

from __future__ import annotations

import pytest

from extract.rules.ruleset import builtin_rules_dir, load_rules
from extract.units import UnitNormalizer, parse_number


@pytest.fixture(scope="module")
def units():
    ruleset = load_rules([], use_env=False)
    return UnitNormalizer(
        [builtin_rules_dir() / "units.txt"], ruleset.scales("scale"), ruleset.scales("money_scale")
    )


@pytest.mark.parametrize(
    "text,value",
    [
        ("10,000", 1e4),
        ("19.7", 19.7),
        ("3.8e25", 3.8e25),
        ("10^24", 1e24),
        ("10^{24}", 1e24),
        ("two", 2),
        ("1\u2009000", 1000),
        ("abc", None),
        ("1e999", None),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_scales_are_numbers_not_units(units):
    assert units.scale_of("B") == 1e9 and units.scale_of("million") == 1e6 and units.scale_of("K") == 1e3
    assert units.scale_of("Million") == 1e6 and units.scale_of("bn") == 1e9
    assert units.scale_of("GB") is None and units.normalize(1, "B") == (1.0, "byte")  # a unit, not a scale


@pytest.mark.parametrize(
    "value,unit,expected",
    [
        (24, "GB", (2.4e10, "byte")),
        (24, "GiB", (24 * 2**30, "byte")),
        (2, "days", (172800, "second")),
        (1000, "GPU_hours", (1000, "gpu_hour")),
        (2, "GPU_days", (48, "gpu_hour")),
        (5, "‰", (0.5, "percent")),
        (3, "€", (3, "eur")),
        (19.7e9, "tokens", (1.97e10, "token")),
        (3.5, "x", (3.5, "x")),
        (3, "fold", (3, "x")),
        (65.5, "%", (65.5, "percent")),
        (2.3, "pp", (2.3, "percentage_point")),
        (100, "$", (100, "usd")),
        (3.8e25, "FLOPs", (3.8e25, "FLOP")),
        (1.4e6, "pairs", (1.4e6, "pair")),
        (35, "ms", (0.035, "second")),
    ],
)
def test_normalize(units, value, unit, expected):
    got = units.normalize(value, unit)
    assert got[1] == expected[1]
    assert got[0] == pytest.approx(expected[0])


def test_percent_and_scores_never_share_a_unit(units):
    assert units.dimension("percent") != units.dimension("pp")
    assert units.dimension("percent") != "dimensionless"


def test_unknown_or_unsafe_units_are_refused(units):
    assert units.normalize(1, "parsecs") is None
    assert units.normalize(1, "(") is None
    assert units.is_count("images") and not units.is_count("ms")
