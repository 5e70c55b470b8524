"""Corpus discovery (``extract rules discover``): names that recur with strong cues become
ranked, valid rule entries that the pipeline then uses (``--rules DIR``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.cli.main import main
from extract.errors import RuleError
from extract.rules.ruleset import builtin_rules_dir, load_directories, load_rules
from extract.table.discover import FILES, discover, write_rules

# Invented abstracts: ZorbBench is cued as a dataset in four papers, FlimNet as a model (a
# glued size) in three, QuuxQA in two, ImageNet is already in the gazetteers.
ABSTRACTS = [
    "We evaluate on the ZorbBench dataset. Our FlimNet-7B model is small.",
    "Results on ZorbBench and ImageNet improve. We fine-tune FlimNet-13B on it.",
    "We use benchmarks such as ZorbBench, QuuxQA and ImageNet. FlimNet-70B is the baseline.",
    "The ZorbBench, QuuxQA and PlonkSet datasets are hard.",
    "A plain abstract without any names at all.",
]


def write_corpus(path: Path, abstracts: list[str] = ABSTRACTS) -> Path:
    rows = [{"id": f"p{i}", "title": f"Paper {i}", "abstract": a} for i, a in enumerate(abstracts)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_entries(directory: Path) -> dict[str, list[dict]]:
    found = {}
    for label, name in FILES.items():
        lines = (directory / name).read_text("utf-8").splitlines()
        found[label] = [json.loads(line) for line in lines if line and not line.startswith("//")]
    return found


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus.jsonl")


def test_entries_written_valid_and_ranked(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "found"
    found = discover([corpus], min_papers=2)
    write_rules(found, out)
    entries = read_entries(out)
    datasets = {e["name"]: e for e in entries["DATASET"]}
    assert list(datasets) == ["ZorbBench", "QuuxQA"]  # ranked: 4 papers before 2
    zorb = datasets["ZorbBench"]
    assert zorb["evidence"]["papers"] == 4
    assert set(zorb["evidence"]["cues"]) == {"noun", "on", "list"}
    assert len(zorb["evidence"]["sentences"]) == 2 and "ZorbBench" in zorb["evidence"]["sentences"][0]
    assert zorb["source"].startswith("discovered by extract rules discover in")
    (flim,) = entries["METHOD"]
    assert (flim["name"], flim["type"], flim["evidence"]["cues"]) == ("FlimNet", "model", {"size": 3})
    scores = [e["evidence"]["score"] for e in entries["DATASET"]]
    assert scores == sorted(scores, reverse=True)
    assert found.known >= 1  # ImageNet: in the shipped gazetteer, counted, not written
    assert "ImageNet" not in datasets
    ruleset = load_directories([builtin_rules_dir(), out])  # valid, as rules check would say
    assert {"dataset.discovered.zorbbench", "method.discovered.flimnet"} <= set(ruleset.by_id())


@pytest.mark.slow
def test_min_papers_is_respected(corpus: Path, tmp_path: Path) -> None:
    names = {e["name"] for e in discover([corpus], min_papers=3).entries}
    assert names == {"ZorbBench", "FlimNet"}  # QuuxQA is cued in two papers only
    assert {e["name"] for e in discover([corpus], min_papers=1).entries} >= {"PlonkSet"}


@pytest.mark.slow
def test_round_trip_through_rules(corpus: Path, tmp_path: Path) -> None:
    from extract.pipeline.build import build_nlp

    out = tmp_path / "found"
    write_rules(discover([corpus], min_papers=3), out)
    text = "We report accuracy on ZorbBench, where FlimNet is the strongest baseline."
    before = {(e.text, e.ent_id_) for e in build_nlp(use_env=False)(text).ents}
    after = {(e.text, e.label_, e.ent_id_) for e in build_nlp([out], use_env=False)(text).ents}
    assert ("ZorbBench", "dataset.discovered.zorbbench") not in before
    assert ("ZorbBench", "DATASET", "dataset.discovered.zorbbench") in after
    assert ("FlimNet", "METHOD", "method.discovered.flimnet") in after


@pytest.mark.slow
def test_command_line_and_jobs(corpus: Path, tmp_path: Path, capsys) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        code = main(["rules", "discover", str(corpus), "-o", str(out), "--min-papers", "2", "--jobs", jobs])
        assert code == 0
        outputs.append([(out / name).read_text("utf-8") for name in FILES.values()])
    assert outputs[0] == outputs[1]  # the worker pool changes nothing
    err = capsys.readouterr().err
    assert "5 records, 5 papers; 3 names (dataset 2, method 1) in at least 2 papers" in err
    assert main(["rules", "check", str(tmp_path / "out1")]) == 0


def test_bad_min_papers_is_one_line(corpus: Path, tmp_path: Path, capsys) -> None:
    assert main(["rules", "discover", str(corpus), "-o", str(tmp_path / "x"), "--min-papers", "0"]) == 2
    assert capsys.readouterr().err.strip() == "extract: error: --min-papers must be at least 1, not 0"


def test_cues_that_describe_are_not_names(tmp_path: Path) -> None:
    """'a Korean dataset', 'VQA benchmarks' and 'we present Mixture of …' describe; 'Named
    Entity Recognition' is not a naming verb."""
    texts = [
        "We build a VQA dataset and test on VQA benchmarks. Named Entity Recognition is hard.",
        "We present Mixture of Experts routing for a Korean dataset.",
    ] * 3
    found = discover([write_corpus(tmp_path / "c.jsonl", texts)], min_papers=1)
    assert found.entries == []


