"""The claims/papers tables over the seed corpus: contract columns, offsets, writers."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from extract.claim import Claim
from extract.io.read import read_papers
from extract.table.frames import CLAIM_COLUMNS, PAPER_COLUMNS, read_table, write_table

from .conftest import SEEDS

CONTRACT = [
    "paper_id",
    "kind",
    "text",
    "start",
    "end",
    "sentence",
    "name",
    "value",
    "unit",
    "value_norm",
    "unit_norm",
    "qualifier",
    "count",
    "metric",
    "dataset",
    "method",
    "model",
    "proposed",
    "rule",
]


def test_claims_table_has_the_contract_columns_in_order(seed_tables):
    assert list(seed_tables.claims.columns[: len(CONTRACT)]) == CONTRACT
    assert CLAIM_COLUMNS[: len(CONTRACT)] == CONTRACT
    assert list(seed_tables.papers.columns) == PAPER_COLUMNS


def test_every_span_is_the_abstract_slice(seed_tables):
    papers, _, _ = read_papers([SEEDS])
    abstracts = {p.paper_id: p.abstract for p in papers}
    claims = seed_tables.claims
    assert len(claims) > 1000
    bad = [
        (row.paper_id, row.text)
        for row in claims.itertuples()
        if abstracts[row.paper_id][row.start : row.end] != row.text
    ]
    assert bad == []


def test_every_kind_is_found_and_values_are_finite(seed_tables):
    claims = seed_tables.claims
    assert set(claims["kind"]) == {"method", "model_size", "dataset", "hardware", "result"}
    assert all(math.isfinite(v) for v in claims["value_norm"].dropna())
    assert set(claims["qualifier"].dropna()) <= {"=", "~", "<", "<=", ">", ">="}


def test_papers_table_accounts_for_every_paper(seed_tables):
    papers = seed_tables.papers
    assert len(papers) == 549 and papers["paper_id"].is_unique
    assert set(papers["status"]) <= {"ok", "empty"}
    counts = seed_tables.claims.groupby("paper_id").size()
    assert (
        papers.set_index("paper_id")["n_claims"]
        == counts.reindex(papers["paper_id"]).fillna(0).astype(int).values
    ).all()
    assert seed_tables.summary.balanced()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_writers_round_trip(tmp_path, seed_tables, suffix):
    path = tmp_path / f"claims{suffix}"
    write_table(seed_tables.claims, path)
    if suffix == ".csv":  # our reader: formula-like cells come back as written
        back = read_table(path)
    elif suffix == ".jsonl":
        back = pd.read_json(path, lines=True)
    else:
        back = pd.read_parquet(path)
    assert list(back.columns) == CLAIM_COLUMNS
    assert len(back) == len(seed_tables.claims)
    assert back["text"].tolist() == seed_tables.claims["text"].tolist()
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left behind


def test_parquet_chunks_are_buffered_into_few_row_groups(tmp_path, monkeypatch):
    """Every row group's metadata stays in memory until the file closes: one per chunk made
    memory grow with the corpus."""
    import pyarrow.parquet as pq

    from extract.table import frames as table

    monkeypatch.setattr(table, "ROW_GROUP_ROWS", 10)
    rows = [
        {"paper_id": f"p{i}", "kind": "result", "text": "1%", "start": 0, "end": 2, "sentence": 0}
        for i in range(3)
    ]
    path = tmp_path / "claims.parquet"
    with table.TableWriter(path, table.CLAIM_COLUMNS) as writer:
        for _ in range(7):  # 21 rows in chunks of 3: groups of 12 and 9 rows
            writer.write(table.claims_frame(rows))
    metadata = pq.ParquetFile(path).metadata
    assert (metadata.num_rows, metadata.num_row_groups) == (21, 2)
    assert pd.read_parquet(path)["paper_id"].tolist() == ["p0", "p1", "p2"] * 7


def test_a_claim_copy_with_changes_is_what_dataclasses_replace_makes():
    claim = Claim("result", "85.2%", 10, 15, 0, value=85.2, unit="%", metric="accuracy")
    changed = claim.but(dataset="MMLU", metric="exact match")
    assert changed == dataclasses.replace(claim, dataset="MMLU", metric="exact match")
    assert (claim.dataset, claim.metric) == (None, "accuracy")  # the original is untouched
    with pytest.raises(TypeError, match="no field datset"):
        claim.but(datset="MMLU")
