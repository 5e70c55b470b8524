"""Linking results to metric, dataset, method, model and baseline."""

from __future__ import annotations

import json

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


def _links(rows: list[dict], *keys: str) -> list[tuple]:
    return [(r["text"], *(r[k] for k in keys)) for r in rows]


def test_respectively_pairs_each_value_of_a_list_with_its_dataset(nlp):
    text = (
        "Our detector reaches F1 scores of 92.1%, 90.4% and 88.7% "
        "on the CIFAR-10, CIFAR-100, and SVHN datasets, respectively."
    )
    rows = _results(nlp, text)
    assert _links(rows, "dataset", "metric", "baseline") == [
        ("92.1%", "CIFAR-10", "F1", None),
        ("90.4%", "CIFAR-100", "F1", None),
        ("88.7%", "SVHN", "F1", None),
    ]


def test_respectively_pairs_values_with_metrics_in_order(nlp):
    text = "It brings a ~3%, ~2% and ~4% improvement in ROUGE-1, ROUGE-2, and ROUGE-L, respectively."
    assert _links(_results(nlp, text), "metric") == [
        ("3%", "ROUGE-1"),
        ("2%", "ROUGE-2"),
        ("4%", "ROUGE-L"),
    ]


def test_slash_lists_pair_without_respectively(nlp):
    rows = _results(nlp, "It beats prior solvers by 18%/50% on GSM8K/MATH.")
    assert _links(rows, "dataset") == [("18%", "GSM8K"), ("50%", "MATH")]


def test_a_metric_heads_the_values_written_after_it_until_the_next_metric(nlp):
    text = "The captioner gains CIDEr scores of 1.6% and 1.4%, METEOR scores of 0.5% and 0.3% on COCO."
    assert _links(_results(nlp, text), "metric") == [
        ("1.6%", "CIDEr"),
        ("1.4%", "CIDEr"),
        ("0.5%", "METEOR"),
        ("0.3%", "METEOR"),
    ]


def test_both_ends_of_from_to_share_metric_and_dataset(nlp):
    text = (
        "Training raises ImageNet-A top-1 accuracy from 61.0% to 83.7% "
        "and ImageNet-C accuracy from 40.1% to 50.2%."
    )
    assert _links(_results(nlp, text), "metric", "dataset") == [
        ("61.0%", "top-1 accuracy", "ImageNet-A"),
        ("83.7%", "top-1 accuracy", "ImageNet-A"),
        ("40.1%", "accuracy", "ImageNet-C"),
        ("50.2%", "accuracy", "ImageNet-C"),
    ]


def test_the_metric_written_next_to_a_value_wins_over_the_nearest(nlp):
    rows = _results(nlp, "The tagger reaches an accuracy of 0.885 and an F1 score of 0.794 on the test set.")
    assert _links(rows, "metric") == [("0.885", "accuracy"), ("0.794", "F1")]


@pytest.mark.parametrize(
    ("text", "value", "metric"),
    [
        ("The planner keeps high accuracy while answering in 0.4 seconds.", "0.4 seconds", None),
        ("The model answers in 0.4 seconds with high accuracy.", "0.4 seconds", None),
        ("We lower FID and keep 30% of the sampling steps.", "30%", None),
        ("The segmenter reaches 65.5% PQ on COCO, with an average precision of 40.1%.", "65.5%", "PQ"),
        ("Inference latency drops to 0.4 seconds.", "0.4 seconds", "latency"),
        ("The model is 3x faster than LoRA at the same accuracy.", "3x", None),
    ],
)
def test_the_metric_must_fit_the_value(nlp, text, value, metric):
    rows = {r["text"]: r for r in _results(nlp, text)}
    assert rows[value]["metric"] == metric


def test_a_metric_bound_to_one_value_does_not_reach_another_clause(nlp):
    text = "The filter detects harmful prompts with 91.6% accuracy and reduces biased outputs from 90% to 5%."
    assert _links(_results(nlp, text), "metric") == [("91.6%", "accuracy"), ("90%", None), ("5%", None)]


def test_a_clause_break_stops_the_metric_and_the_comparison(nlp):
    rows = _results(nlp, "Ours reaches 85.0% accuracy on MMLU, while being 3x faster than LoRA.")
    assert _links(rows, "metric", "baseline") == [("85.0%", "accuracy", None), ("3x", None, "LoRA")]


def test_the_baseline_is_the_object_of_the_comparison_not_the_subject(nlp):
    text = "We present FooMath. Our 7B model reaches 74.4% on GSM8K, beating LLaMA-2 by 3 points."
    rows = _results(nlp, text, "FooMath: small models that reason")
    assert _links(rows, "model", "baseline") == [("74.4%", None, None), ("3 points", None, "Llama 2")]
    assert {r["method"] for r in rows} == {"FooMath"}


def test_a_subject_method_is_the_system_and_never_its_own_baseline(nlp):
    rows = _results(nlp, "LoRA surpasses BitFit by 2.1% on GLUE.")
    assert _links(rows, "method", "baseline", "dataset") == [("2.1%", "LoRA", "BitFit", "GLUE")]


