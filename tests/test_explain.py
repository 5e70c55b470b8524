"""``extract explain``: every span with its kind, value, context and rule — text and HTML."""

from __future__ import annotations

import html
import json

import pytest

from extract.cli.main import main
from extract.errors import InputError, QueryError
from extract.show.explain import Explainer, explain_doc, highlight_spans, load_text, render_text

ABSTRACT = (
    "We pre-train a 7B model on 64 A100 GPUs. It reaches 85.2% accuracy on MMLU, "
    "up to 3.5x faster than LoRA, using a GPU-friendly kernel."
)


@pytest.fixture(scope="module")
def explainer(nlp):
    return Explainer(use_env=False, nlp=nlp)


@pytest.fixture(scope="module")
def explained(explainer):
    return explainer.explain(ABSTRACT)


def test_claims_carry_value_context_and_rule(explained):
    _, explanation = explained
    rows = {(r.kind, r.text): r for r in explanation.claims}
    size = rows[("model_size", "7B")]
    assert (size.value, size.sentence, size.rule) == ("7 B = 7e+09 parameter", 0, "model_size.scaled_model")
    gpus = rows[("hardware", "64 A100 GPUs")]
    assert (gpus.value, gpus.rule) == ("64 × A100", "hardware.count_device")
    accuracy = rows[("result", "85.2%")]
    assert accuracy.value == "85.2 % = 85.2 percent"
    # the score is not compared with LoRA: 'faster than LoRA' is the 3.5x's comparison
    assert accuracy.links == {
        "role": "score (cue.role.score_before)",  # "reaches 85.2%": the cue that decided the role
        "metric": "accuracy",
        "dataset": "MMLU",
    }
    assert accuracy.rule == "result.number_then_metric"
    speedup = rows[("result", "3.5x")]
    assert (speedup.value, speedup.qualifier, speedup.rule) == ("<= 3.5 x", "<=", "result.factor")
    assert speedup.links["baseline"] == "LoRA" and "metric" not in speedup.links
    assert speedup.links["role"] == "delta (cue.role.delta_unit)"
    assert rows[("method", "LoRA")].rule == "method.lora"


def test_entities_and_vetoes_name_their_rules(explained):
    _, explanation = explained
    entities = [(r.kind, r.text, r.value, r.rule) for r in explanation.entities]
    assert ("DEVICE", "A100", "A100", "hardware.nvidia.a100") in entities
    assert ("METRIC", "accuracy", "accuracy (higher is better)", "metric.accuracy") in entities
    assert ("DATASET", "MMLU", "MMLU", "dataset.mmlu") in entities
    vetoes = [(r.text, r.value, r.rule) for r in explanation.vetoes]
    assert vetoes == [("GPU-friendly", "HARDWARE", "hardware.reject.gpu_hyphen_compound")]


def test_terminal_view(explained):
    text = render_text(explained[1])
    lines = text.splitlines()
    assert lines[:2] == [
        "[s0] We pre-train a 7B model on 64 A100 GPUs.",
        "[s1] It reaches 85.2% accuracy on MMLU, up to 3.5x faster than LoRA, using a GPU-friendly kernel.",
    ]
    assert "Claims (6)" in lines and "Entities (6)" in lines and "Vetoed by reject rules (1)" in lines
    squeezed = [" ".join(line.split()) for line in lines]
    assert "s0 hardware 64 A100 GPUs 64 × A100 hardware.count_device" in squeezed
    assert (
        "s1 result 85.2% 85.2 % = 85.2 percent role=score (cue.role.score_before) "
        "metric=accuracy dataset=MMLU "
        "result.number_then_metric"
    ) in squeezed
    assert "s1 veto GPU-friendly HARDWARE hardware.reject.gpu_hyphen_compound" in squeezed


def test_highlighted_spans_cover_claims_entities_and_vetoes(explainer, explained):
    doc, _ = explained
    spans = highlight_spans(doc, explainer.vetoes(doc))
    shown = {(s.text, s.label_, s.kb_id_) for s in spans}
    assert ("64 A100 GPUs", "HARDWARE", "hardware.count_device") in shown
    assert ("A100", "DEVICE", "hardware.nvidia.a100") in shown  # overlapping spans are fine
    assert ("85.2%", "RESULT", "result.number_then_metric") in shown
    assert ("GPU-friendly", "VETO", "hardware.reject.gpu_hyphen_compound") in shown
    assert not [s for s in spans if s.label_ in ("METHOD_CLAIM", "DATASET_CLAIM")]


