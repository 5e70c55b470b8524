"""Shared fixtures: one pipeline per test session (building it is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.pipeline import build_nlp

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"


@pytest.fixture(scope="session")
def nlp():
    return build_nlp(use_env=False)


@pytest.fixture(scope="session")
def seed_tables(nlp):
    from extract.batch import extract_table

    return extract_table([SEEDS], nlp=nlp)
