"""Build the ``nlp`` object: blank English, ML tokenizer rules, sentence splitter, our components."""

from __future__ import annotations

import os
from collections.abc import Sequence

import spacy
from spacy.attrs import LIKE_NUM
from spacy.language import Language

from extract.rules.ruleset import cached_rules
from extract.text.tokenize import customize_tokenizer
from extract.units import is_written_number

# spaCy refuses texts over 1,000,000 characters by default; a scraped "abstract" may be a
# whole paper. Tokenizing 10 MB takes seconds and about a gigabyte, which is acceptable.
MAX_LENGTH = 10_000_000


def build_nlp(rules: Sequence[str | os.PathLike] = (), use_env: bool = True) -> Language:
    """The full pipeline; ``rules`` are extra rule directories layered over the built-in ones."""
    nlp = spacy.blank("en")
    nlp.max_length = MAX_LENGTH
    # LIKE_NUM widened to '3.8e25', '10^24' and '10,000' so '@number' matches every form.
    nlp.vocab.lex_attr_getters[LIKE_NUM] = is_written_number
    customize_tokenizer(nlp, cached_rules(tuple(rules), use_env).cue_words("abbreviation"))
    nlp.add_pipe("ml_sentences")
    config = {"rules": [str(p) for p in rules], "use_env": use_env}
    nlp.add_pipe("ml_entities", config=config)
    nlp.add_pipe("ml_names", config=config)
    nlp.add_pipe("ml_claims", config=config)
    nlp.add_pipe("ml_normalize", config=config)
    nlp.add_pipe("ml_link", config=config)
    nlp.tokenizer.forget_cache()
    return nlp
