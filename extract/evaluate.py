"""Precision / recall / F1 per field against a hand-annotated gold set (ANNOTATION.md format).

    python -m extract.evaluate [GOLD.jsonl ABSTRACTS.jsonl ...] [--details]

Matching, per paper: model sizes by parameter count (one per distinct size); hardware by
canonical device name; results by (number as written, unit); methods and datasets by
normalized name (the canonical name, the surface text or the model family may match). Entries marked
``"unsure": true`` count neither as misses nor, when predicted, as false alarms.
"""

from __future__ import annotations

import argparse
import json
import operator
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

GOLD_DIR = Path("fixtures") / "gold"  # the default of --gold: the checkout's gold sets
DEFAULT_SETS = (
    ("seeds.jsonl", "seeds_sample.jsonl"),
    ("arxiv.jsonl", "arxiv_sample.jsonl"),
    ("hardware.jsonl", "hardware_sample.jsonl"),
)
GOLD_UNITS = {"pp": "percentage_point", "flop": "FLOP", "score": "dimensionless"}
FIELDS = ("model_size", "hardware", "result", "method", "proposed", "dataset")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    scores: dict[str, Score]
    dataset_links: Counter  # "right" / "wrong" among matched results with a gold dataset
    # "right" / "wrong" among matched results whose gold record names the field at all
    # (sets annotated by ANNOTATION.md's "What a result is" carry metric_text and system):
    # right when the row's link and the gold name agree, both empty included.
    metric_links: Counter = field(default_factory=Counter)
    system_links: Counter = field(default_factory=Counter)
    # "right" / "wrong" among matched results whose gold gives a role (not role_unsure)
    roles: Counter = field(default_factory=Counter)
    # "right" / "wrong" among matched results: every field right (see fully_right)
    full_rows: Counter = field(default_factory=Counter)
    # "right" / "wrong" among the result rows the leaderboard takes: right when the row is a
    # matched result whose gold role is score, with the right metric and dataset
    board_rows: Counter = field(default_factory=Counter)
    role_misses: list[str] = field(default_factory=list)  # "paper: text gold → row (rule)"

    @property
    def dataset_link_accuracy(self) -> float:
        return link_accuracy(self.dataset_links)

    def table(self) -> str:
        lines = [f"{'field':<12}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>6}{'FN':>6}"]
        for name, s in self.scores.items():
            lines.append(
                f"{name:<12}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.tp:>6}{s.fp:>6}{s.fn:>6}"
            )
        for label, links in (
            ("dataset-link accuracy of matched results", self.dataset_links),
            ("metric-link accuracy of matched results", self.metric_links),
            ("system-link accuracy of matched results", self.system_links),
            ("role accuracy of matched results", self.roles),
            ("result rows fully right (of matched)", self.full_rows),
            ("leaderboard rows that are right scores", self.board_rows),
        ):
            if links or label.startswith("dataset"):
                total = links["right"] + links["wrong"]
                lines.append(f"{label}: {link_accuracy(links):.3f} ({links['right']}/{total})")
        return "\n".join(lines)


def link_accuracy(links: Counter) -> float:
    total = links["right"] + links["wrong"]
    return links["right"] / total if total else 1.0


def _same_name(predicted: Iterable[object], gold: object) -> bool:
    """Whether one of the row's names is the gold name, or the row has none and gold none."""
    names = {name_key(p) for p in predicted if isinstance(p, str) and p}
    return name_key(gold) in names if isinstance(gold, str) and gold else not names


def _fold(name: str) -> str:
    key = re.sub(r"[^0-9a-z.+]", "", name.casefold())
    return key[:-1] if len(key) > 3 and key.endswith("s") else key


def _canonical_keys() -> dict[str, str]:
    """Every alias of a known dataset, method or metric → its canonical name (from the rule files),
    so "WMT'14 English-German" and "WMT'14 En-De" compare equal, as a query would."""
    from extract.rules.ruleset import cached_rules

    keys: dict[str, str] = {}
    for rule in cached_rules(use_env=False).by_label("DATASET", "METHOD", "METRIC"):
        if not rule.name:
            continue
        for surface in (rule.name, rule.pattern, *rule.aliases):
            if isinstance(surface, str):
                keys.setdefault(_fold(surface), _fold(rule.name))
    return keys


