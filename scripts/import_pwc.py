"""Build rules/datasets_pwc.jsonl and rules/metrics_pwc.jsonl from the Papers with Code names.

    python scripts/import_pwc.py ../shared/corpora/pwc-2020 rules

Input: the 2020 evaluation-tables dump's ``datasets.tsv`` and ``metrics.tsv`` (CC BY-SA 4.0;
see rules/pwc_ATTRIBUTION.md). Papers with Code writes names with their split or setting
("COCO test-dev", "Set5 - 4x upscaling", "Mini-Imagenet 5-way (1-shot)"): these are cut off,
then a name is kept only when it reads as a name (a capital after its first letter, or letters
with digits: a single ordinary word such as "Florence" or "Jester" is dropped), has at most
four words, is no Atari game nor an acronym of four letters or fewer ("MIT", "MARS"), and is not
already in the shipped rules (folded as discovery folds). A metric is kept only when a word
of it says which direction is better. Every entry says its ``source``.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

from extract.rules.ruleset import load_rules
from extract.table.discover import fold, known_keys

SOURCE = "Papers with Code evaluation tables, 2020 dump (CC BY-SA 4.0; rules/pwc_ATTRIBUTION.md)"
# Split and setting words Papers with Code appends to a dataset name.
_SPLIT = re.compile(
    r"(?:\s+-\s+.*|\s*\([^)]*\)|,.*|\s+(?:\d+-way|\d+-shot).*"
    r"|\s+(?:test|val|dev|valid|validation|train|minival|test-dev|test-std|testing|full|set"
    r"|easy|moderate|hard|medium)\b.*)$",
    re.IGNORECASE,
)
_TRAILING_NOUN = re.compile(r"\s+(?:dataset|benchmark|corpus)$", re.IGNORECASE)
LOWER_IS_BETTER = re.compile(
    r"\b(?:error|loss|perplexity|ppl|fid|kid|wer|cer|ter|mae|mse|rmse|eer|latency|time|distance|"
    r"chamfer|epe|abs ?rel|sq ?rel|miss rate|nll|bpc|bpd|bits/dim|hausdorff|lpips)\b",
    re.IGNORECASE,
)
HIGHER_IS_BETTER = re.compile(
    r"\b(?:accuracy|acc|f1|f-measure|precision|recall|bleu|rouge(?:-\w+)?|map|ap|auc|auroc|iou|miou|"
    r"psnr|ssim|ndcg|mrr|hits@\d+|em|exact match|meteor|cider|spice|success rate|top-\d)\b",
    re.IGNORECASE,
)


def clean(name: str) -> str:
    """'COCO test-dev' → 'COCO'; 'Set5 - 4x upscaling' → 'Set5'; 'Foo dataset' → 'Foo'."""
    previous = None
    while previous != name:
        previous = name
        name = _TRAILING_NOUN.sub("", _SPLIT.sub("", name)).strip()
    return name


def reads_as_name(name: str) -> bool:
    """A name, not a description: no lower-case word after the first ('SST-2 Binary
    classification', 'Duke to Market'), at most four words, no Atari game."""
    words = name.split()
    if not name or len(words) > 4 or name.lower().startswith("atari"):
        return False
    if any(w[:1].islower() for w in words[1:]):
        return False
    if name.isalpha() and name.isupper() and len(name) <= 4:
        return False  # 'MIT', 'MR', 'MARS': as often a licence, a term or a coined method as this dataset
    digits_and_letters = any(c.isdigit() for c in name) and any(c.isalpha() for c in name)
    return any(c.isupper() for c in name[1:]) or digits_and_letters


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "_", name.lower()).strip("_.-")


def datasets(path: Path, known: set[str]) -> list[dict]:
    entries, seen = [], set(known)
    for row in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"):
        name = clean(row["dataset"])
        if not reads_as_name(name) or fold(name) in seen:
            continue
        seen.add(fold(name))
        entries.append(
            {
                "id": f"dataset.pwc.{slug(name)}",
                "label": "DATASET",
                "name": name,
                "pattern": name,
                "example": f"We report accuracy on {name} against three baselines.",
                "source": SOURCE,
                "note": f"leaderboard rows: {row['sota_rows']}; tasks: {row['tasks'][:120]}",
            }
        )
    return entries


def metrics(path: Path, known: set[str]) -> list[dict]:
    entries, seen = [], set(known)
    for row in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"):
        name = re.sub(r"\s*\([^)]*\)$", "", row["metric"]).strip()
        lower, higher = LOWER_IS_BETTER.search(name), HIGHER_IS_BETTER.search(name)
        if not name or len(name.split()) > 4 or bool(lower) == bool(higher) or fold(name) in seen:
            continue
        if not name[0].isalpha() or "[" in name or " " not in name and not reads_as_name(name):
            continue  # '% Test Accuracy', '14 gestures accuracy', 'MAE [bpm]', a lone 'Error'
        seen.add(fold(name))
        entries.append(
            {
                "id": f"metric.pwc.{slug(name)}",
                "label": "METRIC",
                "name": name,
                "pattern": name,
                "direction": "lower" if lower else "higher",
                "example": f"Our model improves {name} by 2.5 points.",
                "source": SOURCE,
            }
        )
    return entries


def main(corpus: str, out: str) -> None:
    known = known_keys(load_rules(use_env=False), left_out=("datasets_pwc", "metrics_pwc"))
    for name, entries in (
        ("datasets_pwc.jsonl", datasets(Path(corpus) / "datasets.tsv", known)),
        ("metrics_pwc.jsonl", metrics(Path(corpus) / "metrics.tsv", known)),
    ):
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        (Path(out) / name).write_text(text, encoding="utf-8")
        print(f"{name}: {len(entries)} entries", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
