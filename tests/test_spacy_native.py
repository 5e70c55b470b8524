"""The pipeline as spaCy sees it (issue 15 item 2): assembled from its config, saved and
loaded, pickled, run in spawned processes and stored in a DocBin, it finds the claims of
``build_nlp()``."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import pickle
import shutil

import pandas as pd
import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import load_model_from_config

from extract.io.read import read_papers
from extract.pipeline.build import COMPONENTS, build_nlp
from extract.pipeline.rules import PipelineError, RuleComponent
from extract.table.batch import extract_table
from extract.units import UnitNormalizer

from .conftest import SEEDS

FOO_BENCH = {"id": "dataset.user.foobench", "label": "DATASET", "name": "FooBench", "pattern": "FooBench"}
FOO_TEXT = "Our 7B model reaches 81.2% accuracy on FooBench, using 8 A100 GPUs."


def _records(limit: int | None = None) -> list[dict[str, str]]:
    papers = read_papers([SEEDS])[0][:limit]
    return [{"id": p.paper_id, "title": p.title, "abstract": p.abstract} for p in papers]


@pytest.fixture(scope="module")
def records():
    return _records(40)


@pytest.fixture(scope="module")
def expected(nlp, records):
    claims = extract_table(records, nlp=nlp).claims
    assert len(claims) > 100 and {"model_size", "hardware", "result"} <= set(claims["kind"])
    return claims


def _claims(nlp, records) -> pd.DataFrame:
    return extract_table(records, nlp=nlp).claims


def _rows(docs) -> list[list[tuple]]:
    return [[dataclasses.astuple(c) for c in doc._.claims] for doc in docs]


def test_spacy_load_of_a_saved_pipeline_gives_the_same_claims(nlp, records, expected, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == nlp.pipe_names and loaded.lang == "en_ml"
    pd.testing.assert_frame_equal(_claims(loaded, records), expected)


@pytest.mark.slow
def test_a_saved_pipeline_loads_without_its_rule_directories(tmp_path):
    """The rule files travel inside the saved pipeline: a user's directory may be gone."""
    mine = tmp_path / "my_rules"
    mine.mkdir()
    (mine / "datasets.jsonl").write_text(json.dumps(FOO_BENCH) + "\n", "utf-8")
    nlp = build_nlp([mine], use_env=False)
    found = [c.name for c in nlp(FOO_TEXT)._.claims if c.kind == "dataset"]
    assert found == ["FooBench"]
    nlp.to_disk(tmp_path / "pipeline")
    shutil.rmtree(mine)
    loaded = spacy.load(tmp_path / "pipeline")
    assert _rows([loaded(FOO_TEXT)]) == _rows([nlp(FOO_TEXT)])
    for name in COMPONENTS:
        assert (tmp_path / "pipeline" / name / "rules" / "01" / "datasets.jsonl").is_file()


def test_the_config_alone_builds_a_pipeline_with_the_same_claims(nlp, records, expected):
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "extract.tokenizer.v1"
    for name in COMPONENTS:
        assert nlp.config["components"][name]["rules"]["@misc"] == "extract.rules.v1"
    rebuilt = load_model_from_config(nlp.config, auto_fill=True)
    pd.testing.assert_frame_equal(_claims(rebuilt, records), expected)


def test_spacy_blank_plus_add_pipe_gives_the_same_claims(records, expected, monkeypatch):
    """The README's route: the en_ml language and the factories with their default rules."""
    monkeypatch.delenv("EXTRACT_RULES", raising=False)  # the defaults read it; the fixture does not
    nlp = spacy.blank("en_ml")
    nlp.add_pipe("ml_sentences")
    for name in COMPONENTS:
        nlp.add_pipe(name)
    pd.testing.assert_frame_equal(_claims(nlp, records), expected)


def test_en_ml_widens_like_num_from_the_first_lexeme():
    vocab = spacy.blank("en_ml").vocab
    assert all(vocab[w].like_num for w in ("3.8e25", "10^24", "10,000", "seven"))
    assert not spacy.blank("en").vocab["3.8e25"].like_num


