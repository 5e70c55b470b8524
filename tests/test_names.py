"""Names: abbreviation definitions, coined (proposed) names, gazetteer methods/datasets."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.io.read import read_papers
from extract.match import names
from extract.match.names import coined_names, looks_coined, occurrences, title_name
from extract.pipeline.build import build_nlp
from extract.rules.ruleset import load_rules
from extract.text.abbreviations import _words_start, find_abbreviations
from extract.text.compiled import WordFinder

from .conftest import SEEDS, examples
from .test_rules import write_rules


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


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", "x" * 300, " ", "  ", "\n", "\u00a0", "\x1c"]), max_size=60).map(
        "".join
    ),
    st.integers(1, 12),
)
def test_words_start_is_where_the_last_words_before_a_place_start(text, count):
    """The start of the ``count``-th last word before the end (the first word if fewer;
    None if none), however far back it lies: each word as ``\\S+`` sees it."""
    words = [m.start() for m in re.finditer(r"\S+", text)]
    assert _words_start(text, len(text), count) == (words[-count:][0] if words else None)


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


def test_a_new_dataset_defined_by_its_long_form_is_a_dataset():
    """'X (Long Form), a … dataset' introduces a dataset: the parenthesis between the name
    and its noun phrase does not hide it."""
    text = "We introduce ZQ2E (Zebra Quads to Events), a large-scale synthetic event dataset."
    assert _names("ZQ2E: Quads Are Data Generators", text) == [("ZQ2E", True)]
    text = "We introduce ZQ2E (Zebra Quads to Events), a method that converts quads."
    assert _names("ZQ2E: Quads Are Data Generators", text) == [("ZQ2E", False)]


def test_a_new_dataset_is_a_dataset_not_a_method():
    text = "We present ChronusAV, a temporally-accurate, modality-complete dataset of videos."
    assert _names("ChronusOmni: Time Awareness", text) == [("ChronusAV", True)]


@pytest.mark.parametrize(
    "text,coined",
    [
        ("We present Zorblax, a tool that automates simulation-ready (SimReady) scene layout.", []),
        ("We introduce a test of audio-visual (AV) sync for clips.", []),
        ("We propose emulated fine-tuning (EFT), a technique.", ["EFT"]),
        ("We propose mini-batch consistency (MBC), a loss.", ["MBC"]),
        ("We propose a future-self-training (FST) framework for it.", ["FST"]),
        ("We introduce Gradient Low-Rank Projection (GaLore), a strategy.", ["GaLore"]),
    ],
)
def test_the_acronym_of_one_lower_case_adjective_is_a_term_not_a_coinage(text, coined):
    assert [c.text for c in coined_names("", text, find_abbreviations(text))] == coined


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


def test_reasoning_and_thinking_variants_keep_their_suffix(nlp):
    doc = nlp("Small models (e.g., Qwen3-thinking and Phi-4-reasoning) also gain.")
    assert [(c.text, c.family) for c in doc._.claims if c.kind == "method"] == [
        ("Qwen3-thinking", "Qwen3"),
        ("Phi-4-reasoning", "Phi-4"),
    ]


@pytest.mark.parametrize(
    "sentence,text,family",
    [
        ("We prompt Grok 3 on the puzzles.", "Grok 3", "Grok 3"),
        ("We prompt GPT 4.1 on the puzzles.", "GPT 4.1", "GPT"),
        ("We prompt Gemini 2.5 Pro on the puzzles.", "Gemini 2.5 Pro", "Gemini 2.5"),
        ("We prompt Qwen 2.5 VL on the puzzles.", "Qwen 2.5 VL", "Qwen2.5"),
        ("We prompt Llama 3.1 8B Instruct on the puzzles.", "Llama 3.1 8B Instruct", "Llama 3.1"),
        ("We prompt Gemini 2.5 Flash-Lite on the puzzles.", "Gemini 2.5 Flash-Lite", "Gemini 2.5"),
        ("We prompt Gemma 2B on the puzzles.", "Gemma 2B", "Gemma"),
    ],
)
def test_a_listed_model_runs_on_over_its_spaced_version_size_and_variant(nlp, sentence, text, family):
    (method,) = [c for c in nlp(sentence)._.claims if c.kind == "method"]
    assert (method.text, method.family) == (text, family)


@pytest.mark.parametrize(
    "sentence,text",
    [
        ("Our tool beats Gemini by 2.5% on the puzzles.", "Gemini"),  # a number with its unit
        ("Our tool scores CLIP 16.12 on the puzzles.", "CLIP"),  # a score, not a version
        ("We prompt Llama 3 large language models on the puzzles.", "Llama 3"),  # not a variant word
        ("We prompt GPT-4o 3 times on the puzzles.", "GPT-4o"),  # a name with its version takes none
    ],
)
def test_a_listed_model_does_not_run_on_over_the_sentence(nlp, sentence, text):
    assert [c.text for c in nlp(sentence)._.claims if c.kind == "method"] == [text]


def test_a_variant_of_the_papers_own_model_is_proposed(nlp):
    doc = nlp.make_doc("We present UL2, a unified recipe. We release UL2 20B, which beats GPT-3 175B.")
    doc._.title = "UL2: Unifying Language Learning Paradigms"
    methods = {c.text: (c.family, c.proposed) for c in nlp(doc)._.claims if c.kind == "method"}
    assert methods["UL2 20B"] == ("UL2", True)
    assert methods["GPT-3 175B"] == ("GPT-3", False)


def test_a_listed_name_runs_on_before_overlaps_are_settled(nlp):
    """The run-on decides which name wins: a guessed shape that covers only part of the
    listed model's variant loses to it; a guess never cuts the run-on short."""
    doc = nlp("Ours is competitive to FLAN-PaLM 62B and to Qwen-2.5-Math-7B.")
    texts = [c.text for c in doc._.claims if c.kind == "method"]
    assert texts == ["PaLM 62B", "Qwen-2.5-Math-7B"]


