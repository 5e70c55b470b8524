"""The reasons ``extract explain`` shows: claim matches that lost at matching (inside a name,
vetoed, overlapped by another rule's span, or kept as a span without a row) and, per result,
why each link was chosen and every other candidate lost (``extract.link.why``).

Both views print the same lines: ``why_lines`` gives them with their depth, the terminal
indents them and the HTML page nests them (escaped).
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc, Span

from extract.claim import Claim
from extract.link.why import LinkWhy
from extract.match.claims import inside_name, vetoed_by
from extract.rules.ruleset import Rule

Match = tuple[Rule, int, int]


def lost_reason(
    doc: Doc,
    match: Match,
    rejects: Sequence[Match],
    kept: Sequence[Span],
    rows: Sequence[Claim],
    priority: dict[str, int],
) -> str:
    """Why the claim match ``match`` made no claim row of its own ('' when it did);
    ``priority``: rule id → priority."""
    rule, start, end = match
    if inside_name(doc, rule, start, end):
        name = doc[start].ent_type_
        whole = next((e for e in doc.ents if e.start <= start < e.end), None)
        return f"part of the name '{whole.text if whole else doc[start:end].text}' ({name})"
    if vetoed_by(match, rejects):
        veto = next(r for r in rejects if r[0].label == rule.label and r[1] < end and start < r[2])
        return f"vetoed by {veto[0].id} ('{doc[veto[1] : veto[2]].text}')"
    own = next((s for s in kept if s.id_ == rule.id and s.start <= start and end <= s.end), None)
    if own is not None and own.end != end:
        return ""  # a shorter match of the rule that made the kept span: no candidate of its own
    if own is None:
        winner = next((s for s in kept if s.start < end and start < s.end), None)
        if winner is None:
            return "lost an overlap"
        return f"overlap: lost to '{winner.text}' ({winner.id_}, {_tie(winner, match, priority)})"
    if not any(c.start < own.end_char and own.start_char < c.end for c in rows):
        return "kept as a span, but no claim row (no value the normalizer reads, or merged into a neighbour)"
    return ""


def _tie(winner: Span, match: Match, priority: dict[str, int]) -> str:
    """How ``winner`` beat ``match`` in ``resolve_overlaps``: longest first, then priority, then id."""
    rule, start, end = match
    if len(winner) != end - start:
        return "longer"
    mine, theirs = rule.priority, priority.get(winner.id_, rule.priority)
    return (
        f"same length, priority {theirs} > {mine}" if theirs != mine else "same length and priority; first id"
    )


def lost_matches(doc: Doc, found: Sequence[Match], rows: Sequence[Claim]) -> list[tuple[Span, Rule, str]]:
    """(span, rule, reason) of every claim match of ``found`` (the claim matcher's raw
    matches) that made no claim row; reject rules themselves are the vetoes table."""
    kept = list(doc.spans.get("claims", []))
    claims = [m for m in found if m[0].label != "QUALIFIER"]
    priority = {rule.id: rule.priority for rule, _, _ in claims}
    rejects = [m for m in claims if m[0].get("reject", False) and not inside_name(doc, *m)]
    out = []
    seen = set()
    for match in sorted(claims, key=lambda m: (m[1], m[2], m[0].id)):
        rule, start, end = match
        if rule.get("reject", False) or (rule.id, start, end) in seen:
            continue
        seen.add((rule.id, start, end))
        reason = lost_reason(doc, match, rejects, kept, rows, priority)
        if reason:
            out.append((doc[start:end], rule, reason))
    return out


def why_lines(claims: Sequence, links: dict[tuple[int, int], list[LinkWhy]]) -> list[tuple[int, str]]:
    """(depth, text): each result row (explanation rows, in order), each of its links with
    the step that chose it, and each candidate that lost with its reason."""
    lines: list[tuple[int, str]] = []
    for row in claims:
        whys = links.get((row.start, row.end))
        if not whys:
            continue
        lines.append((0, f"s{row.sentence} {row.kind} '{row.text}' ({row.rule})"))
        for why in whys:
            lines.append((1, f"{why.field} = {why.chosen or '(none)'}: {why.reason}"))
            for loser in why.lost:
                written = "" if loser.text == loser.name else f" '{loser.text}'"
                lines.append((2, f"not {loser.name}{written} (s{loser.sentence}): {loser.reason}"))
    return lines
