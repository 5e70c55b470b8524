"""``ml_entities``: gazetteer names (datasets, methods, metrics, devices) as ``doc.ents``."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.matching import CompiledRules, resolve_overlaps
from extract.rules import ENTITY_LABELS, Rule, RuleSet, cached_rules


class EntityTagger:
    """Marks every gazetteer name; later patterns refer to them through ``ENT_TYPE``."""

    def __init__(self, nlp: Language, ruleset: RuleSet) -> None:
        self.compiled = CompiledRules(
            nlp.vocab, nlp.make_doc, ruleset.by_label(*ENTITY_LABELS), ruleset.macros()
        )

    def __call__(self, doc: Doc) -> Doc:
        matches = [_trim(doc, *m) for m in self.compiled.find(doc)]
        matches = resolve_overlaps([m for m in matches if m[1] < m[2]])
        matches = _extend_variants(doc, matches)
        doc.ents = [Span(doc, s, e, label=rule.label, span_id=rule.id) for rule, s, e in matches]
        return doc


_VARIANT_WORDS = {"base", "large", "small", "tiny", "mini", "medium", "xl", "xxl", "huge",
                  "instruct", "chat", "distill", "turbo", "pro", "plus", "lite", "math", "coder",
                  "code", "vision", "preview", "flash", "ultra", "omni", "sft", "rl", "it", "hf"}


def _extend_variants(doc: Doc, matches: list[tuple[Rule, int, int]]) -> list[tuple[Rule, int, int]]:
    """A model name runs on through glued variant suffixes: "Qwen2-7B-Instruct",
    "RoBERTa-base", "ViT-L/14", "LLaMA-2-70B" name one model, not the family."""
    starts = {start for _, start, _ in matches}
    out = []
    for rule, start, end in matches:
        if rule.label == "METHOD":
            while (
                end + 1 < len(doc)
                and doc[end].text in ("-", "/")
                and not doc[end - 1].whitespace_
                and not doc[end].whitespace_
                and end not in starts
                and end + 1 not in starts
                and _is_variant(doc[end + 1].text)
            ):
                end += 2
                # a size splits into number + scale ("7" "B"): keep the scale
                if end < len(doc) and not doc[end - 1].whitespace_ and doc[end].text in "BMKT":
                    end += 1
        out.append((rule, start, end))
    return out


def _is_variant(text: str) -> bool:
    return text[:1].isdigit() or text[:1].isupper() or text.lower() in _VARIANT_WORDS


def _trim(doc: Doc, rule: Rule, start: int, end: int) -> tuple[Rule, int, int]:
    """Keep only the name inside a context rule's match: its ``span`` slice ([start, end]
    token offsets, like a capture group), minus ``trim`` cue words at the edges."""
    if rule.get("span"):
        offsets = range(start, end)[slice(*rule.get("span"))]
        start, end = (offsets[0], offsets[-1] + 1) if offsets else (start, start)
    words = rule.get("trim")
    if words:
        while start < end and doc[start].lower_ in words:
            start += 1
        while end > start and doc[end - 1].lower_ in words:
            end -= 1
    return rule, start, end


@Language.factory("ml_entities", default_config={"rules": [], "use_env": True})
def make_entity_tagger(nlp: Language, name: str, rules: list[str], use_env: bool) -> EntityTagger:
    return EntityTagger(nlp, cached_rules(tuple(rules), use_env))
