"""Units right (issue 18, item 4): per mille, device time, money scales, scale words as data,
real device aliases only, short device codes only with a device word in reach."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extract.pipeline.build import build_nlp
from extract.rules.ruleset import load_rules


def _results(nlp, text: str) -> list[tuple[str, float, str]]:
    return [(c.text, c.value_norm, c.unit_norm) for c in nlp(text)._.claims if c.kind == "result"]


def _hardware(nlp, text: str) -> list[tuple[str, str]]:
    return [(c.text, c.name) for c in nlp(text)._.claims if c.kind == "hardware"]


# ---------------------------------------------------------------- per mille


def test_per_mille_is_a_tenth_of_a_percent(nlp):
    claims = [c for c in nlp("The error rate drops by 5‰ on the test set.")._.claims if c.kind == "result"]
    assert [(c.text, c.value, c.unit) for c in claims] == [("5‰", 5.0, "‰")]
    assert claims[0].value_norm == pytest.approx(0.5) and claims[0].unit_norm == "percent"


# ---------------------------------------------------------------- device time


@pytest.mark.parametrize(
    "text,expected",
    [
        ("The sweep consumed 1,000 GPU hours.", ("1,000 GPU hours", 1000, "gpu_hour")),
        ("The sweep consumed 200 GPU-days.", ("200 GPU-days", 4800, "gpu_hour")),
        ("Pre-training took 50 TPU-hours.", ("50 TPU-hours", 50, "tpu_hour")),
        ("Pre-training took 2 TPU days.", ("2 TPU days", 48, "tpu_hour")),
        ("The run used 10 node-hours.", ("10 node-hours", 10, "node_hour")),
        ("The run used 3 device-days.", ("3 device-days", 72, "device_hour")),
        ("The run used 1,000 A100 hours.", ("1,000 A100 hours", 1000, "gpu_hour")),
    ],
)
def test_device_time_is_its_own_dimension(nlp, text, expected):
    assert _results(nlp, text) == [pytest.approx(expected)]


def test_wall_clock_time_is_still_seconds(nlp):
    assert _results(nlp, "Training takes 3 days.") == [("3 days", 259200.0, "second")]


def test_device_time_never_compares_with_seconds_or_other_devices(nlp):
    units = nlp.get_pipe("ml_normalize").normalizer.units
    dimensions = {
        units.dimension(u) for u in ("hours", "GPU_hours", "TPU_hours", "node_hours", "device_hours")
    }
    assert len(dimensions) == 5


# ---------------------------------------------------------------- money


@pytest.mark.parametrize(
    "text,expected",
    [
        ("It costs $5m to train.", ("$5m", 5e6, "usd")),
        ("It costs $5M to train.", ("$5M", 5e6, "usd")),
        ("It costs $5 million to train.", ("$5 million", 5e6, "usd")),
        ("It costs $5mm to train.", ("$5mm", 5e6, "usd")),
        ("The cluster costs $2.3bn.", ("$2.3bn", 2.3e9, "usd")),
        ("The cluster costs $2.3 billion.", ("$2.3 billion", 2.3e9, "usd")),
        ("Annotation costs $20k.", ("$20k", 2e4, "usd")),
        ("The grant is €3M.", ("€3M", 3e6, "eur")),
        ("The grant is £1.2bn.", ("£1.2bn", 1.2e9, "gbp")),
        ("Training costs 2 million dollars.", ("2 million dollars", 2e6, "usd")),
        ("Training costs 3 million euros.", ("3 million euros", 3e6, "eur")),
    ],
)
def test_money_scales(nlp, text, expected):
    assert _results(nlp, text) == [pytest.approx(expected)]


def test_m_is_a_million_only_after_a_currency_sign(nlp):
    # no metres, no milli-images: a bare "5m" is no scale, and no wrong count is made of it
    assert _results(nlp, "We collect 1.5m images.") == []
    assert _results(nlp, "The robot moves 5m forward.") == []


# ---------------------------------------------------------------- scale words are data


def test_scale_words_come_from_the_cue_entries():
    ruleset = load_rules([], use_env=False)
    scales = ruleset.scales("scale")
    assert scales["B"] == 1e9 and scales["million"] == 1e6 and scales["K"] == 1e3
    assert "m" not in scales and ruleset.scales("money_scale")["m"] == 1e6
    macros = ruleset.macros()
    assert {"M", "million", "Million", "MILLION", "bn"} <= set(macros["scale"]["ORTH"]["IN"])
    assert "m" in macros["money_scale"]["ORTH"]["IN"] and "m" not in macros["scale"]["ORTH"]["IN"]
    assert "K" not in macros["size_scale"]["ORTH"]["IN"]
    assert set(macros["glued_size_scale"]["ORTH"]["IN"]) == {"B", "b", "T"}


def test_no_scale_word_list_in_python():
    # the scale words live once, in rules/cues.jsonl: no module maps "million" to a number
    # or lists "bn" (the old SCALES table in extract/units.py did both)
    package = Path(__file__).resolve().parent.parent / "extract"
    table = re.compile(r"[\"'](?:million|billion|trillion)[\"']\s*:|[\"']bn[\"']")
    listed = [p.name for p in package.rglob("*.py") if table.search(p.read_text("utf-8"))]
    assert listed == []


@pytest.mark.slow
def test_a_user_scale_word_is_read_everywhere(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    entry = {"id": "cue.scale.lakh", "label": "CUE", "role": "scale", "value": 1e5, "pattern": "lakh"}
    (mine / "cues.jsonl").write_text(json.dumps(entry) + "\n", "utf-8")
    nlp = build_nlp(rules=[mine], use_env=False)
    # matched by the patterns (@scale) and read by the normalizer
    assert _results(nlp, "We collect 3 lakh images.") == [("3 lakh images", 3e5, "image")]
    assert _results(build_nlp(use_env=False), "We collect 3 lakh images.") != [
        ("3 lakh images", 3e5, "image")
    ]


def test_a_scale_cue_needs_a_value(tmp_path):
    from extract.errors import RuleError

    mine = tmp_path / "mine"
    mine.mkdir()
    entry = {"id": "cue.scale.lakh", "label": "CUE", "role": "scale", "pattern": "lakh"}
    (mine / "cues.jsonl").write_text(json.dumps(entry) + "\n", "utf-8")
    with pytest.raises(RuleError) as error:
        load_rules([mine], use_env=False)
    assert error.value.problems == [
        f"{mine}/cues.jsonl:1 [cue.scale.lakh]: a 'scale' cue needs a positive number 'value'"
    ]


# ---------------------------------------------------------------- device aliases


def test_no_invented_device_aliases():
    ruleset = load_rules([], use_env=False)
    aliases = {a for r in ruleset.by_label("DEVICE") for a in r.aliases if isinstance(a, str)}
    assert (
        not {"K80-SXM5", "T4-SXM4", "H100-SXM4", "A100-SXM5", "L4-PCIe", "Tesla L4", "GB200-PCIe"} & aliases
    )
    assert {"A100-SXM4", "H100-SXM5", "V100-SXM2", "H100 PCIe"} <= aliases


@pytest.mark.parametrize(
    "text,expected",
    [
        ("We fine-tune on A100-SXM4-80GB GPUs.", ("A100-SXM4-80GB GPUs", "A100")),
        ("It runs on 8 H100 SXM5 GPUs.", ("8 H100 SXM5 GPUs", "H100")),
        ("Models were trained on V100-SXM2 cards.", ("V100-SXM2 cards", "V100")),
    ],
)
def test_real_variant_names_still_match(nlp, text, expected):
    assert _hardware(nlp, text) == [expected]


# ---------------------------------------------------------------- short device codes


@pytest.mark.parametrize(
    "text",
    [
        "We probe features from layer L4 of the encoder.",
        "The T4 phage infects bacteria.",
        "Scores on the A10 split are lower.",
        "The K80 benchmark subset is hard.",
    ],
)
def test_a_bare_short_code_is_no_device(nlp, text):
    assert _hardware(nlp, text) == []
    assert not [e for e in nlp(text).ents if e.label_ == "DEVICE"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Latency is measured on an NVIDIA T4.", [("NVIDIA T4", "T4")]),
        ("We serve the model on 4 L4 GPUs.", [("4 L4 GPUs", "L4")]),
        ("We use Tesla K80 accelerators.", [("Tesla K80 accelerators", "K80")]),
        ("We use T4 and A10 GPUs.", [("T4", "T4"), ("A10 GPUs", "A10")]),
        ("Training runs on a single A100.", [("single A100", "A100")]),
        ("We use an RTX 4090 here.", [("RTX 4090", "RTX 4090")]),
    ],
)
def test_a_short_code_with_a_device_word_is_a_device(nlp, text, expected):
    assert _hardware(nlp, text) == expected


def test_every_short_code_needs_context():
    # a letter and one or two digits is also a common token: the shipped entries say so
    ruleset = load_rules([], use_env=False)
    short = [r for r in ruleset.by_label("DEVICE") if re.fullmatch(r"[A-Za-z]\d{1,2}", str(r.pattern))]
    assert short and all(r.get("needs_context") for r in short)
    assert not load_rules([], use_env=False).by_id()["hardware.nvidia.a100"].get("needs_context")
