"""``ml_sentences``: spaCy's Sentencizer rule, computed in one compiled loop.

The rule is the Sentencizer's own: a sentence starts at the first token that is not
punctuation after a sentence-final character ('.', '!', '?', …). spaCy runs it as a Python
loop over tokens, which profiling put at a tenth of the whole pipeline; here it is one C
loop over ``Doc.to_array`` columns (``extract/kernels.pyx``), with identical boundaries
(tested).
"""

from __future__ import annotations

import numpy
from spacy.attrs import IS_PUNCT, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from extract.pipeline.batching import BatchedComponent
from extract.text.compiled import sentence_starts
from extract.text.doc import keep_sentence_starts


class SentenceSplitter(BatchedComponent):
    def __init__(self, nlp: Language, punct_chars: list[str] | None = None) -> None:
        chars = Sentencizer.default_punct_chars if punct_chars is None else punct_chars
        self.final = numpy.array(sorted(nlp.vocab.strings.add(c) for c in chars), dtype=numpy.uint64)

    def __call__(self, doc: Doc) -> Doc:
        if len(doc):
            starts = sentence_starts(doc.to_array([ORTH, IS_PUNCT]), self.final)
            doc.from_array([SENT_START], starts.reshape(-1, 1))
            keep_sentence_starts(doc, starts)
        return doc


@Language.factory("ml_sentences", default_config={"punct_chars": None})
def make_sentence_splitter(nlp: Language, name: str, punct_chars: list[str] | None) -> SentenceSplitter:
    return SentenceSplitter(nlp, punct_chars)
