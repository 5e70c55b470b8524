"""Golden regression over the whole seed corpus (pytest-regressions, readable YAML).

When a golden file changes, read the diff: every added, removed or changed claim must be
explained in the commit message.
"""

from __future__ import annotations

import math


def _compact(record: dict) -> dict:
    """Non-empty fields only, floats to 6 significant digits: small, readable diffs."""
    out = {}
    for key, value in record.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float):
            value = float(f"{value:.6g}")
        out[key] = value
    return out


def test_seed_corpus_claims(seed_tables, data_regression):
    claims = seed_tables.claims.astype(object).where(seed_tables.claims.notna(), None)
    claims = claims.sort_values(["paper_id", "start", "end", "kind"], kind="stable")
    data_regression.check({"claims": [_compact(r) for r in claims.to_dict("records")]})


def test_seed_corpus_summary(seed_tables, data_regression):
    summary = seed_tables.summary
    data_regression.check(
        {
            "records": summary.records,
            "ok": summary.ok,
            "empty": summary.empty,
            "duplicates": summary.duplicates,
            "rejected": summary.rejected,
            "claims": dict(sorted(summary.claims.items())),
        }
    )