def test_we_and_our_model_name_the_proposed_method(nlp):
    text = (
        "We propose FooNet. On CIFAR-10, our model achieves 96.1% accuracy, compared to 94.0% for ResNet-50."
    )
    rows = _results(nlp, text, "FooNet: a network")
    assert _links(rows, "method", "metric", "baseline") == [
        ("96.1%", "FooNet", "accuracy", "ResNet-50"),
        ("94.0%", "ResNet-50", "accuracy", None),
    ]


def test_a_count_of_data_has_no_system(nlp):
    rows = _results(nlp, "We introduce FooNet, trained on 1.2M images.", "FooNet: a network")
    assert _links(rows, "method", "model", "baseline") == [("1.2M images", None, None, None)]


def test_linking_cue_words_are_rule_data(nlp, tmp_path):
    from extract.pipeline.build import build_nlp

    text = "Ours reaches 85.0% accuracy on MMLU, trumping LoRA by 2%."
    assert _links(_results(nlp, text), "baseline") == [("85.0%", None), ("2%", None)]
    mine = tmp_path / "mine"
    mine.mkdir()
    entry = {"id": "cue.comparison.mine", "label": "CUE", "role": "comparison", "pattern": "trumping"}
    (mine / "cues.jsonl").write_text(json.dumps(entry) + "\n", "utf-8")
    rows = _results(build_nlp(rules=[mine], use_env=False), text)
    assert _links(rows, "baseline") == [("85.0%", None), ("2%", "LoRA")]


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


@pytest.mark.slow
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


def test_a_comparison_that_opens_its_clause_ends_at_its_comma(nlp):
    """'Compared to A, B and C, S gains 3%': S after the compared list is the subject."""
    rows = _results(nlp, "Compared to LoRA, DoRA and QLoRA, GaLore gains 3% on GLUE.")
    assert [(r["method"], r["baseline"]) for r in rows] == [("GaLore", "LoRA")]
    rows = _results(nlp, "GaLore outperforms LoRA, DoRA and QLoRA by 3% on GLUE.", "GaLore: a method")
    assert [(r["method"], r["baseline"]) for r in rows] == [("GaLore", "LoRA")]


def test_respectively_pairs_compared_names_as_baselines(nlp):
    """'surpasses A and B by x and y, respectively': A and B are baselines, the subject the system."""
    rows = _results(nlp, "The proposed GaLore model surpasses LoRA and DoRA by 1.7% and 0.2%, respectively.")
    assert [(r["method"], r["baseline"]) for r in rows] == [("GaLore", "LoRA"), ("GaLore", "DoRA")]
    rows = _results(nlp, "GaLore and DoRA reach 81.2% and 80.1% on GLUE, respectively.")
    assert [(r["method"], r["baseline"]) for r in rows] == [("GaLore", None), ("DoRA", None)]


def test_a_relative_change_fits_a_metric_written_next_to_it(nlp):
    """A percent is no perplexity level, but 'perplexity falls by 12%' is a change of it."""
    rows = _results(nlp, "The new schedule lowers validation perplexity by 12% on WikiText-103.")
    assert [(r["text"], r["metric"]) for r in rows] == [("12%", "perplexity")]
    rows = _results(nlp, "The new schedule reaches 12% with perplexity near WikiText-103 levels.")
    assert [r["metric"] for r in rows] == [None]


def test_a_metric_the_rules_do_not_name_is_read_next_to_its_value(nlp):
    """Two to four plain words ending in a metric head word, right after the value (behind a
    change word) or right before it; a lone head word or words of no metric head are none."""
    text = "The parser keeps a 97% valid parse rate and 3x higher answer completion rates on held-out text."
    rows = _results(nlp, text)
    expected = [("97%", "valid parse rate"), ("3x", "answer completion rates")]
    assert [(r["text"], r["metric"]) for r in rows] == expected
    rows = _results(nlp, "Tuning lifts the tool call rate from 41% to 58%.")
    assert [r["metric"] for r in rows] == ["tool call rate", "tool call rate"]
    rows = _results(nlp, "About 64% of annotators preferred it, and 12% of replies were long rate limits.")
    assert [r["metric"] for r in rows] == [None, None]
    rows = _results(nlp, "The agent reaches 71% success on the hard split.")
    assert [r["metric"] for r in rows] == [None]


def test_a_data_noun_points_back_to_the_dataset_named_before(nlp):
    """'on the benchmark' with no dataset named in the sentence: the one of the sentence before."""
    rows = _results(nlp, "We tune on MMLU. On the benchmark, a plain model reaches 71.2% accuracy.")
    assert [r["dataset"] for r in rows] == ["MMLU"]
    rows = _results(nlp, "We tune on MMLU. A plain model reaches 71.2% accuracy.")
    assert [r["dataset"] for r in rows] == [None]


def test_our_model_never_borrows_a_name_of_the_sentence_before(nlp):
    """'Our model reaches 81%' is the paper's own system: its name when the paper coins one,
    else none, never the baseline the sentence before names."""
    rows = _results(nlp, "We compare with LoRA on GLUE. Our model reaches 81.4% on GLUE.")
    assert [r["method"] for r in rows] == [None]
    rows = _results(nlp, "We compare with LoRA on GLUE. It reaches 81.4% on GLUE.")
    assert [r["method"] for r in rows] == ["LoRA"]
