"""``extract explain``: every span the rules produced in one abstract, and which rule did it.

Pure functions build an ``Explanation`` from a processed Doc; ``render_text`` lays it out
for a terminal and ``render_html`` highlights the spans in the abstract's own text
(``extract.show.highlight``). Four kinds of row:

* claims — the rows of the claims table (value as written and normalized, qualifier,
  linked metric / dataset / method / model / baseline, and a result's role with the cue
  entry that decided it);
* entities — every gazetteer or context name (``doc.ents``), with its rule id;
* vetoes — where a reject rule matched (a claim pattern of its label is suppressed there);
* lost — claim matches that made no row (inside a name, vetoed, overlapped: which span won).

Each result also says why each link was chosen and why the other candidates lost
(``extract.show.why``); the link stage records that only when explain asks.
"""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.claim import Claim
from extract.errors import InputError, QueryError
from extract.link.linker import mentions
from extract.link.why import LinkWhy, explain_links
from extract.match.matcher import CompiledRules
from extract.rules.ruleset import CLAIM_LABELS, Rule, cached_rules
from extract.show.highlight import Mark, abstract_html, mark_css
from extract.show.why import lost_matches, why_lines

LINK_FIELDS = ("metric", "dataset", "method", "model", "baseline")
COLORS = {
    "RESULT": "#7aecec",
    "HARDWARE": "#feca74",
    "MODEL_SIZE": "#aa9cfc",
    "METHOD": "#bfeeb7",
    "DATASET": "#ffeb80",
    "METRIC": "#c887fb",
    "DEVICE": "#ff9561",
    "VETO": "#dddddd",
}
QUANTITY_KINDS = ("result", "model_size", "hardware")


@dataclass(frozen=True)
class Row:
    """One line of the explanation: a claim, an entity or a veto."""

    kind: str  # claim kind, entity label or 'veto'
    text: str
    start: int  # character offsets in the abstract
    end: int
    sentence: int
    value: str = ""  # "<= 65.5 % = 65.5 percent", "8 × A100", the canonical name
    qualifier: str = ""
    links: dict[str, str] = field(default_factory=dict)
    rule: str = ""


@dataclass(frozen=True)
class Explanation:
    """What the pipeline found in one abstract."""

    title: str
    sentences: list[str]
    claims: list[Row]
    entities: list[Row]
    vetoes: list[Row]
    lost: list[Row] = field(default_factory=list)
    links: dict[tuple[int, int], list[LinkWhy]] = field(default_factory=dict)

    def why(self) -> list[tuple[int, str]]:
        """The reasons of every result's links, as (depth, line)."""
        return why_lines(self.claims, self.links)


def number(value: float | None) -> str:
    """7000000000.0 → '7e+09', 65.5 → '65.5', 8.0 → '8'."""
    if value is None:
        return ""
    return f"{value:.6g}"


def claim_row(claim: Claim) -> Row:
    """A claims-table row as an explanation row."""
    if claim.kind == "hardware":
        value = " × ".join(p for p in (number(claim.count), claim.name or "") if p)
        if claim.value is not None:
            value += (
                f", {number(claim.value)} {claim.unit or ''} = {number(claim.value_norm)} {claim.unit_norm}"
            )
    elif claim.kind in ("result", "model_size"):
        plus_minus = f" ± {number(claim.uncertainty)}" if claim.uncertainty is not None else ""
        written = f"{number(claim.value)}{plus_minus} {claim.unit or ''}".strip()
        normalized = f"{number(claim.value_norm)} {claim.unit_norm or ''}".strip()
        value = written if normalized == written else f"{written} = {normalized}"
        if claim.kind == "model_size" and claim.name:
            value += f" ({claim.name})"
    else:
        value = (claim.name or "") + (" (proposed)" if claim.proposed else "")
    qualifier = claim.qualifier if claim.qualifier not in (None, "=") else ""
    if qualifier:
        value = f"{qualifier} {value}"  # "up to 3.5x" → "<= 3.5 x"
    links = {"role": f"{claim.role} ({claim.role_rule})"} if claim.role else {}
    links.update({k: getattr(claim, k) for k in LINK_FIELDS if getattr(claim, k)})
    return Row(
        claim.kind,
        claim.text,
        claim.start,
        claim.end,
        claim.sentence,
        value,
        qualifier,
        links,
        claim.rule or "",
    )


def _sentence_of(doc: Doc, span: Span) -> int:
    for i, sent in enumerate(doc.sents):
        if sent.start <= span.start < sent.end:
            return i
    return 0


