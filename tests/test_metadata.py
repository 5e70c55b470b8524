"""Input metadata travels to the papers table: every field that is not id, title or abstract
becomes a column, and the cleaned abstract (the text offsets index) is a column too."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from extract.io.read import metadata_text, read_papers
from extract.table.batch import extract_table, run_batch
from extract.table.frames import PAPER_COLUMNS, read_table

RECORDS = [
    {
        "id": "2501.00001",
        "title": "A first paper",
        "abstract": "We train a 7B model on 8 A100 GPUs and reach 81.2% accuracy on GSM8K.",
        "date": "2025-01-15",
        "categories": ["cs.CL", "cs.LG"],
        "authors": ["Ada Lovelace", "Alan Turing"],
        "venue": {"name": "ACL", "year": 2025},
        "upvotes": 12,
        "status": "accepted",
    },
    {
        "id": "2502.00002",
        "title": "A second paper",
        "abstract": "A survey of methods &amp; practice without numbers.",
        "date": "2025-02-03",
        "categories": ["cs.CV"],
        "venue": None,
        "pages": "12",
    },
]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "value, text",
    [
        ("2025-01-15", "2025-01-15"),
        (["cs.CL", "cs.LG"], "cs.CL; cs.LG"),
        (12, "12"),
        (True, "true"),
        (None, ""),
        ({"name": "ACL"}, '{"name": "ACL"}'),
        ([["a"]], '[["a"]]'),
        ("a &amp; b\u200b", "a & b"),
    ],
)
def test_metadata_text(value, text):
    assert metadata_text(value) == text


def test_every_other_field_is_a_papers_column(corpus, nlp):
    papers = extract_table([corpus], nlp=nlp).papers
    assert list(papers.columns) == [
        *PAPER_COLUMNS,
        "date",
        "categories",
        "authors",
        "venue",
        "upvotes",
        "input_status",
        "pages",
    ]
    first, second = papers.to_dict("records")
    assert (first["date"], first["categories"], first["upvotes"]) == ("2025-01-15", "cs.CL; cs.LG", "12")
    assert first["venue"] == '{"name": "ACL", "year": 2025}'
    assert first["input_status"] == "accepted" and first["status"] == "ok"
    assert pd.isna(second["authors"]) and pd.isna(second["venue"]) and second["pages"] == "12"


def test_the_abstract_column_is_the_text_offsets_index(corpus, nlp):
    tables = extract_table([corpus], nlp=nlp)
    abstracts = tables.papers.set_index("paper_id")["abstract"]
    assert abstracts["2502.00002"] == "A survey of methods & practice without numbers."
    assert len(tables.claims) >= 3
    for row in tables.claims.itertuples():
        assert abstracts[row.paper_id][row.start : row.end] == row.text


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_metadata_columns_in_every_output_format(corpus, tmp_path, suffix):
    out = tmp_path / f"claims{suffix}"
    run_batch([corpus], out, show_progress=False)
    papers = read_table(tmp_path / f"claims.papers{suffix}")
    assert {"date", "categories", "abstract", "input_status"} <= set(papers.columns)
    assert papers["date"].astype(str).tolist() == ["2025-01-15", "2025-02-03"]


def test_csv_input_columns_are_kept_and_a_duplicate_keeps_the_first_record(tmp_path, nlp):
    path = tmp_path / "corpus.csv"
    path.write_text(
        "title,abstract,date\nOne,We use 4 H100 GPUs.,2025-03-01\nOne,We use 4 H100 GPUs.,2025-04-01\n",
        encoding="utf-8",
    )
    papers = extract_table([path], nlp=nlp).papers
    assert papers["date"].tolist() == ["2025-03-01"]
    assert read_papers([path])[0][0].extra == {"date": "2025-03-01"}


def test_page_dumps_have_no_metadata_columns(seed_tables):
    assert list(seed_tables.papers.columns) == PAPER_COLUMNS
