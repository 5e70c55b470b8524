"""One rule set per pipeline: the registered rule source every component names in its config,
and the base class that loads, checks, saves and pickles a component's rules.

A component's config names its rules as ``{"@misc": "extract.rules.v1", "paths": [...],
"use_env": true}``; every component of one pipeline (and its tokenizer) must name the same
source, else adding the component fails with one line (each is checked against the
tokenizer's, which the pipeline is created with). The rules are read when first needed
(``cached_rules``: one ``RuleSet`` per distinct set of files, so one pipeline loads it
once), or taken from the component's own directory by ``from_disk``: ``nlp.to_disk`` copies
the rule files beside each component, as spaCy's SpanRuler writes ``patterns.jsonl``, so a
saved pipeline loads where the rule directories do not exist.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.util import ensure_path

from extract.errors import ExtractError
from extract.pipeline.batching import BatchedComponent
from extract.rules.ruleset import UNITS_FILE, RuleSet, cached_rules, load_directories

RULES_ENTRY = "extract.rules.v1"
# The config of a component's ``rules`` when none is given: the built-in rules and $EXTRACT_RULES.
DEFAULT_RULES = {"@misc": RULES_ENTRY, "paths": [], "use_env": True}
SAVED_RULES = "rules"  # the sub-directory of a saved component that holds its rule files


class PipelineError(ExtractError):
    """A pipeline assembled from parts that do not fit (components naming other rules)."""


@dataclass(frozen=True)
class RuleSource:
    """Where a pipeline's rules come from: the built-in directory, $EXTRACT_RULES when
    ``use_env``, then ``paths``. Equal sources are the same rules."""

    paths: tuple[str, ...] = ()
    use_env: bool = True

    def load(self) -> RuleSet:
        return cached_rules(self.paths, self.use_env)

    def describe(self) -> str:
        return f"paths={list(self.paths)}, use_env={self.use_env}"


@spacy.registry.misc(RULES_ENTRY)
def rule_source(paths: Sequence[str] = (), use_env: bool = True) -> RuleSource:
    """The registered rule source (read lazily: a loaded pipeline takes its saved copy)."""
    return RuleSource(tuple(str(p) for p in paths), use_env)


def check_one_source(nlp: Language, name: str, source: RuleSource) -> None:
    """Fail in one line unless ``nlp``'s tokenizer names the same rules: every component
    names the tokenizer's, so all agree about rule ids, labels and abbreviations."""
    tokenizer_source = getattr(nlp.tokenizer, "source", None)
    if not isinstance(tokenizer_source, RuleSource):
        raise PipelineError(
            f"{name}: the pipeline's tokenizer is not extract's ML tokenizer; "
            'start from spacy.blank("en_ml") or extract.build_nlp()'
        )
    if tokenizer_source != source:
        raise PipelineError(
            f"{name}: rules ({source.describe()}) differ from the tokenizer's "
            f"({tokenizer_source.describe()}); give every component the same rules"
        )


class RuleComponent(BatchedComponent):
    """A component whose working parts (``stage``) are built from the pipeline's rule set,
    on first use: after ``spacy.load`` the rules come from ``from_disk``, after unpickling
    from the pickled ``RuleSet`` (matchers and the unit registry are rebuilt, never pickled)."""

    def __init__(self, nlp: Language, name: str, source: RuleSource) -> None:
        check_one_source(nlp, name, source)
        self.nlp = nlp
        self.name = name
        self.source = source
        self._rules: RuleSet | None = None
        self._stage: Any = None

    def build(self, nlp: Language, ruleset: RuleSet) -> Any:
        """The component's working parts for ``ruleset`` (a finder, a normalizer, …)."""
        raise NotImplementedError

    @property
    def rules(self) -> RuleSet:
        if self._rules is None:
            self._rules = self.source.load()
        return self._rules

    @property
    def stage(self) -> Any:
        if self._stage is None:
            self.initialize()
        return self._stage

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp=None) -> None:
        """Read the rules and build now, not at the first text (``nlp.initialize()`` calls this)."""
        if self._stage is None:
            build_stages(self.nlp)  # the whole pipeline's at once: one cache reset
        if self._stage is None:  # made by nlp.create_pipe, outside the pipeline
            self._stage = self.build(self.nlp, self.rules)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Copy every rule directory, in layering order, below ``path``/rules."""
        target = ensure_path(path) / SAVED_RULES
        if target.exists():
            shutil.rmtree(target)
        for index, directory in enumerate(self.rules.directories):
            into = target / f"{index:02d}"
            into.mkdir(parents=True)
            for file in sorted(directory.glob("*.jsonl")) + [directory / UNITS_FILE]:
                if file.is_file():
                    shutil.copyfile(file, into / file.name)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> RuleComponent:
        self._rules = saved_rules(sorted((ensure_path(path) / SAVED_RULES).iterdir()))
        self._stage = None
        return self

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_rules": self.rules, "_stage": None}


def build_stages(nlp: Language) -> None:
    """Build every rule component of ``nlp`` not built yet, then empty the tokenizer's chunk
    cache once: compiling patterns tokenized rule words, which would keep the corpus's own
    words out of it."""
    for _, proc in nlp.pipeline:
        if isinstance(proc, RuleComponent) and proc._stage is None:
            proc._stage = proc.build(nlp, proc.rules)
    nlp.tokenizer.forget_cache()


_SAVED: dict[str, RuleSet] = {}
_SAVED_SIZE = 16  # distinct saved rule sets kept (as ``cached_rules`` keeps loaded ones)


def saved_rules(directories: Sequence[Path]) -> RuleSet:
    """The rule set of saved rule directories, one object per content: the components of a
    loaded pipeline each read their own copy and share one ``RuleSet``."""
    digest = hashlib.sha256()
    for directory in directories:
        for file in sorted(directory.iterdir()):
            digest.update(f"{directory.name}/{file.name}\0".encode())
            digest.update(file.read_bytes())
    key = digest.hexdigest()
    if key not in _SAVED:
        if len(_SAVED) >= _SAVED_SIZE:
            _SAVED.pop(next(iter(_SAVED)))
        _SAVED[key] = load_directories(directories)
    return _SAVED[key]