def explain_doc(
    doc: Doc,
    vetoes: Sequence[Span] = (),
    names: dict[str, str] | None = None,
    lost: Sequence[tuple[Span, Rule, str]] = (),
    links: dict[tuple[int, int], list[LinkWhy]] | None = None,
) -> Explanation:
    """The explanation of a processed Doc; ``names`` maps rule ids to canonical names,
    ``lost`` are the matches without a row (``lost_matches``), ``links`` the link reasons."""
    names = names or {}
    entities = [
        Row(
            ent.label_,
            ent.text,
            ent.start_char,
            ent.end_char,
            _sentence_of(doc, ent),
            names.get(ent.ent_id_, ""),
            rule=ent.ent_id_,
        )
        for ent in doc.ents
    ]
    veto_rows = [
        Row("veto", s.text, s.start_char, s.end_char, _sentence_of(doc, s), s.label_, rule=s.id_)
        for s in vetoes
    ]
    claims = sorted((claim_row(c) for c in doc._.claims or []), key=lambda r: (r.start, r.end))
    return Explanation(
        title=doc._.title or "",
        sentences=[s.text.strip() for s in doc.sents],
        claims=claims,
        entities=entities,
        vetoes=veto_rows,
        lost=[
            Row(rule.label.lower(), s.text, s.start_char, s.end_char, _sentence_of(doc, s), why, rule=rule.id)
            for s, rule, why in lost
        ],
        links=links or {},
    )


def _table(rows: Sequence[Row]) -> list[str]:
    """Aligned columns: sentence, kind, text, value (with its qualifier), links, rule."""
    if not rows:
        return ["  (none)"]
    cells = []
    for row in rows:
        text = row.text.replace("\n", " ")
        text = text if len(text) <= 40 else text[:39] + "…"
        context = " ".join(f"{k}={v}" for k, v in row.links.items())
        cells.append([f"s{row.sentence}", row.kind, text, row.value, context, row.rule])
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    lines = []
    for c in cells:
        padded = [c[i].ljust(widths[i]) for i in range(5)] + [c[5]]
        lines.append(("  " + "  ".join(padded)).rstrip())
    return lines


def render_text(explanation: Explanation) -> str:
    """The terminal view: numbered sentences, then claims, entities and vetoes."""
    out = []
    if explanation.title:
        out.append(f"Title: {explanation.title}")
    for i, sentence in enumerate(explanation.sentences):
        out.append(f"[s{i}] {sentence}")
    for heading, rows in _sections(explanation):
        out.append("")
        out.append(f"{heading} ({len(rows)})")
        out.extend(_table(rows))
    why = explanation.why()
    out.append("")
    out.append(f"Why these links ({sum(depth == 0 for depth, _ in why)} results)")
    out.extend("  " * (depth + 1) + line for depth, line in why)
    return "\n".join(out) + "\n"


def _sections(explanation: Explanation) -> list[tuple[str, list[Row]]]:
    """The tables both views show, in order."""
    return [
        ("Claims", explanation.claims),
        ("Entities", explanation.entities),
        ("Vetoed by reject rules", explanation.vetoes),
        ("Lost at matching", explanation.lost),
    ]


def highlights(explanation: Explanation) -> list[Mark]:
    """Quantity claims (labelled by kind), entities and vetoes, each with its row's anchor
    and a tooltip of its value and rule; a method or dataset row is its entity's mark."""
    marks = []
    for prefix, rows in (
        ("claim", explanation.claims),
        ("entity", explanation.entities),
        ("veto", explanation.vetoes),
    ):
        for i, row in enumerate(rows):
            if prefix == "claim" and row.kind not in QUANTITY_KINDS:
                continue
            label = "VETO" if prefix == "veto" else row.kind.upper()
            title = " · ".join(p for p in (row.kind, row.value, row.rule) if p)
            marks.append(Mark(row.start, row.end, label, title, f"{prefix}-{i}"))
    return marks


def render_html(doc: Doc, explanation: Explanation) -> str:
    """A standalone HTML page: the abstract's own text with nested highlights and sentence
    markers, the numbered sentences, the tables of the terminal view and the reasons of
    every link (all escaped); no script."""
    starts = [sent.start_char for sent in doc.sents]
    markup = abstract_html(doc.text, highlights(explanation), starts)
    sentences = "".join(
        f"<li>[s{i}] {html.escape(sentence)}</li>" for i, sentence in enumerate(explanation.sentences)
    )
    prefixes = ("claim", "entity", "veto", "lost")
    tables = "\n".join(
        f"<h3>{heading} ({len(rows)})</h3>\n{_html_table(rows, prefix)}"
        for (heading, rows), prefix in zip(_sections(explanation), prefixes)
    )
    why = explanation.why()
    reasons = "".join(f'<li class="why{depth}">{html.escape(line)}</li>' for depth, line in why)
    title = html.escape(explanation.title or "extract explain")
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif;
       max-width: 60em; margin: 2em auto; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }}