_CANONICAL: dict[str, str] = {}


def name_key(name: str) -> str:
    """Case, spacing, hyphens and plural 's' folded, aliases mapped to their canonical name:
    'Llama-2' ~ 'llama 2', 'ViTs' ~ 'ViT', 'MS-COCO' ~ 'COCO'."""
    if not _CANONICAL:
        _CANONICAL.update(_canonical_keys())
    key = _fold(name)
    return _CANONICAL.get(key, key)


def _entries(items: Iterable) -> tuple[list, list]:
    """Split gold entries into (sure, unsure)."""
    sure, unsure = [], []
    for item in items:
        (unsure if isinstance(item, dict) and item.get("unsure") else sure).append(item)
    return sure, unsure


def _match(
    gold: list,
    unsure: list,
    predicted: list,
    score: Score,
    label: str,
    same: Callable[[Any, Any], bool] = operator.eq,
    show: Callable[[Any], str] = str,
) -> list[tuple]:
    """Greedy multiset matching of (key, item) pairs; ``same(gold_key, predicted_key)``
    decides a match. Returns the matched (gold item, predicted item) pairs."""
    pairs = []
    remaining = list(predicted)
    for g_key, g in gold:
        hit = next((p for p in remaining if same(g_key, p[0])), None)
        if hit is None:
            score.fn += 1
            score.misses.append(f"{label}: {g_key}")
        else:
            remaining.remove(hit)
            score.tp += 1
            pairs.append((g, hit[1]))
    unsure_keys = [k for k, _ in unsure]
    for p_key, _ in remaining:
        excused = next((u for u in unsure_keys if same(u, p_key)), None)
        if excused is not None:
            unsure_keys.remove(excused)
            continue
        score.fp += 1
        score.false_alarms.append(f"{label}: {show(p_key)}")
    return pairs


def _number_key(value: float) -> float:
    return round(float(value), 4)


