"""Names: abbreviation definitions, coined (proposed) names, gazetteer methods/datasets."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.io.read import read_papers
from extract.match import names
from extract.match.names import coined_names, looks_coined, occurrences, title_name
from extract.text.abbreviations import find_abbreviations
from extract.text.compiled import WordFinder

from .conftest import SEEDS


@pytest.mark.parametrize(
    "text,pairs",
    [
        (
            "we propose Gradient Low-Rank Projection (GaLore), a strategy",
            [("GaLore", "Gradient Low-Rank Projection")],
        ),
        ("such as low-rank adaptation (LoRA), add", [("LoRA", "low-rank adaptation")]),
        ("approach called SyntHesIzed Prompts~(SHIP) to", [("SHIP", "SyntHesIzed Prompts~")]),
        ("Large Language Models (LLMs) are", [("LLMs", "Large Language Models")]),
        ("an accuracy (acc) of 3 (see (1) and (i))", []),
    ],
)
def test_abbreviation_definitions(text, pairs):
    assert [(a.short, a.long) for a in find_abbreviations(text)] == pairs


@pytest.mark.parametrize("filler", [" ".join(["x" * 120] * 5), "x" * 1000, ""])
def test_abbreviation_found_after_long_text_with_offsets(filler):
    """The long form is read from the words just before the parenthesis, however long the
    text and its words before them."""
    text = f"{filler} so a simple recurrent unit (SRU) is used"
    (found,) = find_abbreviations(text)
    assert (found.short, found.long) == ("SRU", "simple recurrent unit")
    assert text[found.long_start : found.long_start + len(found.long)] == found.long
    assert text[found.short_start : found.short_start + 3] == "SRU"


@pytest.mark.parametrize(
    "word,coined",
    [
        ("GaLore", True),
        ("MALT", True),
        ("BLIP-2", True),
        ("Orca-Math", False),
        ("Training", False),
        ("2024", False),
        ("SemEval-2024", False),
        ("A", False),
    ],
)
def test_looks_coined(word, coined):
    assert looks_coined(word) is coined


@pytest.mark.parametrize(
    "title,name",
    [
        ("GaLore: Memory-Efficient LLM Training", "GaLore"),
        ("Yuan 1.0: Large-Scale Models", "Yuan 1.0"),
        ("Beyond Cosine Decay: On Schedules", None),
        ("What's Wrong with Your Code?", None),
    ],
)
def test_title_names(title, name):
    assert title_name(title) == name


def _names(title: str, text: str, known=frozenset()) -> list[tuple[str, bool]]:
    return [(c.text, c.is_dataset) for c in coined_names(title, text, find_abbreviations(text), known)]


def test_proposal_sentences_yield_the_coined_name():
    text = (
        "Existing methods fail. In this work, we propose Sequential Chunk-wise Optimization "
        "(SeCO), a memory-efficient paradigm. We also introduce SpaCO for sparse updates."
    )
    assert _names("Training Long-Context LLMs", text) == [("SeCO", False), ("SpaCO", False)]


def test_a_new_dataset_is_a_dataset_not_a_method():
    text = "We present ChronusAV, a temporally-accurate, modality-complete dataset of videos."
    assert _names("ChronusOmni: Time Awareness", text) == [("ChronusAV", True)]


def test_known_names_in_a_proposal_sentence_are_not_coined():
    text = "we design a family of ResNet architectures, ResNet-RS, which are faster."
    assert _names("Revisiting ResNets", text, frozenset({"ResNet"})) == [("ResNet-RS", False)]


def test_rows_for_methods_and_datasets(nlp):
    doc = nlp.make_doc(
        "We propose FooNet (FN). FooNet beats LoRA and GPT-4 on GSM8k and MS-COCO, "
        "but not the transformer baseline used by most LLMs."
    )
    doc._.title = "FooNet: Faster Things"
    claims = nlp(doc)._.claims
    methods = {c.name: c.proposed for c in claims if c.kind == "method"}
    datasets = {c.name for c in claims if c.kind == "dataset"}
    assert methods == {"FooNet": True, "LoRA": False, "GPT-4": False}
    assert datasets == {"GSM8K", "COCO"}  # canonical names of the aliases written


def test_model_variants_keep_their_suffix(nlp):
    doc = nlp("We fine-tune Qwen2-7B-Instruct, RoBERTa-base and ViT-L/14.")
    texts = [c.text for c in doc._.claims if c.kind == "method"]
    assert texts == ["Qwen2-7B-Instruct", "RoBERTa-base", "ViT-L/14"]


def test_datasets_listed_beside_known_ones(nlp):
    doc = nlp("Experiments on CIFAR-100, Tiny-ImageNet and ImageNet100 and on the Paracrawl dataset.")
    names = [c.text for c in doc._.claims if c.kind == "dataset"]
    assert names == ["CIFAR-100", "Tiny-ImageNet", "ImageNet100", "Paracrawl"]


@given(
    st.text(alphabet="abX-é2", min_size=1, max_size=3).filter(str.strip),
    st.text(alphabet="ab-/._ Xé2 ", max_size=30),
)
def test_occurrences_agree_with_the_boundary_regex(name, text):
    expected = [m.start() for m in re.finditer(rf"(?<![\w/.-]){re.escape(name)}(?![\w]|-\w)", text)]
    assert occurrences(name, text) == expected


def test_every_cue_holds_a_cue_word():
    """The one-scan prefilter may only skip sentences that hold no cue at all."""
    for paper in read_papers([SEEDS])[0]:
        lowered = paper.abstract.lower()
        for regex in (names._PROPOSAL, names._NAMING):
            for match in regex.finditer(paper.abstract):
                inside = lowered[match.start() : match.end()]
                assert any(word in inside for word in names.CUE_WORDS), match.group()


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text(alphabet="abn ", min_size=1, max_size=4), min_size=1, max_size=6),
    text=st.text(alphabet="abnAé𝔘 ", max_size=40),
)
def test_word_finder_finds_what_a_find_loop_finds(words, text):
    """Every start of every word, overlapping ones and repeats across words included."""
    expected = []
    for word in words:
        at = text.find(word)
        while at != -1:
            expected.append(at)
            at = text.find(word, at + 1)
    assert WordFinder(words).starts(text) == sorted(expected)


def test_word_finder_takes_ascii_words_only():
    with pytest.raises(ValueError, match="ASCII"):
        WordFinder(["naïve"])
