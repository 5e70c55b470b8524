"""``en_ml``: English with the ML tokenizer and a widened ``LIKE_NUM``, as a language spaCy
can build from a config (``spacy.blank("en_ml")``, ``spacy.load``, ``load_model_from_config``).

spaCy's documented way to change a language's data is a ``Language`` subclass registered in
``spacy.registry.languages`` whose ``Defaults`` hold the lexical attributes and whose
default config names the tokenizer (as spaCy's own Japanese and Chinese do). Setting
``LIKE_NUM`` in the defaults means every lexeme, from the first, is made with it.
"""

from __future__ import annotations

from collections.abc import Callable

import spacy
from spacy.attrs import LIKE_NUM
from spacy.lang.en import English
from spacy.language import Language
from spacy.util import load_config_from_str

from extract.pipeline.rules import DEFAULT_RULES, RuleSource
from extract.text.tokenize import MLTokenizer
from extract.units import is_written_number

LANG = "en_ml"
TOKENIZER_ENTRY = "extract.tokenizer.v1"
# spaCy refuses texts over 1,000,000 characters by default; a scraped "abstract" may be a
# whole paper. Tokenizing 10 MB takes seconds and about a gigabyte, which is acceptable.
MAX_LENGTH = 10_000_000

_CONFIG = f"""
[nlp]

[nlp.tokenizer]
@tokenizers = "{TOKENIZER_ENTRY}"

[nlp.tokenizer.rules]
@misc = "{DEFAULT_RULES["@misc"]}"
paths = []
use_env = true
"""


@spacy.registry.tokenizers(TOKENIZER_ENTRY)
def create_tokenizer(rules: RuleSource) -> Callable[[Language], MLTokenizer]:
    """The ML-notation tokenizer; its special cases take the ``abbreviation`` cues of ``rules``."""

    def make(nlp: Language) -> MLTokenizer:
        return MLTokenizer(nlp.vocab, nlp.Defaults, rules)

    return make


class MLEnglishDefaults(English.Defaults):
    # '3.8e25', '10^24' and '10,000' are numbers, so a pattern's '@number' matches every form
    lex_attr_getters = {**English.Defaults.lex_attr_getters, LIKE_NUM: is_written_number}
    config = load_config_from_str(_CONFIG)


@spacy.registry.languages(LANG)
class MLEnglish(English):
    lang = LANG
    Defaults = MLEnglishDefaults

    def __init__(self, *args, max_length: int = MAX_LENGTH, **kwargs) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