def test_html_page_uses_displacy_spans(explainer, explained, tmp_path):
    doc, explanation = explained
    page = explainer.html(doc, explanation)
    assert page.startswith("<!DOCTYPE html>")
    assert 'class="spans"' in page  # displaCy's span visualizer markup
    for rule in ("hardware.count_device", "result.number_then_metric", "hardware.reject.gpu_hyphen_compound"):
        assert rule in page
    tables = (explanation.claims, explanation.entities, explanation.vetoes, explanation.lost)
    assert page.count("<tr>") == len(tables) + sum(map(len, tables))  # a header and a line per row
    assert page.count("<li>[s") == len(explanation.sentences) == 2


def test_the_title_goes_on_before_the_pipeline_runs(explainer):
    text = "Our system reaches 85.2% accuracy on ImageNet using SparseKV."
    _, without = explainer.explain(text)
    _, with_title = explainer.explain(text, "SparseKV: Sparse KV Caching")
    method = {r.text: r for r in with_title.claims if r.kind == "method"}["SparseKV"]
    assert (method.value, method.rule) == ("SparseKV (proposed)", "method.proposed")
    assert {r.text: r.rule for r in without.claims if r.kind == "method"}["SparseKV"] != "method.proposed"
    assert render_text(with_title).startswith("Title: SparseKV: Sparse KV Caching\n")


def test_explain_doc_without_claims(nlp):
    explanation = explain_doc(nlp("Nothing to see here."))
    assert explanation.claims == explanation.entities == explanation.vetoes == []
    assert render_text(explanation).splitlines()[2:4] == ["Claims (0)", "  (none)"]


# ---------------------------------------------------------------- the command line


