"""Helpers over a ``Doc``'s text and sentences, cached in ``doc.user_data``: the stages after
the tokenizer ask for these per claim, and spaCy's own properties rebuild them on each call."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy
from spacy.attrs import SENT_START
from spacy.tokens import Doc, Span


def sentence_index(doc: Doc) -> list[int]:
    """Token index where each sentence starts, computed once per Doc: ``doc.sents`` and
    ``token.sent`` walk the whole Doc on every call."""
    starts = doc.user_data.get("sentence_starts")
    if starts is None:
        # the sentence starts as an array: doc.sents builds a Span per sentence
        starts = keep_sentence_starts(doc, doc.to_array(SENT_START) if len(doc) else numpy.zeros(0))
    return starts


def keep_sentence_starts(doc: Doc, values: numpy.ndarray) -> list[int]:
    """Cache for ``sentence_index`` the starts of the SENT_START ``values`` (1 at a start):
    the sentence splitter passes the array it set, which then is not read back."""
    starts = numpy.flatnonzero(values == 1).tolist()
    if not starts or starts[0] != 0:
        starts = [0, *starts]  # no boundaries set: the whole doc is one sentence
    doc.user_data["sentence_starts"] = starts
    return starts


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc (the property joins every token on each call)."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def sentence_text(doc: Doc, index: int) -> str:
    """The text of sentence ``index``, sliced from the doc's text (no token joining)."""
    span = sentence_span(doc, index)
    if not len(span):
        return ""
    last = span[-1]
    return doc_text(doc)[span[0].idx : last.idx + len(last.text)]


def lower_words(doc: Doc, start: int, end: int) -> list[str]:
    """The lowercased words of tokens [start, end) in one pass over a Span: ``doc[i]`` goes
    through Python indexing for each token."""
    return [token.lower_ for token in doc[start:end]]


def sentence_span(doc: Doc, index: int) -> Span:
    """Sentence ``index`` of ``doc`` as a Span."""
    return doc[slice(*sentence_bounds(doc, index))]


def sentence_bounds(doc: Doc, index: int) -> tuple[int, int]:
    """The token range [start, end) of sentence ``index`` (no Span built)."""
    starts = sentence_index(doc)
    return starts[index], starts[index + 1] if index + 1 < len(starts) else len(doc)


def sentence_of(starts: Sequence[int], token_index: int) -> int:
    return max(bisect_right(starts, token_index) - 1, 0)
