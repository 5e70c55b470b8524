"""One extracted claim: the row type of the claims table, declared once.

Field order is the claims-table contract of DESIGN.md; ``extract.table.frames`` derives its columns
from this class, so the schema lives in exactly one place.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from typing import Any

import srsly

KINDS = ("method", "model_size", "dataset", "hardware", "result")
ROLES = ("score", "delta", "cost", "scale", "other")
QUALIFIERS = ("=", "~", "<", "<=", ">", ">=")


@dataclass
class Claim:
    """A claim found in one abstract; offsets index the abstract text."""

    kind: str
    text: str
    start: int
    end: int
    sentence: int
    name: str | None = None
    value: float | None = None
    unit: str | None = None
    value_norm: float | None = None
    unit_norm: str | None = None
    qualifier: str | None = None
    count: int | None = None
    metric: str | None = None
    dataset: str | None = None
    method: str | None = None
    model: str | None = None
    proposed: bool | None = None
    rule: str | None = None
    baseline: str | None = None  # beyond the contract: the method a result is compared with
    role: str | None = None  # a result's score / delta / cost / scale / other (ANNOTATION.md)
    uncertainty: float | None = None  # the ± part as written ("74.4 ± 0.3%" → 0.3), value's unit
    role_rule: str | None = None  # the id of the cue entry (or role.* default) that decided role
    family: str | None = None  # a method's model family: "OPT" for the variant "OPT-175B"

    def but(self, **changes: Any) -> Claim:
        """A copy with ``changes``, as ``dataclasses.replace`` makes it, 3x faster (that one
        re-runs ``__init__`` over every field; linking makes a few copies per abstract)."""
        if not _FIELDS.issuperset(changes):
            raise TypeError(f"Claim has no field {', '.join(sorted(changes.keys() - _FIELDS))}")
        copy = object.__new__(Claim)
        copy.__dict__.update(self.__dict__, **changes)
        return copy


_FIELDS = frozenset(f.name for f in fields(Claim))


# spaCy writes a doc's user data, where ``doc._.claims`` lives, with msgpack: Doc.to_bytes,
# DocBin and nlp.pipe(n_process=2) all do. msgpack knows no dataclass, so claims travel as
# a tagged list of their fields.
_MSGPACK_TAG = "__ml_claim__"


def _encode_claim(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, Claim):
        return {_MSGPACK_TAG: list(astuple(obj))}
    return obj if chain is None else chain(obj)


def _decode_claim(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, dict) and _MSGPACK_TAG in obj:
        return Claim(*obj[_MSGPACK_TAG])
    return obj if chain is None else chain(obj)


srsly.msgpack_encoders.register("ml_claim", func=_encode_claim)
srsly.msgpack_decoders.register("ml_claim", func=_decode_claim)
