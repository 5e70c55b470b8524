"""Attach context to claims: the model a size belongs to, and merged hardware mentions.

All functions are pure: they take the Doc and its claims and return new claim lists.
"""

from __future__ import annotations

from dataclasses import replace

from spacy.tokens import Doc

from extract.claim import Claim

DEVICE_CLASSES = {"GPU", "TPU"}
_COORDINATION = {",", "and", "or", "/", "&"}
_ELABORATION = {"(", "e.g.", "e.g", ",", "such", "as", "like", "including", "i.e.", "namely", ":"}


def inherit_model_names(doc: Doc, claims: list[Claim]) -> list[Claim]:
    """'LLaMA 1B and 7B': the unnamed 7B belongs to the LLaMA named just before it."""
    out: list[Claim] = []
    previous: Claim | None = None
    for claim in claims:
        if claim.kind == "model_size":
            if claim.name is None and previous is not None and previous.name:
                between = doc.text[previous.end : claim.start].split()
                if previous.sentence == claim.sentence and all(w in _COORDINATION for w in between):
                    claim = replace(claim, name=previous.name)
            previous = claim
        out.append(claim)
    return out


def merge_elaborated_hardware(doc: Doc, claims: list[Claim]) -> list[Claim]:
    """'consumer GPUs with 24GB memory (e.g., NVIDIA RTX 4090)' is one mention of the device.

    A class-only mention (GPU/TPU, no count) that is immediately elaborated by a specific
    device hands its memory to that device and is dropped, as ANNOTATION.md's example does.
    """
    hardware = [c for c in claims if c.kind == "hardware"]
    dropped: set[int] = set()
    replaced: dict[int, Claim] = {}
    for general, specific in zip(hardware, hardware[1:]):
        if general.name not in DEVICE_CLASSES or general.count is not None:
            continue
        if specific.name in DEVICE_CLASSES or specific.sentence != general.sentence:
            continue
        gap = doc.text[general.end : specific.start].replace("(", " ( ").split()
        if not gap or not all(w.rstrip(",") in _ELABORATION or w == "" for w in gap):
            continue
        dropped.add(id(general))
        if specific.value is None and general.value is not None:
            replaced[id(specific)] = replace(
                specific,
                value=general.value,
                unit=general.unit,
                value_norm=general.value_norm,
                unit_norm=general.unit_norm,
            )
    return [replaced.get(id(c), c) for c in claims if id(c) not in dropped]


def link_claims(doc: Doc, claims: list[Claim]) -> list[Claim]:
    """Every linking step, in order."""
    claims = merge_elaborated_hardware(doc, claims)
    return inherit_model_names(doc, claims)