ul.sentences, ul.why {{ list-style: none; padding-left: 0; }}
li.why0 {{ margin-top: 0.6em; font-weight: bold; }} li.why1 {{ margin-left: 1.5em; }}
li.why2 {{ margin-left: 3em; color: #555; }}
tr:target {{ outline: 2px solid #e66; }}
{mark_css(COLORS)}
</style></head>
<body>
<h2>{title}</h2>
<p class="abstract">{markup}</p>
<ul class="sentences">{sentences}</ul>
{tables}
<h3>Why these links ({sum(depth == 0 for depth, _ in why)} results)</h3>
<ul class="why">{reasons}</ul>
</body>
</html>
"""


def _html_table(rows: Sequence[Row], prefix: str) -> str:
    header = "<tr><th>sentence</th><th>kind</th><th>text</th><th>value</th><th>context</th><th>rule</th></tr>"
    body = []
    for i, row in enumerate(rows):
        context = "; ".join(f"{k}: {v}" for k, v in row.links.items())
        cells = [f"s{row.sentence}", row.kind, row.text, row.value, context, row.rule]
        body.append(
            f'<tr id="{prefix}-{i}">' + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
        )
    return f"<table>{header}{''.join(body)}</table>"


class Explainer:
    """A pipeline plus the reject rules of the same rule directories (to show vetoes)."""

    def __init__(
        self, rules: Sequence[str | os.PathLike] = (), use_env: bool = True, nlp: Language | None = None
    ) -> None:
        from extract.pipeline.build import build_nlp

        self.nlp = nlp or build_nlp(rules, use_env=use_env)
        ruleset = cached_rules(tuple(str(r) for r in rules), use_env)
        rejects = [r for r in ruleset.by_label(*CLAIM_LABELS) if r.get("reject")]
        self.rejects = CompiledRules(self.nlp.vocab, self.nlp.make_doc, rejects, ruleset.macros())
        self.names = {r.id: r.name + _direction(r) for r in ruleset.rules if r.name}
        self.claim_rules = self.nlp.get_pipe("ml_claims").stage.rules
        self.linker = self.nlp.get_pipe("ml_link").stage  # its LinkTables

    def doc(self, text: str, title: str = "") -> Doc:
        """The processed Doc; the title goes on before the pipeline runs (names read it)."""
        doc = self.nlp.make_doc(text)
        doc._.title = title
        return self.nlp(doc)

    def vetoes(self, doc: Doc) -> list[Span]:
        import warnings

        with warnings.catch_warnings():  # W036: no phrase patterns among the reject rules
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            found = self.rejects.find(doc)
        return [
            Span(doc, s, e, label=rule.label, span_id=rule.id)
            for rule, s, e in sorted(found, key=lambda m: m[1])
        ]

    def explain(self, text: str, title: str = "") -> tuple[Doc, Explanation]:
        doc = self.doc(text, title)
        claims = doc._.claims or []
        lost = lost_matches(doc, self.claim_rules.find(doc), claims)
        return doc, explain_doc(doc, self.vetoes(doc), self.names, lost, self.links(doc))

    def links(self, doc: Doc) -> dict[tuple[int, int], list[LinkWhy]]:
        """Why each result's links: the link stage run again with its decisions recorded."""
        link = self.linker
        found = mentions(doc, link.names, link.models, link.fits)
        return explain_links(doc, doc._.claims or [], found, doc._.proposed or [], link.cues)

    def html(self, doc: Doc, explanation: Explanation) -> str:
        return render_html(doc, explanation)


def _direction(rule) -> str:
    """' (lower is better)' for a metric, else ''."""
    return f" ({rule.get('direction')} is better)" if rule.label == "METRIC" and rule.get("direction") else ""


def load_text(
    text: str | None = None,
    file: str | None = None,
    paper: str | None = None,
    input: str | None = None,
    title: str = "",
) -> tuple[str, str]:
    """(title, abstract) from exactly one source: the text, a text file, or a corpus paper."""
    given = [name for name, v in (("TEXT", text), ("--file", file), ("--paper", paper)) if v is not None]
    if len(given) != 1:
        raise QueryError("give exactly one of TEXT, --file F or --paper ID --input FILE")
    if (paper is None) != (input is None):
        raise QueryError("--paper ID and --input FILE go together")
    if text is not None:
        return title, text
    if file is not None:
        if file == "-":
            return title, sys.stdin.read()
        try:
            return title, Path(file).read_text("utf-8")
        except FileNotFoundError:
            raise InputError(f"{file}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file}: cannot read ({exc})") from None
    from extract.io.read import read_papers

    papers, _, _ = read_papers([input])
    for found in papers:
        if found.paper_id == paper:
            return title or found.title, found.abstract
    known = ", ".join(p.paper_id for p in papers[:3]) + (", …" if len(papers) > 3 else "")
    raise QueryError(f"no paper '{paper}' in {input} ({len(papers)} papers: {known or 'none'})")
