"""Short device codes that are also common tokens ("T4", "L4", "A10"): a device only in reach
of a device word or vendor ("NVIDIA T4", "L4 GPUs"), never in "layer L4" or "T4 phage"."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from spacy.tokens import Doc

from extract.rules.ruleset import Rule

# How many tokens on either side of a code a device word or vendor may sit ("T4 and A10 GPUs").
CONTEXT_WINDOW = 3


def in_device_context(
    doc: Doc, start: int, end: int, words: Collection[str], window: int = CONTEXT_WINDOW
) -> bool:
    """Whether a word of ``words`` (lowercased) is within ``window`` tokens of ``doc[start:end]``."""
    before = range(max(0, start - window), start)
    after = range(end, min(len(doc), end + window))
    return any(doc[k].lower_ in words for k in (*before, *after))


def drop_bare_codes(
    doc: Doc, matches: Sequence[tuple[Rule, int, int]], words: Collection[str]
) -> list[tuple[Rule, int, int]]:
    """The matches without the ``needs_context`` devices that have no device word in reach."""
    return [
        (rule, start, end)
        for rule, start, end in matches
        if not rule.get("needs_context") or in_device_context(doc, start, end, words)
    ]
