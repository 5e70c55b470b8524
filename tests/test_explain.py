"""``extract explain``: every span with its kind, value, context and rule — text and HTML."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser

import pytest

from extract.cli.main import main
from extract.errors import InputError, QueryError
from extract.show.explain import Explainer, explain_doc, highlights, load_text, render_text
from extract.show.highlight import Mark, abstract_html

ABSTRACT = (
    "We pre-train a 7B model on 64 A100 GPUs. It reaches 85.2% accuracy on MMLU, "
    "up to 3.5x faster than LoRA, using a GPU-accelerated kernel."
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
    assert vetoes == [("GPU-accelerated", "HARDWARE", "hardware.reject.gpu_hyphen_compound")]


def test_terminal_view(explained):
    text = render_text(explained[1])
    lines = text.splitlines()
    assert lines[:2] == [
        "[s0] We pre-train a 7B model on 64 A100 GPUs.",
        "[s1] It reaches 85.2% accuracy on MMLU, up to 3.5x faster than LoRA, "
        "using a GPU-accelerated kernel.",
    ]
    assert "Claims (6)" in lines and "Entities (6)" in lines and "Vetoed by reject rules (1)" in lines
    squeezed = [" ".join(line.split()) for line in lines]
    assert "s0 hardware 64 A100 GPUs 64 × A100 hardware.count_device" in squeezed
    assert (
        "s1 result 85.2% 85.2 % = 85.2 percent role=score (cue.role.score_before) "
        "metric=accuracy dataset=MMLU "
        "result.number_then_metric"
    ) in squeezed
    assert "s1 veto GPU-accelerated HARDWARE hardware.reject.gpu_hyphen_compound" in squeezed


def test_highlights_cover_claims_entities_and_vetoes(explained):
    doc, explanation = explained
    marks = highlights(explanation)
    shown = {(doc.text[m.start : m.end], m.label, m.title.rsplit(" · ", 1)[-1]) for m in marks}
    assert ("64 A100 GPUs", "HARDWARE", "hardware.count_device") in shown
    assert ("A100", "DEVICE", "hardware.nvidia.a100") in shown  # inside the hardware claim
    assert ("85.2%", "RESULT", "result.number_then_metric") in shown
    assert ("GPU-accelerated", "VETO", "hardware.reject.gpu_hyphen_compound") in shown
    assert not [m for m in marks if m.label in ("METHOD", "DATASET") and m.row.startswith("claim")]


class _Text(HTMLParser):
    """The text content of the page's abstract paragraph, and its marks as (label, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth, self.text, self.open, self.marks = 0, [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "p" and ("class", "abstract") in attrs:
            self.depth = 1
        elif self.depth and tag == "mark":
            self.open.append((dict(attrs)["data-label"], len("".join(self.text))))

    def handle_endtag(self, tag):
        if self.depth and tag == "mark":
            label, start = self.open.pop()
            self.marks.append((label, "".join(self.text)[start:]))
        elif tag == "p":
            self.depth = 0

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def _abstract_of(page: str) -> _Text:
    parsed = _Text()
    parsed.feed(page)
    return parsed


def test_html_page_shows_the_abstracts_own_text(explainer, explained):
    doc, explanation = explained
    page = explainer.html(doc, explanation)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    parsed = _abstract_of(page)
    assert "".join(parsed.text) == ABSTRACT  # not tokens re-joined: '85.2%', 'GPU-accelerated'
    assert ("HARDWARE", "64 A100 GPUs") in parsed.marks and ("DEVICE", "A100") in parsed.marks
    assert ("VETO", "GPU-accelerated") in parsed.marks and ("RESULT", "85.2%") in parsed.marks
    assert page.count('<span class="sent" data-s="s') == 2
    tables = (explanation.claims, explanation.entities, explanation.vetoes, explanation.lost)
    assert page.count("<tr>") == len(tables)  # a header per table
    assert page.count('<tr id="') == sum(map(len, tables))
    assert page.count("<li>[s") == len(explanation.sentences) == 2


def test_crossing_spans_are_cut_not_overlapped():
    text = "alpha beta gamma"
    marks = [Mark(0, 10, "A"), Mark(6, 16, "B"), Mark(0, 5, "C")]
    page = abstract_html(text, marks, [0, 11])
    parsed = _abstract_of(f'<p class="abstract">{page}</p>')
    assert "".join(parsed.text) == text
    # B crosses A's end: its part inside A nests there, the rest follows A
    assert sorted(parsed.marks) == [("A", "alpha beta"), ("B", " gamma"), ("B", "beta"), ("C", "alpha")]
    assert abstract_html("a < b & c", [Mark(0, 1, "X", 'say "hi"')]) == (
        '<mark class="X" data-label="X" title="say &quot;hi&quot;">a</mark> &lt; b &amp; c'
    )


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
    assert "".join(_abstract_of(out.read_text("utf-8")).text) == ABSTRACT


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
    text = "We train with 3.8e25 FLOPs over 3 days using a GPU-accelerated kernel."
    _, explanation = explainer.explain(text)
    lost = {(r.text, r.rule): r.value for r in explanation.lost}
    assert lost[("3.8e25 FLOPs", "result.number_then_metric")] == (
        "overlap: lost to '3.8e25 FLOPs' (result.flops, same length, priority 10 > 5)"
    )
    veto = "vetoed by hardware.reject.gpu_hyphen_compound ('GPU-accelerated')"
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


# Once loaded: the abstract's rendered text, and every pair of marks whose boxes overlap
# though neither holds the other (labels included: they are part of a mark's box).
_PROBE = """<script>
window.addEventListener('load', () => {
  const p = document.querySelector('p.abstract');
  const marks = [...p.querySelectorAll('mark')];
  const boxes = marks.map(m => [...m.getClientRects()]);
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const overlaps = [];
  marks.forEach((a, i) => marks.forEach((b, j) => {
    if (j <= i || a.contains(b) || b.contains(a)) return;
    if (boxes[i].some(r => boxes[j].some(s => hit(r, s)))) overlaps.push([a.textContent, b.textContent]);
  }));
  const box = p.getBoundingClientRect();
  const outside = marks.filter((m, i) => boxes[i].some(r => r.left < box.left - 1 || r.right > box.right + 1))
    .map(m => m.textContent);
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({text: p.innerText, overlaps, outside, marks: marks.length});
  document.body.appendChild(out);
});
</script>"""


def test_the_page_in_a_browser_shows_the_abstract_without_overlaps(explainer, tmp_path):
    import re

    from .test_report import CHROMIUM, chromium

    assert CHROMIUM, "headless Chromium is needed: apt-get install -y chromium (.ci/run does it when missing)"
    abstract = (
        "We pre-train Megatron-LM (8.3B parameters) on 512 NVIDIA V100 GPUs (32GB) in 9.2 days. "
        "It reaches 55.2% accuracy on MMLU, 3.1 points above GPT-3 (175B), and 81.2%/79.4% on "
        "TUM/KITTI, using a GPU-accelerated kernel."
    )
    doc, explanation = explainer.explain(abstract)
    page = tmp_path / "explain.html"
    page.write_text(explainer.html(doc, explanation).replace("</body>", _PROBE + "</body>"), "utf-8")
    dom = chromium("--dump-dom", "--window-size=700,1000", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)[1]))
    assert found["text"] == abstract  # the labels and sentence markers are not text
    assert found["marks"] >= 10 and found["overlaps"] == [] and found["outside"] == []
