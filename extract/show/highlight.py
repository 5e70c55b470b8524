"""The abstract's own text with its spans highlighted, for the explain page.

The text is written character for character (escaped), never re-joined from tokens, so
the page shows ``abstract[start:end]`` exactly. Highlights nest: a span inside another
(a DEVICE inside a HARDWARE claim) is a ``<mark>`` inside its ``<mark>``; a span that
crosses another's end is cut there and continues after it, so no two boxes overlap. The
label and the sentence markers are CSS generated content (``data-label``, ``data-s``):
shown, but not part of the text a reader copies or a test reads.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Mark:
    """A highlight: character offsets, label (RESULT, DEVICE, VETO, …), tooltip, row anchor."""

    start: int
    end: int
    label: str
    title: str = ""
    row: str = ""  # id of the table row this span is (the tooltip says the rule)


def _order(mark: Mark) -> tuple[int, int]:
    return mark.start, -mark.end


def abstract_html(text: str, marks: Sequence[Mark], sentence_starts: Sequence[int] = ()) -> str:
    """``text`` as HTML with ``marks`` nested as ``<mark>`` elements and an empty marker
    element at each sentence start."""
    starts = {at: i for i, at in enumerate(sentence_starts)}

    def plain(lo: int, hi: int) -> str:
        cuts = [at for at in sorted(starts) if lo <= at < hi]
        out, pos = [], lo
        for at in cuts:
            out.append(html.escape(text[pos:at]))
            out.append(f'<span class="sent" data-s="s{starts[at]}"></span>')
            pos = at
        out.append(html.escape(text[pos:hi]))
        return "".join(out)

    def nested(lo: int, hi: int, inside: list[Mark]) -> str:
        out, pos = [], lo
        rest = sorted(inside, key=_order)
        while rest:
            outer, later = rest[0], []
            children: list[Mark] = []
            for mark in rest[1:]:
                if mark.start >= outer.end:
                    later.append(mark)
                elif mark.end <= outer.end:
                    children.append(mark)
                else:  # crosses the outer end: the part inside nests, the rest follows
                    children.append(replace(mark, end=outer.end))
                    later.append(replace(mark, start=outer.end))
            out.append(plain(pos, outer.start))
            anchor = f' data-row="{html.escape(outer.row)}"' if outer.row else ""
            out.append(
                f'<mark class="{html.escape(outer.label)}" data-label="{html.escape(outer.label)}"'
                f' title="{html.escape(outer.title)}"{anchor}>'
                f"{nested(outer.start, outer.end, children)}</mark>"
            )
            pos = outer.end
            rest = sorted(later, key=_order)
        out.append(plain(pos, hi))
        return "".join(out)

    usable = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    return nested(0, len(text), usable)


def mark_css(colors: dict[str, str]) -> str:
    """The page's style for marks: one colour per label, the label after the span, small."""
    rules = [
        "p.abstract { line-height: 2.1; white-space: pre-wrap; }",
        "p.abstract mark { padding: 0.1em 0.15em; border-radius: 0.25em; }",
        "p.abstract mark mark { padding: 0 0.1em; }",
        "p.abstract mark::after { content: attr(data-label); font-size: 0.55em; font-weight: bold;"
        " margin-left: 0.3em; vertical-align: middle; color: #333; }",
        "p.abstract span.sent::before { content: attr(data-s); font-size: 0.6em; color: #777;"
        " border: 1px solid #aaa; border-radius: 0.3em; padding: 0 0.2em; margin-right: 0.3em; }",
        "mark.VETO { border: 1px dashed #888; }",
    ]
    rules += [f"mark.{label} {{ background: {color}; }}" for label, color in colors.items()]
    return "\n".join(rules)
