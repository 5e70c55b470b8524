"""Tokenizer rules for ML notation on top of ``spacy.blank("en")``.

The goal is one token shape for every quantity, however it is glued: a number token, then
its scale or unit token ("7B" → "7" "B", "24GB" → "24" "GB", "3.5x" → "3.5" "x",
"8×A100" → "8" "×" "A100", "54.6\\%" → "54.6" "\\%"), while names that merely contain digits
stay whole ("GSM8K", "CIFAR-10", "GPT-4") so that gazetteers can match them. Sizes glued to
a model name by a hyphen ("Mistral-7B", "Qwen2.5-72B") are split into name, hyphen, number
and scale, which lets one token pattern cover both "7B model" and "Mistral-7B".
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from spacy.attrs import IDX, LENGTH, ORTH
from spacy.lang.char_classes import ALPHA, UNITS
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from spacy.vocab import Vocab

# Scales and units that are split from a number they are glued to.
_GLUED_UNITS = (
    r"[KMBTkmbt]|[KMGTP]i?B|[KMGT]iB|GiB|G|bn|[x×X]|%|\\%|‰|pp|ms|µs|us|ns|s|h|hrs?|min"
    r"|(?:[KMGTPE])?FLOPs?|(?:[KMGTPE])?FLOP/s|times"
)
# A whole whitespace chunk made of an optional name-and-hyphen, a number and a glued unit.
_GLUED_QUANTITY = re.compile(rf"[~≈]?\d[\d,]*(?:\.\d+)?(?P<unit>{_GLUED_UNITS})")
# "10^24", "10^{24}", "3.8e25": one number token, never split at "^" or "e".
_POWER_NUMBER = re.compile(r"^\d+(?:\.\d+)?(?:[eE][+-]?\d+|\^\{?[+-]?\d+\}?)$")

_LATEX_PREFIXES = [r"\\sim\$?", r"\\approx\$?", r"\\times\$?", r"\$"]
_LATEX_SUFFIXES = [r"\$?\\times\$?", r"\\%", r"\$"]
# A sentence-final period after a glued unit ("7B.", "3x.") is punctuation.
# Also after any name ending in a capital or digit ("ViT.", "ROUGE-L.", "GPT-4."); true
# abbreviations ("e.g.", "et al.") are tokenizer special cases and are matched first.
_PERIOD_AFTER_UNIT = [r"(?<=[0-9][A-Za-z×%])\.", r"(?<=[A-Za-z0-9])\.$"]
# Infixes: "8×A100"/"8xA100" (count × device) and "Name-7B" (hyphen before a glued size).
_ML_INFIXES = [
    r"~",  # LaTeX's non-breaking space glues words: "Prompts~(SHIP)"
    r"(?<=[\w~])\((?=\w)",
    r"(?<=[A-Za-z])--(?=[A-Za-z])",
    r"(?<=[0-9])-{2,}(?=[0-9])",
    r"(?<=[0-9%])/(?=[0-9$])",
    r"(?<=\d)(?:[x×]|times)(?=[A-Z])",
    r"(?<=\d[x×%])-(?=\d)",
    rf"(?<=[{ALPHA}0-9.])-(?=\d+(?:\.\d+)?(?:[BMKTb]|[GMT]i?B)\b)",
    r"(?<=\d[BMKT])/(?=\d)",
    rf"(?<=[{ALPHA}])-(?=\d+[x×]\d+(?:\.\d+)?[BMT]\b)",
    r"(?<=\d)(?=\$?\\times)",
    r"(?<=\\times\$)(?=[A-Za-z])",
    r"(?<=[0-9])[/](?=[A-Za-z])",
    r"(?<=[0-9%])(?:±|\+/-)(?=[0-9])",  # "74.4%±0.3", "74.4±0.3": value and uncertainty
    r"(?<=[0-9%])\|(?=[0-9])",  # "96\\%|86\\%": two values side by side
]


def _glued_unit_suffix() -> str:
    """Split a glued unit only off a chunk that is otherwise a number ("7B", "1,000x",
    "~8×", "54.6%"), never off a name ("GSM8K", "ImageNet-1K", "V2X").

    Python's ``re`` has no variable-width look-behind, so "the rest of the chunk is a number"
    is spelled as one fixed-width look-behind per number length. Being a plain regex, the
    whole suffix search stays in C (a Python callback cost a tenth of pipeline time).
    """
    widths = range(_LONGEST_GLUED_NUMBER)
    starts = [rf"(?<=^\d[\d,.]{{{w}}})" for w in widths] + [rf"(?<=^[~≈]\d[\d,.]{{{w}}})" for w in widths]
    # the cheap "(?<=\d)" first: the look-behinds are only tried right after a digit
    return rf"(?<=\d)(?:{'|'.join(starts)})(?:{_GLUED_UNITS})$"


_LONGEST_GLUED_NUMBER = 16
# spaCy splits single-letter units (K, M, G, T) after any digit, which breaks "GSM8K" and
# "ImageNet-1K"; the guarded rule above splits them only after a real number.
_UNITS_KEPT_GLUED = {"K", "M", "G", "T", "m", "g", "t", "MB", "GB", "TB", "KB", "kb"}
_DEFAULT_UNIT_SUFFIX = rf"(?<=[0-9])(?:{UNITS})"
_NAME_SAFE_UNITS = "|".join(u for u in UNITS.split("|") if u not in _UNITS_KEPT_GLUED)
_NAME_SAFE_UNIT_SUFFIX = rf"(?<=[0-9])(?:{_NAME_SAFE_UNITS})"


# Single-letter abbreviations ("x.", "B.") would swallow the sentence-final period of "3x."
# or "7B." and hide the unit; initials are rare in abstracts.
_DROPPED_SPECIAL_CASES = {f"{c}." for c in "xXBMKTbmkt"}
# A size glued to a hyphen or slash survives affix splitting: after it ("Mistral-7B") or
# before it ("1.3B-parameter"). The check runs on every text, so every branch starts at the
# hyphen or slash (look-behinds for the size before it): the regex engine then jumps from one
# to the next instead of trying each digit (10.2 -> 4.3 us per abstract).
_GLUED_AFTER_INFIX = re.compile(
    r"[-/±|](?:\d[\d.,]*(?:[%x×BMKTb]|[GMT]i?B)(?![A-Za-z0-9])"
    r"|(?<=\d[%x×BMKTb][-/±|])|(?<=\d\\%[-/±|])|(?<=\d[GMT]B[-/])|(?<=\d[GMT]iB[-/]))"
)


_SURROGATE = re.compile("[\ud800-\udfff]")

# spaCy caches the tokenization of each whitespace chunk, up to 10,000 chunks by default;
# abstracts fill that within a few hundred papers, after which every new word pays the full
# affix-regex cost. 100,000 chunks (~25 MB) keep the corpus's common words cached:
# tokenization measured 0.35 → 0.21 ms per abstract.
CHUNK_CACHE_SIZE = 100_000


class MLTokenizer:
    """spaCy's rule tokenizer plus one split pass for sizes that only infixes exposed.

    Infix pieces are not affix-split again by spaCy, so "Mistral-7B" would keep "7B" glued;
    this pass splits such pieces so every size reads as number + scale. It runs only on
    texts that contain such a piece.

    ``source`` gives the rule set (``source.load()``) whose ``abbreviation`` cues ("Fig.",
    "et al.") stay whole tokens, so their period ends no sentence. The rule tokenizer is
    built on first use, or restored by ``from_disk``: a saved pipeline does not need the
    rule directories.
    """

    def __init__(self, vocab: Vocab, defaults: type, source: Any) -> None:
        self.vocab = vocab
        self.defaults = defaults
        self.source = source
        self._base: Tokenizer | None = None

    @property
    def base(self) -> Tokenizer:
        if self._base is None:
            abbreviations = self.source.load().cue_words("abbreviation")
            self._base = rule_tokenizer(self.vocab, self.defaults, abbreviations)
        return self._base

    def __call__(self, text: str) -> Doc:
        if not text.isascii() and _SURROGATE.search(text):  # unencodable: spaCy hashes chunks as UTF-8
            text = _SURROGATE.sub("\ufffd", text)  # one character for one: offsets hold
        doc = self.base(text)
        # Doc.text is rebuilt from every token on each access; the input text is the same
        # string (spaCy keeps it exactly), so components read it from here (normalize.doc_text)
        doc.user_data["text"] = text
        if not _GLUED_AFTER_INFIX.search(text):
            return doc
        # each token's text read from the input by offsets: a Token object per word cost
        # 70 us on such texts
        glued = []
        for i, (start, length) in enumerate(doc.to_array([IDX, LENGTH]).tolist()):
            if text[start].isdigit():
                match = _GLUED_QUANTITY.fullmatch(text, start, start + length)
                if match:
                    glued.append((doc[i], match.start("unit") - start))
        if glued:
            with doc.retokenize() as retokenizer:
                for token, cut in glued:
                    parts = [token.text[:cut], token.text[cut:]]
                    retokenizer.split(token, parts, heads=[(token, 1), (token, 1)])
        return doc

    def forget_cache(self) -> None:
        """Empty spaCy's chunk cache. It stops growing at ``max_cache_size`` chunks, so
        chunks cached while rule files were compiled would keep the corpus's own words out
        of it for the whole run (measured: a quarter slower tokenization). Setting a rule
        property is spaCy's public way to reset the cache (about 70 ms, once per pipeline)."""
        self.base.token_match = self.base.token_match

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    # spaCy's Tokenizer writes its patterns and special cases (ours included); loading them
    # into a tokenizer built without the rules' abbreviations restores this one exactly.
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return self.base.to_bytes(exclude=exclude)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> MLTokenizer:
        self._base = rule_tokenizer(self.vocab, self.defaults, ()).from_bytes(data, exclude=exclude)
        return self

    def to_disk(self, path: str | os.PathLike, *, exclude: Iterable[str] = ()) -> None:
        self.base.to_disk(path, exclude=exclude)

    def from_disk(self, path: str | os.PathLike, *, exclude: Iterable[str] = ()) -> MLTokenizer:
        self._base = rule_tokenizer(self.vocab, self.defaults, ()).from_disk(path, exclude=exclude)
        return self

    def __getstate__(self) -> dict[str, Any]:
        # spaCy pickles a Tokenizer without its cache size: carry its bytes instead
        return {**self.__dict__, "_base": None, "base_bytes": self.base.to_bytes(exclude=["vocab"])}

    def __setstate__(self, state: dict[str, Any]) -> None:
        data = state.pop("base_bytes")
        self.__dict__.update(state)
        self.from_bytes(data, exclude=["vocab"])