@pytest.mark.slow
def test_a_user_variant_word_extends_the_run_on(tmp_path):
    sentence = "We prompt Gemini 2.5 Deluxe on the puzzles."
    mine = write_rules(
        tmp_path / "mine",
        "cues.jsonl",
        {"id": "cue.variant.mine", "label": "CUE", "role": "model_variant_word", "pattern": "deluxe"},
    )
    for rules, text in (([], "Gemini 2.5"), ([mine], "Gemini 2.5 Deluxe")):
        claims = build_nlp(rules=rules, use_env=False)(sentence)._.claims
        assert [c.text for c in claims if c.kind == "method"] == [text]


def test_a_shaped_name_after_a_tracker_or_detector_is_a_method(nlp):
    """'tracker X', 'detector X' name a system like 'baseline X'; 'CF trackers' names a
    class, so the noun after a name does not make it one."""
    doc = nlp("It runs with the real-time tracker QuikTAM and the detector ZapDet, unlike CF trackers.")
    assert [c.text for c in doc._.claims if c.kind == "method"] == ["QuikTAM", "ZapDet"]


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
        cues = names.default_cues()
        for regex in (cues.proposal, cues.naming):
            for match in regex.finditer(paper.abstract):
                inside = lowered[match.start() : match.end()]
                assert cues.finder.starts(inside), match.group()


@settings(max_examples=examples(300), deadline=None)
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


def _found(nlp, text: str, kind: str) -> list[str]:
    return [c.text for c in nlp(text)._.claims if c.kind == kind]


@pytest.mark.parametrize(
    "text,datasets",
    [
        (
            "We evaluate on the LEVIR-CD, LEVIR-CD+, S2Looking, CDD, SYSU-CD, and WHU-CD datasets.",
            ["LEVIR-CD", "LEVIR-CD+", "S2Looking", "CDD", "SYSU-CD", "WHU-CD"],
        ),
        ("It excels on benchmarks such as QuuxBench and Zork-500.", ["QuuxBench", "Zork-500"]),
        (
            "We test it across four benchmarks: NL9OPT, FooOR, EasyQP, and ComplexQP.",
            ["NL9OPT", "FooOR", "EasyQP", "ComplexQP"],
        ),
        ("We report results on the Hub5'00 benchmark.", ["Hub5'00"]),
    ],
)
def test_a_list_a_dataset_noun_closes_or_opens_holds_datasets(nlp, text, datasets):
    assert _found(nlp, text, "dataset") == datasets
    assert _found(nlp, text, "method") == []


def test_a_list_a_method_noun_opens_holds_methods(nlp):
    text = "It beats strong baselines such as FooGAN, Bar-3 and QuxNet."
    assert _found(nlp, text, "method") == ["FooGAN", "Bar-3", "QuxNet"]