def test_cli_explain_text_and_html(tmp_path, capsys):
    out = tmp_path / "explain.html"
    assert main(["explain", ABSTRACT, "--html", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("[s0] We pre-train a 7B model on 64 A100 GPUs.\n")
    assert "hardware.count_device" in captured.out
    assert captured.err == f"extract: wrote {out}\n"
    assert 'class="spans"' in out.read_text("utf-8")


def test_cli_explain_a_file(tmp_path, capsys):
    path = tmp_path / "abstract.txt"
    path.write_text(ABSTRACT, "utf-8")
    assert main(["explain", "--file", str(path)]) == 0
    assert "Claims (6)" in capsys.readouterr().out


def corpus(tmp_path):
    path = tmp_path / "papers.jsonl"
    rows = [
        {
            "id": "2401.00001",
            "title": "SparseKV: Sparse KV Caching",
            "abstract": "SparseKV reaches 85.2% on MMLU.",
        },
        {"title": "A paper without an id", "abstract": "We train on 8 H100 GPUs."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return path


def test_cli_explain_a_paper_of_a_corpus(tmp_path, capsys):
    path = corpus(tmp_path)
    assert main(["explain", "--paper", "2401.00001", "--input", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Title: SparseKV: Sparse KV Caching\n[s0] SparseKV reaches 85.2% on MMLU.\n")
    assert "method.proposed" in out  # the title was read: SparseKV is the paper's own method


def test_cli_explain_a_paper_by_its_title_derived_id(tmp_path, capsys):
    from extract.io.read import read_papers

    path = corpus(tmp_path)
    paper_id = [p.paper_id for p in read_papers([path])[0] if p.title == "A paper without an id"][0]
    assert main(["explain", "--paper", paper_id, "--input", str(path)]) == 0
    assert "8 × H100" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--paper", "9999.99999", "--input", "{corpus}"], "no paper '9999.99999' in {corpus} (2 papers: "),
        (["--paper", "2401.00001", "--input", "{missing}"], "{missing}"),
        (["--file", "{missing}"], "{missing}: no such file"),
        (
            ["some text", "--file", "{corpus}"],
            "give exactly one of TEXT, --file F or --paper ID --input FILE",
        ),
        ([], "give exactly one of TEXT, --file F or --paper ID --input FILE"),
        (["--paper", "2401.00001"], "--paper ID and --input FILE go together"),
    ],
)
def test_cli_explain_errors_are_one_line_exit_2(tmp_path, capsys, args, message):
    names = {"corpus": str(corpus(tmp_path)), "missing": str(tmp_path / "missing.jsonl")}
    assert main(["explain", *[a.format(**names) for a in args]]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith("extract: error: " + message.format(**names))


def test_load_text_errors_are_expected_errors(tmp_path):
    with pytest.raises(QueryError):
        load_text()
    with pytest.raises(InputError):
        load_text(file=str(tmp_path / "nope.txt"))


# ---------------------------------------------------------------- why: links and lost matches


def _why(explanation, text: str) -> dict:
    """The reasons of the result written ``text``: field → LinkWhy."""
    row = next(r for r in explanation.claims if r.kind == "result" and r.text == text)
    return {why.field: why for why in explanation.links[(row.start, row.end)]}


def _lost(why) -> dict[str, str]:
    return {loser.name: loser.reason for loser in why.lost}


def test_a_duration_rejects_accuracy_as_a_unit_mismatch(explainer):
    _, explanation = explainer.explain("Inference takes 0.4 seconds per image at high accuracy.")
    metric = _why(explanation, "0.4 seconds")["metric"]
    assert metric.chosen is None and metric.reason == "no metric of its clause fits the value"
    assert _lost(metric)["accuracy"].startswith("unit mismatch: accuracy takes values in ")
    assert _lost(metric)["accuracy"].endswith(", not second ('0.4 seconds')")


def test_respectively_pairs_and_says_which_value_took_the_other_name(explainer):
    _, explanation = explainer.explain("Accuracy of 71.2% and 65.1% on GSM8K and MATH, respectively.")
    first, second = _why(explanation, "71.2%")["dataset"], _why(explanation, "65.1%")["dataset"]
    assert (first.chosen, second.chosen) == ("GSM8K", "MATH")
    assert first.reason == second.reason == "paired in order with a list of names ('respectively')"
    assert _lost(first)["MATH"] == "taken by '65.1%' (paired in order with a list of names ('respectively'))"
    assert _lost(second)["GSM8K"].startswith("taken by '71.2%'")
    shared = "shared with the value of its list it is written next to"
    assert _why(explanation, "65.1%")["metric"].reason == shared


def test_names_of_another_sentence_or_clause_are_out_of_scope(explainer):
    _, explanation = explainer.explain(
        "We report results on GSM8K. BERT gets 80% F1 on SQuAD, while our method outperforms LoRA "
        "by 3.2% accuracy on GLUE."
    )
    bert = _why(explanation, "80%")
    assert (bert["metric"].chosen, bert["metric"].reason) == ("F1", "written next to the value")
    assert _lost(bert["metric"])["accuracy"] == "out of scope: another clause (cut at 'while')"
    assert _lost(bert["dataset"])["GSM8K"] == "out of scope: another sentence (s0)"
    assert bert["method"].chosen == "BERT"
    assert _lost(bert["method"])["LoRA"] == "after a comparison cue: a baseline, not the system"
    ours = _why(explanation, "3.2%")
    assert ours["baseline"].chosen == "LoRA"
    assert "'outperforms'" in ours["baseline"].reason
    # 'our method' names no method here: the system is the one named before, in the sentence
    assert ours["method"].chosen == "BERT"
    before = "the nearest method written before the value in its"
    assert ours["method"].reason == f"{before} sentence (no method in its clause)"
    assert bert["method"].reason == f"{before} clause"
    assert _lost(ours["baseline"])["BERT"] == "the value's own system"
    assert _lost(ours["dataset"])["SQuAD"] == "taken by '80%' (written after the value, behind a preposition)"


def test_lost_matches_name_the_span_and_rule_that_won(explainer):
    _, explanation = explainer.explain("We train with 3.8e25 FLOPs over 3 days using a GPU-friendly kernel.")
    lost = {(r.text, r.rule): r.value for r in explanation.lost}
    assert lost[("3.8e25 FLOPs", "result.number_then_metric")] == (
        "overlap: lost to '3.8e25 FLOPs' (result.flops, same length, priority 10 > 5)"
    )
    veto = "vetoed by hardware.reject.gpu_hyphen_compound ('GPU-friendly')"
    assert lost[("GPU", "hardware.device")] == veto
    kept = {(r.text, r.rule) for r in explanation.claims}
    assert not kept & set(lost)  # a row that was kept is never reported as lost


def test_both_views_say_the_same_reasons_escaped(explainer):
    abstract = "Our <b>model</b> reaches 0.4 seconds latency & 85.2% accuracy on MMLU."
    doc, explanation = explainer.explain(abstract)
    text = render_text(explanation)
    page = explainer.html(doc, explanation)
    lines = explanation.why()
    assert lines and [line for _, line in lines if "unit mismatch" in line]
    for depth, line in lines:
        assert "  " * (depth + 1) + line in text.splitlines()
        assert f'<li class="why{depth}">{html.escape(line)}</li>' in page
    for row in explanation.lost:
        assert html.escape(row.value) in page and row.value in text
    assert "<b>model</b>" not in page and "&lt;b&gt;model&lt;/b&gt;" in page


def test_the_traced_links_are_the_claims_links_on_the_seed_corpus(explainer):
    from extract.io.read import read_papers

    from .conftest import SEEDS

    papers, _, _ = read_papers([SEEDS])
    checked = 0
    for paper in papers[:150]:
        _, explanation = explainer.explain(paper.abstract, paper.title)
        for row in (r for r in explanation.claims if r.kind == "result"):
            whys = explanation.links[(row.start, row.end)]
            assert [w.field for w in whys] == ["metric", "dataset", "method", "baseline"]
            assert all(w.chosen == row.links.get(w.field) for w in whys), (paper.paper_id, row)
            assert all(w.reason for w in whys) and all(loser.reason for w in whys for loser in w.lost)
            checked += 1
    assert checked > 100
