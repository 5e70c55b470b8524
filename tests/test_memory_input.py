"""extract_table on records in memory: a DataFrame, dicts or abstracts, as well as files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from extract.errors import InputError
from extract.io.read import Fields
from extract.table.batch import extract_table

ONE = "We train a 7B model on 64 A100 GPUs and reach 74.4% accuracy on GSM8K."
TWO = "Our method improves BLEU by 2.1 points over the Transformer baseline."


def _kinds(tables) -> dict[str, list[str]]:
    return tables.claims.groupby("paper_id")["kind"].agg(sorted).to_dict()


def test_abstracts_as_strings_are_papers_numbered_by_position(nlp):
    tables = extract_table([ONE, TWO], nlp=nlp)
    assert tables.papers["paper_id"].tolist() == ["0", "1"]
    assert tables.papers["sources"].tolist() == ["<memory>:1", "<memory>:2"]
    assert "model_size" in _kinds(tables)["0"] and tables.summary.balanced()


def test_a_dataframe_with_its_own_column_names_and_metadata(nlp):
    ids, titles = ["2003.13630", "2401.00001"], ["A", "B"]
    df = pd.DataFrame({"arxiv_id": ids, "name": titles, "text": [ONE, TWO], "year": ["2020", None]})
    tables = extract_table(df, fields=Fields(id="arxiv_id", title="name", abstract="text"), nlp=nlp)
    assert tables.papers["paper_id"].tolist() == ["2003.13630", "2401.00001"]
    assert tables.papers["title"].tolist() == ["A", "B"]
    assert tables.papers["year"].tolist()[0] == "2020"
    assert set(tables.claims["paper_id"]) == {"2003.13630", "2401.00001"}


def test_dicts_and_bad_items_are_counted_not_lost(nlp):
    tables = extract_table([{"id": "x", "abstract": ONE}, {"title": "no abstract"}, 42], nlp=nlp)
    assert tables.papers["paper_id"].tolist() == ["x"]
    reasons = tables.rejects["reason"].tolist()
    assert reasons == ["missing or empty abstract", "expected an abstract (str) or a mapping, got int"]
    assert tables.summary.records == 3 and tables.summary.balanced()


def test_paths_still_work_and_mixing_is_one_error(nlp, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "1", "title": "T", "abstract": ONE}) + "\n", "utf-8")
    assert extract_table([str(path)], nlp=nlp).papers["paper_id"].tolist() == ["1"]
    with pytest.raises(InputError, match="not both"):
        extract_table([str(path), ONE], nlp=nlp)
