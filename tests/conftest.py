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

# CI runs the property tests that leave the example count to the profile (e.g. the hostile
# input readers) with 2,000 examples; a local run keeps hypothesis' default of 100.
settings.register_profile("ci", max_examples=2000)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")


@pytest.fixture(scope="session")
def nlp():
    return build_nlp(use_env=False)


@pytest.fixture(scope="session")
def seed_tables(nlp):
    from extract.table.batch import extract_table

    return extract_table([SEEDS], nlp=nlp)