def test_generic_heads_and_sources_are_cues_a_user_extends(tmp_path):
    """The long-form heads that make an acronym generic and the words before a source are
    CUE roles (generic_head, source_before): a user's entry extends them."""
    text = "We study reinforcement learning (RL) and graph mining (GM)."
    abbreviations = find_abbreviations(text)
    assert names.generic_short_forms(abbreviations) == {"RL"}
    proposal = "We present a suite built atop FooQA for tests."
    assert [c.text for c in coined_names("", proposal, [])] == ["FooQA"]
    mine = write_rules(
        tmp_path / "mine",
        "cues.jsonl",
        {"id": "cue.generic_head.mine", "label": "CUE", "role": "generic_head", "pattern": "mining"},
        {"id": "cue.source_before.mine", "label": "CUE", "role": "source_before", "pattern": "atop"},
    )
    cues = names.ProposalCues.from_rules(load_rules([mine], use_env=False))
    assert names.generic_short_forms(abbreviations, cues) == {"RL", "GM"}
    assert coined_names("", proposal, [], cues=cues) == []


def test_list_members_are_no_sizes_or_generic_short_forms(nlp):
    text = "Event classification (EC) is hard. We use EC models and the 7B and 13B models."
    assert _found(nlp, text, "method") == []


def test_a_shape_alone_is_not_a_name(nlp):
    """Acronyms and CamelCase words with no cue are field jargon, sites and licences."""
    text = (
        "The clinical target volume (CTV) and the PSA level were read from PubMed and "
        "ScienceDirect records under CC BY-NC-SA 4.0."
    )
    assert _found(nlp, text, "method") == []


@pytest.mark.parametrize(
    "text,methods",
    [
        ("Our model outperforms FooFormer on three tasks.", ["FooFormer"]),
        ("We compare RNGDet++, Sat2Graph and TF-Encoder.", ["RNGDet++", "Sat2Graph", "TF-Encoder"]),
        ("A BiLSTM model and QuuxBoost are combined.", ["BiLSTM", "QuuxBoost"]),
        ("We study ZorkLM, a state-of-the-art multilingual generation model.", ["ZorkLM"]),
        ("It uses a Prior Fusion Network (PFN) for depth.", ["PFN"]),
        ("The QuuxNet model is small. Later, QuuxNet is pruned.", ["QuuxNet"]),
    ],
)
def test_a_shape_with_a_cue_is_a_method(nlp, text, methods):
    assert _found(nlp, text, "method") == methods


def test_an_abbreviation_of_a_domain_term_is_not_a_method(nlp):
    text = "Segmenting the gross tumour volume (GTV) is hard; we outline the GTV on scans."
    assert _found(nlp, text, "method") == []


def test_a_cue_elsewhere_in_the_abstract_counts(nlp):
    text = "ZorpNet is fast. It outperforms ZorpNet by 2 points."
    claims = [c for c in nlp(text)._.claims if c.kind == "method"]
    assert [(c.text, c.start) for c in claims] == [("ZorpNet", 0)]  # first mention, cue at the second


def test_one_abstract_one_kind(nlp):
    """A name a context makes a dataset is a dataset at every mention, not also a method."""
    text = "Prior work used the ArgQP21 dataset. Our data is richer than ArgQP21, e.g. ArgQP21 lacks topics."
    assert _found(nlp, text, "dataset") == ["ArgQP21"]
    assert _found(nlp, text, "method") == []


def test_a_sized_model_is_a_method_with_its_variant_and_family(nlp):
    claims = nlp("We fine-tune OPT-175B, Foo-32B and Qux-v1.6-7B.")._.claims
    methods = [(c.text, c.name, c.family) for c in claims if c.kind == "method"]
    assert methods == [
        ("OPT-175B", "OPT-175B", "OPT"),
        ("Foo-32B", "Foo-32B", "Foo"),
        ("Qux-v1.6-7B", "Qux-v1.6-7B", "Qux"),
    ]
    sizes = sorted(c.value_norm for c in claims if c.kind == "model_size")
    assert sizes == [7e9, 3.2e10, 1.75e11]


@pytest.mark.slow
def test_a_user_cue_word_extends_the_context_rules(tmp_path):

    text = "Ours trounces FooFormer."
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "cues.jsonl").write_text(
        '{"id": "cue.method_before.mine", "label": "CUE", "role": "method_before", "pattern": "trounces"}\n'
    )
    assert _found(build_nlp(use_env=False), text, "method") == []
    assert _found(build_nlp(rules=[mine], use_env=False), text, "method") == ["FooFormer"]
