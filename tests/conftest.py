"""Shared fixtures: one pipeline per test session (building it is the slow part)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from extract.pipeline.build import build_nlp

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"

# Hypothesis profiles: "fast" for the quick loop, "ci" for CI (HYPOTHESIS_PROFILE=ci, which
# .ci/run sets, or any CI variable that is not false). CI runs the property tests that leave
# the example count to the profile (e.g. the hostile input readers) with 2,000 examples instead
# of hypothesis' default 100, and those that set their own count (``examples(n)``) with 10 × n.
settings.register_profile("fast", max_examples=100)
settings.register_profile("ci", max_examples=2000)
_CI_VARIABLE = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _CI_VARIABLE else "fast")
settings.load_profile(PROFILE)
CI_FACTOR = 10


def examples(n: int) -> int:
    """The examples of a property test that sets its own count: ``n`` in the quick loop, ten
    times as many in CI (the quick loop stays quick, CI searches further)."""
    return n * CI_FACTOR if PROFILE == "ci" else n


@pytest.fixture(scope="session")
def nlp():
    return build_nlp(use_env=False)


@pytest.fixture(scope="session")
def seed_tables(nlp):
    from extract.table.batch import extract_table

    return extract_table([SEEDS], nlp=nlp)
