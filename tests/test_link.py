"""Linking results to metric, dataset, method, model and baseline."""

from __future__ import annotations

import pytest

from .conftest import SEEDS


def _results(nlp, text: str, title: str = "") -> list[dict]:
    doc = nlp.make_doc(text)
    doc._.title = title
    keys = ("text", "metric", "dataset", "method", "model", "baseline")
    return [{k: getattr(c, k) for k in keys} for c in nlp(doc)._.claims if c.kind == "result"]


def test_respectively_pairs_values_with_datasets_in_order(nlp):
    text = (
        "We evaluate our approach across MATH, GSM8k, and CQA, where MALT on Llama 3.1 8B models "
        "achieves relative improvements of 14.14%, 7.12%, and 9.40% respectively."
    )
    rows = _results(nlp, text, "MALT: Multi-Agent LLM Training")
    assert [(r["text"], r["dataset"], r["model"]) for r in rows] == [
        ("14.14%", "MATH", "Llama 3.1"),
        ("7.12%", "GSM8K", "Llama 3.1"),
        ("9.40%", "CQA", "Llama 3.1"),
    ]
    assert all(r["method"] == "MALT" for r in rows)


def test_each_value_takes_the_dataset_written_after_it(nlp):
    rows = _results(nlp, "RISE yields improvements of 3.0% on GSM8K and 7.9% on MATH.")
    assert [(r["text"], r["dataset"]) for r in rows] == [("3.0%", "GSM8K"), ("7.9%", "MATH")]


def test_from_to_keeps_both_values_with_their_metric(nlp):
    rows = _results(nlp, "On TAP-Vid-DAVIS, accuracy improves from 61.3% to 66.4%.")
    assert [(r["text"], r["metric"], r["dataset"]) for r in rows] == [
        ("61.3%", "accuracy", "TAP-Vid-DAVIS"),
        ("66.4%", "accuracy", "TAP-Vid-DAVIS"),
    ]


def test_outperforms_records_the_baseline(nlp):
    rows = _results(nlp, "Our method outperforms LoRA by 3.2% accuracy on GLUE.", "FooNet: x")
    assert rows[0]["baseline"] == "LoRA" and rows[0]["metric"] == "accuracy"
    assert rows[0]["dataset"] == "GLUE"


def test_a_back_reference_reaches_the_previous_sentence(nlp):
    rows = _results(nlp, "We train on ImageNet. It reaches 81.2% top-1 accuracy.")
    assert rows[0]["dataset"] == "ImageNet" and rows[0]["metric"] == "top-1 accuracy"


def test_model_sizes_link_to_their_model(nlp):
    doc = nlp("We pre-train LLaMA 1B and 7B and fine-tune Mistral-7B.")
    sizes = [(c.text, c.name, c.model) for c in doc._.claims if c.kind == "model_size"]
    assert sizes == [("1B", "LLaMA", "LLaMA"), ("7B", "LLaMA", "LLaMA"), ("7B", "Mistral", "Mistral")]


@pytest.fixture(scope="module")
def galore(seed_tables):
    papers = seed_tables.papers
    paper_id = papers.loc[papers["title"].str.startswith("GaLore:"), "paper_id"].item()
    return seed_tables.claims[seed_tables.claims["paper_id"] == paper_id]


def test_galore_as_issue_3_describes_it(galore):
    """GaLore proposed; C4 and GLUE; LLaMA 1B/7B; RTX 4090 with 24GB; 65.5/82.5/63.3%."""
    methods = galore[galore["kind"] == "method"]
    assert methods.loc[methods["proposed"].astype(bool), "name"].tolist() == ["GaLore"]
    assert set(galore.loc[galore["kind"] == "dataset", "name"]) == {"C4", "GLUE"}
    sizes = galore[(galore["kind"] == "model_size") & (galore["model"] == "LLaMA")]
    assert sorted(sizes["value_norm"]) == [1e9, 7e9]
    hardware = galore[galore["kind"] == "hardware"]
    assert hardware[["name", "value_norm", "unit_norm"]].values.tolist() == [["RTX 4090", 2.4e10, "byte"]]
    percents = galore[(galore["kind"] == "result") & (galore["unit_norm"] == "percent")]
    assert percents["value"].tolist() == [65.5, 82.5, 63.3]
    assert set(percents["method"]) == {"GaLore"}


def test_seed_corpus_fixture_is_the_seed_pages():
    assert len(list(SEEDS.glob("*.txt"))) == 5


def test_role_cues_are_rule_data_a_user_extends(tmp_path):
    """'a 4% windfall' is a change once a user's CUE entry lists 'windfall' after numbers; the row
    names that entry as the rule that decided its role."""
    from extract import build_nlp

    text = "The adapter has a 4% windfall on the test split."
    (tmp_path / "cues.jsonl").write_text(
        '{"id": "cue.role.delta_after.mine", "label": "CUE", "role": "role_delta_after", '
        '"pattern": "windfall"}\n',
        "utf-8",
    )
    before = [c for c in build_nlp(use_env=False)(text)._.claims if c.kind == "result"]
    after = [c for c in build_nlp([tmp_path], use_env=False)(text)._.claims if c.kind == "result"]
    assert [(c.role, c.role_rule) for c in before] == [("score", "role.default")]
    assert [(c.role, c.role_rule) for c in after] == [("delta", "cue.role.delta_after.mine")]


def test_model_sizes_and_hardware_keep_no_role(nlp):
    claims = nlp("We pre-train a 7B model on 64 A100 GPUs and gain 3% accuracy.")._.claims
    roles = {c.kind: c.role for c in claims if c.kind in ("model_size", "hardware", "result")}
    assert roles == {"model_size": None, "hardware": None, "result": "delta"}