@pytest.mark.slow
def test_a_pickled_pipeline_gives_the_same_claims(nlp, records, expected):
    copy = pickle.loads(pickle.dumps(nlp))
    pd.testing.assert_frame_equal(_claims(copy, records), expected)


@pytest.mark.slow
def test_nlp_pipe_with_two_spawned_processes_gives_the_same_claims(nlp, records):
    """Spawn (macOS, Windows, Linux from Python 3.14) pickles the pipeline into each worker."""
    texts = [r["abstract"] for r in records[:12]]
    one = _rows(nlp.pipe(texts))
    assert sum(map(len, one)) > 20
    method = multiprocessing.get_start_method()
    multiprocessing.set_start_method("spawn", force=True)
    try:
        two = _rows(nlp.pipe(texts, n_process=2, batch_size=4))
    finally:
        multiprocessing.set_start_method(method, force=True)
    assert two == one


def test_docbin_with_its_defaults_keeps_the_claims(nlp, records):
    """doc._.claims lives in the claims span group, which DocBin always stores."""
    docs = list(nlp.pipe(r["abstract"] for r in records))
    stored = DocBin(docs=docs).to_bytes()  # store_user_data=False
    loaded = list(DocBin().from_bytes(stored).get_docs(nlp.vocab))
    assert all(doc._.claims is not None for doc in loaded)
    assert _rows(loaded) == _rows(docs)
    assert sum(map(len, _rows(loaded))) > 100


def test_one_rule_set_per_pipeline(nlp, tmp_path):
    rulesets = {id(proc.rules) for _, proc in nlp.pipeline if isinstance(proc, RuleComponent)}
    assert len(rulesets) == 1
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    loaded_sets = {id(proc.rules) for _, proc in loaded.pipeline if isinstance(proc, RuleComponent)}
    assert len(loaded_sets) == 1 and loaded_sets != rulesets


def test_a_component_with_other_rules_is_refused_in_one_line(tmp_path):
    nlp = build_nlp(use_env=False)
    with pytest.raises(PipelineError, match=r"^ml_claims2: rules .* differ from the tokenizer's") as error:
        nlp.add_pipe("ml_claims", name="ml_claims2", config={"rules": {"paths": [str(tmp_path)]}})
    assert "\n" not in str(error.value)
    with pytest.raises(PipelineError, match="not extract's ML tokenizer"):
        spacy.blank("en").add_pipe("ml_claims")
    blank = spacy.blank("en_ml", config={"nlp": {"tokenizer": {"rules": {"use_env": False}}}})
    with pytest.raises(PipelineError, match="differ from the tokenizer's"):
        blank.add_pipe("ml_entities")  # the default rules read $EXTRACT_RULES: another source


def test_the_unit_normalizer_pickles_onto_the_one_registry(nlp):
    units = nlp.get_pipe("ml_normalize").normalizer.units
    copy = pickle.loads(pickle.dumps(units))
    assert copy.ureg is units.ureg
    for value, unit in ((3, "GB"), (2, "hours"), (5, "M"), (1.5, "x")):
        assert copy.normalize(value, unit) == units.normalize(value, unit)
    assert copy.scale_of("B") == units.scale_of("B") == 1e9
    assert isinstance(copy, UnitNormalizer)


@pytest.mark.slow
def test_every_route_gives_the_claims_of_build_nlp_on_the_whole_seed_corpus(nlp, tmp_path):
    records = _records()
    expected = _claims(nlp, records)
    assert len(expected) > 2000
    nlp.to_disk(tmp_path / "pipeline")
    for other in (
        spacy.load(tmp_path / "pipeline"),
        load_model_from_config(nlp.config, auto_fill=True),
        pickle.loads(pickle.dumps(nlp)),
    ):
        pd.testing.assert_frame_equal(_claims(other, records), expected)
