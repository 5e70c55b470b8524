"""Same rows whatever the engine: one process, a worker pool, a Dask LocalCluster."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from spacy.tokens import Doc, DocBin

from extract.table.batch import run_batch

from .conftest import FIXTURES, SEEDS

CORPUS = [SEEDS, FIXTURES / "arxiv" / "abstracts.jsonl"]


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "claims.parquet"
    summary = run_batch(CORPUS, out, show_progress=False, jobs=1)
    return summary, out


def _frames(out):
    return (
        pd.read_parquet(out),
        pd.read_parquet(out.with_name("claims.papers.parquet")),
        pd.read_json(out.with_name("claims.rejects.jsonl"), lines=True),
    )


@pytest.mark.slow
def test_jobs_2_writes_the_same_rows_as_jobs_1(local, tmp_path):
    summary_1, out_1 = local
    out_2 = tmp_path / "claims.parquet"
    summary_2 = run_batch(CORPUS, out_2, show_progress=False, jobs=2)
    for one, two in zip(_frames(out_1), _frames(out_2)):
        pd.testing.assert_frame_equal(one, two)
    assert summary_2.line().rsplit(";", 1)[0] == summary_1.line().rsplit(";", 1)[0]
    assert summary_1.records == 634 + 899 and summary_1.balanced()


@pytest.mark.slow
def test_dask_local_cluster_writes_the_same_rows(local, tmp_path):
    from dask import distributed

    from extract.table.distributed import run_dask

    summary_1, out_1 = local
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        distributed.Client(cluster) as client,
    ):
        summary = run_dask(CORPUS, tmp_path / "claims", client=client)
        merged = tmp_path / "one" / "claims.parquet"
        run_dask(CORPUS, merged, client=client, merge=True)
    parts = sorted((tmp_path / "claims").glob("part-*.parquet"))
    assert len(parts) > 1
    dask_claims = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    local_claims, local_papers, _ = _frames(out_1)
    pd.testing.assert_frame_equal(dask_claims, local_claims)
    pd.testing.assert_frame_equal(pd.read_parquet(merged), local_claims)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "claims.papers.parquet"), local_papers)
    assert summary.line().rsplit(";", 1)[0] == summary_1.line().rsplit(";", 1)[0]


def test_pipe_batch_by_batch_finds_what_one_doc_at_a_time_finds(nlp):
    """Components take ``nlp.pipe`` batches whole; order and batch size change nothing."""
    texts = _arxiv_texts(120)

    def claims(doc):
        return [dataclasses.astuple(c) for c in doc._.claims]

    one_by_one = [claims(nlp(text)) for text in texts]
    assert sum(map(len, one_by_one)) > 50
    for batch_size in (1, 7, 1000):
        assert [claims(doc) for doc in nlp.pipe(texts, batch_size=batch_size)] == one_by_one


def _arxiv_texts(n: int) -> list[str]:
    path = FIXTURES / "arxiv" / "abstracts.jsonl"
    return [json.loads(line)["abstract"] for line in path.read_text("utf-8").splitlines()[:n]]


def test_docs_serialize_with_their_claims(nlp):
    """Doc.to_bytes and DocBin carry ``doc._.claims`` (spaCy writes user data as msgpack),
    not the matchers' scratch (each matcher's word codes, kept while the pipeline runs)."""
    docs = [doc for doc in nlp.pipe(_arxiv_texts(40)) if doc._.claims]
    assert len(docs) > 10
    for doc in docs:
        scratch = [k for k in doc.user_data if isinstance(k, str) and k.startswith("rule_bits:")]
        assert scratch
        copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
        assert copy._.claims == doc._.claims
        assert all(copy.user_data[k] is None for k in scratch)
    stored = DocBin(store_user_data=True, docs=docs).to_bytes()
    loaded = list(DocBin().from_bytes(stored).get_docs(nlp.vocab))
    assert [list(d._.claims) for d in loaded] == [d._.claims for d in docs]  # DocBin: tuples


@pytest.mark.slow
def test_nlp_pipe_with_two_processes_finds_what_one_finds(nlp):
    """spaCy's own parallelism (``n_process``) ships docs back as bytes, claims included."""
    texts = _arxiv_texts(30)
    one = [doc._.claims for doc in nlp.pipe(texts)]
    two = [doc._.claims for doc in nlp.pipe(texts, n_process=2, batch_size=8)]
    assert sum(map(len, one)) > 20
    assert two == one