def evaluate(gold_records: list[dict], claims: pd.DataFrame) -> Report:
    scores = {name: Score() for name in FIELDS}
    links: Counter = Counter()
    metric_links: Counter = Counter()
    system_links: Counter = Counter()
    roles: Counter = Counter()
    full_rows: Counter = Counter()
    role_misses: list[str] = []
    matched: dict[tuple, tuple[dict, dict[str, bool]]] = {}  # (paper, start, end) of a row
    by_paper = {pid: df for pid, df in claims.groupby("paper_id")}
    empty = claims.iloc[0:0]
    for record in gold_records:
        pid = record["id"]
        pred = by_paper.get(pid, empty)
        kinds = {
            k: pred[pred["kind"] == k] for k in ("model_size", "hardware", "result", "method", "dataset")
        }
        # model sizes: distinct parameter counts
        sure, unsure = _entries(record.get("model_sizes", []))
        gold_sizes = {_number_key(e["params"]): e for e in sure}
        unsure_sizes = {_number_key(e["params"]): e for e in unsure}
        predicted = {_number_key(v): v for v in kinds["model_size"]["value_norm"]}
        _match(
            list(gold_sizes.items()),
            [(k, e) for k, e in unsure_sizes.items() if k not in gold_sizes],
            list(predicted.items()),
            scores["model_size"],
            pid,
        )
        # hardware: canonical device names, one per mention
        sure, unsure = _entries(record.get("hardware", []))
        _match(
            [(e["name"], e) for e in sure],
            [(e["name"], e) for e in unsure],
            [(n, n) for n in kinds["hardware"]["name"].fillna("?")],
            scores["hardware"],
            pid,
        )
        # results: (number as written, unit)
        sure, unsure = _entries(record.get("quantities", []))

        def q_key(e: dict) -> tuple:
            return (_number_key(e["number"]), GOLD_UNITS.get(e["unit"], e["unit"]))

        rows = kinds["result"].to_dict("records")
        pairs = _match(
            [(q_key(e), e) for e in sure],
            [(q_key(e), e) for e in unsure],
            [((_number_key(r["value"]), r["unit_norm"]), r) for r in rows],
            scores["result"],
            pid,
        )
        for g, p in pairs:
            if g.get("dataset"):
                ok = isinstance(p.get("dataset"), str) and name_key(p["dataset"]) == name_key(g["dataset"])
                links["right" if ok else "wrong"] += 1
            verdicts = judge_row(g, p)
            for name, counter in (("metric", metric_links), ("system", system_links), ("role", roles)):
                if name in verdicts:
                    counter["right" if verdicts[name] else "wrong"] += 1
            full_rows["right" if all(verdicts.values()) else "wrong"] += 1
            if not verdicts.get("role", True):
                got = f"{p.get('role')} ({p.get('role_rule')})"
                role_misses.append(f"{pid}: {g.get('text')!r} {g['role']} → {got}")
            matched[(pid, p.get("start"), p.get("end"))] = (g, verdicts)
        # methods (all named methods) and proposed methods, datasets: names
        _score_names(
            record.get("proposed_methods", []) + record.get("other_methods", []),
            kinds["method"],
            scores["method"],
            pid,
        )
        proposed = kinds["method"][kinds["method"]["proposed"].fillna(False).astype(bool)]
        _score_names(record.get("proposed_methods", []), proposed, scores["proposed"], pid)
        _score_names(record.get("datasets", []), kinds["dataset"], scores["dataset"], pid)
    board = Counter(_judge_board(claims, matched))
    return Report(scores, links, metric_links, system_links, roles, full_rows, board, role_misses)


# A qualifier the gold text opens with ("up to 65.5%", "over 5,000 samples", "~38 %").
_GOLD_QUALIFIERS = (
    (re.compile(r"^(?:up to|at most|no more than|≤|<=)\s*"), "<="),
    (re.compile(r"^(?:at least|no less than|≥|>=)\s*"), ">="),
    (re.compile(r"^(?:over|more than|above|greater than|exceeding|>)\s*"), ">"),
    (re.compile(r"^(?:less than|under|below|fewer than|<)\s*"), "<"),
    (re.compile(r"^(?:~|≈|∼|about|around|approximately|roughly|nearly|almost|\$?\\sim\$?)\s*"), "~"),
)


def gold_qualifier(text: str) -> str | None:
    """The qualifier a gold entry's text is written with, or None when it opens with none."""
    for pattern, qualifier in _GOLD_QUALIFIERS:
        if pattern.match(text.casefold()):
            return qualifier
    return None


def judge_row(gold: dict, row: dict) -> dict[str, bool]:
    """Which fields of a matched result row are right (value and unit are, by the match).

    A field is judged only when the gold entry carries it: the qualifier when its text opens
    with one; the role unless it is ``role_unsure``; metric (``metric_text``), dataset and
    system when the gold record names the key at all, right when the row's name and the gold
    name agree, both empty included (a system may be the row's method or its model)."""
    verdicts: dict[str, bool] = {}
    qualifier = gold_qualifier(gold.get("text") or "")
    if qualifier is not None:
        verdicts["qualifier"] = row.get("qualifier") == qualifier
    if gold.get("role") and not gold.get("role_unsure"):
        verdicts["role"] = row.get("role") == gold["role"]
    if "metric_text" in gold:
        verdicts["metric"] = _same_name([row.get("metric")], gold["metric_text"])
    if "dataset" in gold:
        verdicts["dataset"] = _same_name([row.get("dataset")], gold["dataset"])
    if "system" in gold:
        verdicts["system"] = _same_name([row.get("method"), row.get("model")], gold["system"])
    return verdicts