def rule_tokenizer(vocab: Vocab, defaults: type, abbreviations: Iterable[str] = ()) -> Tokenizer:
    """spaCy's tokenizer with the ML-notation rules of ``defaults`` (a language's
    ``Defaults``) and ``abbreviations`` as special cases.

    Every rule is given at once: each setter on an existing Tokenizer reloads all special
    cases, which made pipeline start-up a third slower."""
    rules = {k: v for k, v in defaults.tokenizer_exceptions.items() if k not in _DROPPED_SPECIAL_CASES}
    rules.update({a: [{ORTH: a}] for a in abbreviations if " " not in a})
    prefixes = list(defaults.prefixes) + [r"~", r"≈", r"∼", r"±"] + _LATEX_PREFIXES
    default_suffixes = [_NAME_SAFE_UNIT_SUFFIX if r == _DEFAULT_UNIT_SUFFIX else r for r in defaults.suffixes]
    suffixes = [_glued_unit_suffix(), *default_suffixes, *_LATEX_SUFFIXES, *_PERIOD_AFTER_UNIT]
    infixes = _ML_INFIXES + list(defaults.infixes)
    return Tokenizer(
        vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=_POWER_NUMBER.match,
        url_match=defaults.url_match,
        max_cache_size=CHUNK_CACHE_SIZE,
    )