def test_long_forms(tmp_path: Path) -> None:
    """A capitalised long form ending in a method word makes its abbreviation a method, with the
    long form as an alias; one that papers write in lower case is a concept, not a name."""
    texts = ["We use Zeta Gated Network (ZGN) for retrieval."] * 2 + [
        "A quick routing algorithm (QRA) helps.",
        "Quick Routing Algorithm (QRA) helps.",
    ]
    found = discover([write_corpus(tmp_path / "c.jsonl", texts)], min_papers=1)
    (entry,) = found.entries
    assert (entry["name"], entry["label"], entry["aliases"]) == ("ZGN", "METHOD", ["Zeta Gated Network"])
    assert found.concepts == 1


def test_evidence_is_validated(tmp_path: Path) -> None:
    entry = {"id": "dataset.x", "label": "DATASET", "pattern": "Xyz", "source": "here"}
    (tmp_path / "d.jsonl").write_text(json.dumps({**entry, "evidence": {"papers": -1, "cuez": {}}}) + "\n")
    with pytest.raises(RuleError) as error:
        load_directories([tmp_path])
    assert error.value.problems == [
        f"{tmp_path / 'd.jsonl'}:1 [dataset.x]: unknown key 'evidence.cuez' (did you mean 'cues'?)"
    ]
    bad = {**entry, "evidence": {"papers": -1, "sentences": [""]}}
    (tmp_path / "d.jsonl").write_text(json.dumps(bad) + "\n")
    with pytest.raises(RuleError) as error:
        load_directories([tmp_path])
    assert [p.split(": ", 1)[1] for p in error.value.problems] == [
        "'evidence.papers' must be a non-negative integer",
        "'evidence.sentences' must be a list of non-empty strings",
    ]
    (tmp_path / "d.jsonl").write_text(json.dumps({**entry, "label": "GENERIC", "source": ""}) + "\n")
    with pytest.raises(RuleError, match="'source' must be a non-empty string"):
        load_directories([tmp_path])


def test_shipped_grown_gazetteers_say_their_source() -> None:
    ruleset = load_rules(use_env=False)
    grown = [r for r in ruleset.rules if r.family.endswith(("_discovered", "_pwc"))]
    assert grown, "the shipped rules hold no grown gazetteer"
    assert all(r.get("source") for r in grown)