def _judge_board(claims: pd.DataFrame, matched: dict[tuple, tuple[dict, dict[str, bool]]]) -> dict[str, int]:
    """The rows ``extract leaderboard`` takes from these claims: right when the row is a matched
    result whose gold role is score and whose metric and dataset are right."""
    from extract.query.leaderboard import leaderboard

    counts = {"right": 0, "wrong": 0}
    if claims.empty:
        return counts
    board = leaderboard(claims)
    for key in zip(board["paper_id"], board["start"], board["end"]):
        gold, verdicts = matched.get(key, ({}, {}))
        linked = verdicts.get("metric", False) and verdicts.get("dataset", False)
        right = gold.get("role") == "score" and linked
        counts["right" if right else "wrong"] += 1
    return counts


def _score_names(gold: list, predicted: pd.DataFrame, score: Score, pid: str) -> None:
    sure, unsure = _entries(gold)
    gold_keys = list(dict.fromkeys(name_key(g if isinstance(g, str) else g["name"]) for g in sure))
    unsure_keys = [name_key(g["name"]) for g in unsure]
    # a predicted name counts once; it matches by canonical name or by surface text
    seen, predicted_keys = set(), []
    families = predicted["family"].fillna("") if "family" in predicted else [""] * len(predicted)
    for name, text, family in zip(predicted["name"].fillna(""), predicted["text"], families):
        keys = {name_key(name), name_key(text), name_key(family)} - {""}
        if keys & seen:
            continue
        seen |= keys
        predicted_keys.append(keys)
    _match(
        [(k, k) for k in gold_keys],
        [(k, k) for k in unsure_keys],
        [(keys, keys) for keys in predicted_keys],
        score,
        pid,
        same=lambda key, keys: key in keys,
        show=lambda keys: sorted(keys)[0],
    )


def load_gold(pairs: Iterable[tuple[Path, Path]]) -> tuple[list[dict], list[dict]]:
    """Gold records and the abstracts they annotate (JSONL with id/title/abstract)."""
    gold, abstracts = [], []
    for gold_path, abstracts_path in pairs:
        gold += [json.loads(line) for line in gold_path.read_text("utf-8").splitlines() if line]
        abstracts += [json.loads(line) for line in abstracts_path.read_text("utf-8").splitlines() if line]
    return gold, abstracts


def run(pairs: Iterable[tuple[Path, Path]] | None = None, nlp=None) -> Report:
    from extract.table.batch import extract_table

    if pairs is None:
        pairs = [(GOLD_DIR / g, GOLD_DIR / a) for g, a in DEFAULT_SETS]
    pairs = list(pairs)
    gold, _ = load_gold(pairs)
    tables = extract_table([a for _, a in pairs], nlp=nlp)
    return evaluate(gold, tables.claims)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m extract.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", help="GOLD.jsonl ABSTRACTS.jsonl pairs")
    parser.add_argument("--details", action="store_true", help="list misses and false alarms")
    parser.add_argument(
        "--gold", type=Path, default=GOLD_DIR, help="folder of the default gold sets (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if len(args.files) % 2:
        parser.error("give GOLD.jsonl ABSTRACTS.jsonl in pairs")
    pairs = [(Path(g), Path(a)) for g, a in zip(args.files[::2], args.files[1::2])] or [
        (args.gold / g, args.gold / a) for g, a in DEFAULT_SETS
    ]
    missing = [str(path) for pair in pairs for path in pair if not path.is_file()]
    if missing:
        parser.error(f"no such file: {missing[0]} (run from the checkout, or give --gold DIR or file pairs)")
    if args.details and any(g.name.startswith("sealed") for g, _ in pairs or ()):
        parser.error("the sealed holdout is scored in total only: --details would show its cases")
    report = run(pairs)
    print(report.table())
    if args.details:
        for name, score in report.scores.items():
            for line in score.misses:
                print(f"MISS  {name:<10} {line}")
            for line in score.false_alarms:
                print(f"FALSE {name:<10} {line}")
        for line in report.role_misses:
            print(f"ROLE  {'result':<10} {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
