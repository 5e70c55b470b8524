"""Rule files as the extension point: load, layer, validate, test — shipped rules and bad ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import extract.rules.ruleset as rules_module
from extract.cli.main import main
from extract.cli.rules import FAILED, PASSED, SKIPPED, summary_line, test_examples
from extract.errors import RuleError
from extract.match.matcher import CompiledRules
from extract.pipeline.build import build_nlp
from extract.rules.ruleset import (
    RULES_ENV,
    builtin_rules_dir,
    cached_rules,
    clear_cache,
    load_directories,
    load_rules,
    rule_directories,
)
from extract.table.batch import extract_text
from extract.units import check_definitions

from .conftest import FIXTURES, ROOT

BAD = FIXTURES / "bad_rules"
SHIPPED = builtin_rules_dir()
SHIPPED_FILES = sorted(p.name for p in SHIPPED.glob("*.jsonl"))
BUILTIN_UNITS = SHIPPED / "units.txt"

ASCEND = {
    "id": "hardware.huawei.ascend_910b",
    "label": "DEVICE",
    "name": "Ascend 910B",
    "pattern": "Ascend 910B",
    "aliases": ["Ascend-910B"],
    "example": "We train on eight Ascend 910B NPUs.",
}
ASCEND_ABSTRACT = {
    "id": "2501.00001",
    "title": "Training a Code Model on Domestic Accelerators",
    "abstract": "We pre-train a code model from scratch on eight Ascend 910B NPUs. "
    "It reaches 61.2% pass@1 on HumanEval.",
}


def env_without_rules() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != RULES_ENV}


def write_rules(directory: Path, name: str, *entries: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text("".join(json.dumps(e) + "\n" for e in entries), "utf-8")
    return directory


# ---------------------------------------------------------------- shipped rules


@pytest.fixture(scope="module")
def shipped():
    clear_cache()
    return cached_rules(use_env=False)  # raises RuleError on any problem in any file


@pytest.mark.parametrize("filename", SHIPPED_FILES)
def test_every_shipped_rule_file_is_loaded_and_valid(filename, shipped):
    ruleset = shipped
    path = SHIPPED / filename
    lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip() and not ln.startswith("//")]
    from_file = [r for r in ruleset.rules if Path(r.path) == path]
    assert len(from_file) == len(lines) > 0  # every entry is active: none lost, none overridden
    assert {r.family for r in from_file} == {path.stem}
    assert [r.line for r in from_file] == sorted(r.line for r in from_file)


def test_shipped_units_file_is_valid():
    assert check_definitions([BUILTIN_UNITS]) == []


def test_shipped_rule_families():
    assert load_rules(use_env=False).families() == [Path(f).stem for f in SHIPPED_FILES]


def test_every_shipped_example_produces_its_span(nlp):
    results = test_examples(nlp, cached_rules(use_env=False))
    failures = [r.line() for r in results if r.status == FAILED]
    assert failures == []
    counts = {s: sum(r.status == s for r in results) for s in (PASSED, SKIPPED)}
    assert counts[PASSED] > 1500  # most entries carry an example
    assert summary_line(results) == f"{counts[PASSED]} passed, 0 failed, {counts[SKIPPED]} skipped"


# ---------------------------------------------------------------- bad rules: one case per error type

# case → (file, line, id, problem); the whole message is "path:line [id]: problem"
BAD_CASES = {
    "invalid_json": (
        "devices.jsonl",
        1,
        "hardware.huawei.ascend_910b",
        "invalid JSON: Expecting ',' delimiter (column 106)",
    ),
    "unknown_key": (
        "devices.jsonl",
        1,
        "hardware.huawei.ascend_910b",
        "unknown key 'aliasses' for label DEVICE (did you mean 'aliases'?)",
    ),
    "missing_key": ("devices.jsonl", 1, "hardware.huawei.ascend_910b", "missing required key 'pattern'"),
    "duplicate_id": ("devices.jsonl", 3, "hardware.huawei.ascend_910b", "duplicate id (first on line 1)"),
    "unknown_label": (
        "devices.jsonl",
        1,
        "hardware.huawei.ascend_910b",
        "unknown label 'ACCELERATOR' (known: CUE, DATASET, DEVICE, GENERIC, HARDWARE, MACRO, METHOD, METRIC, "
        "MODEL_SIZE, QUALIFIER, RESULT)",
    ),
    "invalid_token_pattern": (
        "results.jsonl",
        1,
        "result.energy",
        "invalid token pattern: pattern[1].ORTH.IN: should be a valid list",
    ),
    "unknown_token_attribute": (
        "results.jsonl",
        1,
        "result.energy",
        "unknown token attribute 'LOWR' in pattern[1] (did you mean 'LOWER'?)",
    ),
    "invalid_regex": (
        "results.jsonl",
        1,
        "result.energy",
        'invalid regular expression "^[kMG]Wh(" in pattern[1].TEXT: '
        "missing ), unterminated subpattern at position 8",
    ),
    "unknown_macro": (
        "results.jsonl",
        1,
        "result.energy",
        "unknown macro '@nunber' (did you mean 'number'?)",
    ),
    "invalid_macro": (
        "macros.jsonl",
        1,
        "macro.energy_unit",
        "invalid token pattern: pattern.ORTH.IN[2]: should be a valid string",
    ),
    "bad_value": (
        "metrics.jsonl",
        1,
        "metric.carbon",
        "'direction' must be one of higher, lower (not \"smaller\")",
    ),
    "disable_unknown": (
        "devices.jsonl",
        1,
        "hardware.nvidia.a1OO",
        "cannot disable: no earlier rule has this id",
    ),
    "unknown_rule_unit": ("results.jsonl", 1, "result.energy", "unknown unit 'megawatt_hour'"),
    "unit_syntax": (
        "units.txt",
        2,
        "watt_hour",
        "invalid unit definition: cannot parse this line (expected 'name = value = alias …')",
    ),
    "unit_undefined": ("units.txt", 1, "watt_hour", "invalid unit definition: unknown unit 'watt'"),
    "unit_redefined": (
        "units.txt",
        2,
        "pf_hour",
        "'pf_hour' is already defined (fixtures/bad_rules/unit_redefined/units.txt:1)",
    ),
}


def expected_message(directory: str, case: str) -> str:
    filename, line, rule_id, problem = BAD_CASES[case]
    return f"{directory}/{case}/{filename}:{line} [{rule_id}]: {problem}"


def test_every_bad_fixture_has_a_case():
    assert sorted(p.name for p in BAD.iterdir() if p.is_dir()) == sorted([*BAD_CASES, "many_problems"])


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_rules_python_api(case, monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths, as a user types them
    with pytest.raises(RuleError) as caught:
        load_rules([f"fixtures/bad_rules/{case}"], use_env=False)
    assert caught.value.problems == [expected_message("fixtures/bad_rules", case)]
    assert str(caught.value) == expected_message("fixtures/bad_rules", case)


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_rules_cli_check(case, monkeypatch, capsys):
    """``extract rules check fixtures/bad_rules/<case>``: the message alone, then exit 2."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv(RULES_ENV, raising=False)
    assert main(["rules", "check", f"fixtures/bad_rules/{case}"]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        expected_message("fixtures/bad_rules", case),
        "extract: rules check failed: 1 problem",
    ]
    assert captured.out == ""


@pytest.mark.slow
def test_every_problem_in_every_file_is_reported_at_once():
    """From a fresh interpreter, as a user runs it: every problem, exit 2, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "extract", "rules", "check", "fixtures/bad_rules/many_problems"],
        cwd=ROOT,
        env=env_without_rules(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    where = "fixtures/bad_rules/many_problems"
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{where}/devices.jsonl:1 [hardware.huawei.ascend_910b]: unknown key 'patern' for label DEVICE "
        "(did you mean 'pattern'?)",
        f"{where}/devices.jsonl:1 [hardware.huawei.ascend_910b]: missing required key 'pattern'",
        f"{where}/metrics.jsonl:1 [metric.carbon]: missing required key 'direction' for METRIC",
        f"{where}/units.txt:1 [watt_hour]: invalid unit definition: unknown unit 'joule'",
        "extract: rules check failed: 4 problems",
    ]


def test_rules_check_passes_on_the_shipped_rules(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv(RULES_ENV, raising=False)
    assert main(["rules", "check"]) == 0
    n_rules = len(load_rules(use_env=False).rules)
    assert capsys.readouterr().out == (
        f"extract: rules OK: {n_rules} rules in 15 families from 1 directory (rules), 1 unit file\n"
    )


def test_a_bad_rule_directory_stops_batch_with_one_line_per_problem(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "c.csv"
    args = ["batch", "fixtures/seeds", "-o", str(out), "--rules", "fixtures/bad_rules/unknown_macro", "-q"]
    assert main(args) == 2
    message = expected_message("fixtures/bad_rules", "unknown_macro")
    assert capsys.readouterr().err.splitlines() == [f"extract: error: {message}"]
    assert not out.exists()


@pytest.mark.slow
def test_check_alone_ignores_the_builtin_rules(tmp_path, capsys):
    mine = write_rules(tmp_path / "mine", "devices.jsonl", ASCEND)
    assert main(["rules", "check", "--alone", str(mine)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"extract: rules OK: 1 rules in 1 families from 1 directory ({mine})")
    # layered on the built-in rules, a pattern may use the built-in macros; alone it may not
    energy = {"id": "result.energy", "label": "RESULT", "pattern": ["@number", {"ORTH": "MWh"}]}
    write_rules(mine, "results.jsonl", energy)
    assert main(["rules", "check", str(mine)]) == 0
    assert main(["rules", "check", "--alone", str(mine)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{mine}/results.jsonl:1 [result.energy]: unknown macro '@number'",
        "extract: rules check failed: 1 problem",
    ]


def test_more_validation_problems(tmp_path):
    mine = tmp_path / "mine"
    write_rules(
        mine,
        "misc.jsonl",
        {"id": "result.a", "label": ["RESULT"], "pattern": "x"},
        {"id": 7, "label": "DEVICE", "pattern": "X7"},
        {"id": "metric.m", "label": "METRC", "pattern": "m", "direction": "lower"},
        {"id": "dataset.d", "label": "DATASET", "pattern": "D", "aliases": ["D1", [{"_": {"nope": 1}}]]},
        {"id": "result.b", "label": "RESULT", "pattern": [{"LOWER": "x", "OP": "??"}]},
        {"id": "method.m", "label": "METHOD", "pattern": "M", "type": "framework", "priority": "high"},
    )
    (mine / "other.jsonl").write_text('[1, 2]\n{"id": "dataset.d", "label": "DATASET", "pattern": "D"}\n')
    with pytest.raises(RuleError) as caught:
        load_directories([SHIPPED, mine])
    m = f"{mine}/misc.jsonl"
    assert caught.value.problems == [
        f"{m}:1 [result.a]: unknown label '[\"RESULT\"]' (known: CUE, DATASET, DEVICE, GENERIC, HARDWARE, "
        "MACRO, METHOD, METRIC, MODEL_SIZE, QUALIFIER, RESULT)",
        f"{m}:2 [?]: 'id' must be a non-empty string",
        f"{m}:3 [metric.m]: unknown label 'METRC' (did you mean 'METRIC'?) (known: CUE, DATASET, DEVICE, "
        "GENERIC, HARDWARE, MACRO, METHOD, METRIC, MODEL_SIZE, QUALIFIER, RESULT)",
        f"{m}:4 [dataset.d]: unknown custom token attribute '_.nope' in aliases[1][0] "
        "(rules cannot register one)",
        f"{m}:6 [method.m]: 'type' must be one of method, model, optimizer, system (not \"framework\")",
        f"{m}:6 [method.m]: 'priority' must be an integer",
        f"{mine}/other.jsonl:1 [?]: expected a JSON object, found a list",
        f"{mine}/other.jsonl:2 [dataset.d]: duplicate id (first on {m}:4)",
        f"{m}:5 [result.b]: invalid token pattern: pattern[0].OP: should be '+', '*', '?' or '!' or "
        "should match pattern '^(\\{\\d+\\}|\\{\\d+,\\d*\\}|\\{\\d*,\\d+\\})$'",
    ]


def test_a_missing_rules_directory_is_a_rule_error(tmp_path):
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path / "nope"], use_env=False)
    assert caught.value.problems == [f"{tmp_path / 'nope'}: not a rules directory"]


# ---------------------------------------------------------------- layering: add, override, disable


def test_directories_come_in_order_builtin_env_then_extra(monkeypatch, tmp_path):
    monkeypatch.setenv(RULES_ENV, os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    dirs = rule_directories([tmp_path / "c"])
    assert dirs == [SHIPPED, tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    assert rule_directories([tmp_path / "c"], use_env=False) == [SHIPPED, tmp_path / "c"]


def test_override_and_disable_by_id(tmp_path):
    a100 = load_rules(use_env=False).by_id()["hardware.nvidia.a100"]
    mine = write_rules(
        tmp_path / "mine",
        "overrides.jsonl",
        {"id": "hardware.nvidia.a100", "label": "DEVICE", "name": "A100 (ours)", "pattern": "A100"},
        {"id": "dataset.gsm8k", "disabled": True},
    )
    ruleset = load_rules([mine], use_env=False)
    assert ruleset.by_id()["hardware.nvidia.a100"].name == "A100 (ours)"
    assert ruleset.by_id()["hardware.nvidia.a100"].family == "overrides"
    assert "dataset.gsm8k" not in ruleset.by_id()
    assert a100 in ruleset.overridden
    assert [r.id for r in ruleset.disabled] == ["dataset.gsm8k"]

    nlp = build_nlp(rules=[mine], use_env=False)
    doc = nlp("We train on 8 A100 GPUs and evaluate on GSM8K.")
    hardware = [c for c in doc._.claims if c.kind == "hardware"]
    assert [(c.name, c.count) for c in hardware] == [("A100 (ours)", 8)]
    assert not [e for e in doc.ents if e.ent_id_ == "dataset.gsm8k"]


def hardware_rows(claims_csv: Path) -> list[list]:
    claims = pd.read_csv(claims_csv, dtype={"paper_id": str})
    assert "910B" not in claims.loc[claims["kind"] == "model_size", "text"].tolist()
    return claims.loc[claims["kind"] == "hardware", ["paper_id", "name", "count", "rule"]].values.tolist()


@pytest.mark.slow
def test_batch_reports_a_user_accelerator_as_hardware(tmp_path):
    """``extract batch … --rules DIR`` from a fresh interpreter, as a user runs it."""
    mine = write_rules(tmp_path / "mine", "devices.jsonl", ASCEND)
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(json.dumps(ASCEND_ABSTRACT) + "\n", "utf-8")
    out = tmp_path / "claims.csv"
    args = [sys.executable, "-m", "extract", "batch", str(corpus), "-o", str(out), "-q", "--rules", str(mine)]
    done = subprocess.run(
        args, cwd=ROOT, env=env_without_rules(), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert hardware_rows(out) == [["2501.00001", "Ascend 910B", 8, "hardware.count_device"]]


@pytest.mark.slow
def test_batch_reads_rule_directories_from_the_environment(tmp_path, monkeypatch):
    mine = write_rules(tmp_path / "mine", "devices.jsonl", ASCEND)
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(json.dumps(ASCEND_ABSTRACT) + "\n", "utf-8")
    monkeypatch.setenv(RULES_ENV, str(mine))
    assert main(["batch", str(corpus), "-o", str(tmp_path / "claims.csv"), "-q"]) == 0
    assert hardware_rows(tmp_path / "claims.csv") == [
        ["2501.00001", "Ascend 910B", 8, "hardware.count_device"]
    ]
    monkeypatch.delenv(RULES_ENV)
    assert main(["batch", str(corpus), "-o", str(tmp_path / "before.csv"), "-q"]) == 0
    claims = pd.read_csv(tmp_path / "before.csv")
    hardware = claims.loc[claims["kind"] == "hardware", "name"].tolist()
    assert hardware == ["NPU"]  # without the rule: only the device class, no Ascend 910B


# ---------------------------------------------------------------- built once per process


@pytest.mark.slow
def test_rule_files_are_read_once_per_process_and_matchers_once_per_pipeline(monkeypatch):
    reads = []
    original = rules_module.load_directories

    def counting(directories):
        reads.append(list(directories))
        return original(directories)

    monkeypatch.setattr(rules_module, "load_directories", counting)
    clear_cache()
    first = build_nlp(use_env=False)
    second = build_nlp(use_env=False)
    assert len(reads) == 1  # four components, two pipelines: one read and validation
    assert cached_rules(use_env=False) is cached_rules(use_env=False)

    compiled = []
    original_init = CompiledRules.__init__

    def counting_init(self, *args, **kwargs):
        compiled.append(1)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(CompiledRules, "__init__", counting_init)
    texts = ["We pre-train a 7B model on 64 A100 GPUs.", "It reaches 85.2% accuracy on MMLU."] * 20
    for nlp in (first, second):
        assert sum(len(d._.claims) for d in nlp.pipe(texts)) > 0
    assert compiled == []  # documents reuse the matchers compiled when the pipeline was built


def test_an_edited_rule_file_is_read_again(tmp_path):
    mine = write_rules(tmp_path / "mine", "devices.jsonl", ASCEND)
    assert cached_rules([mine], use_env=False).by_id()["hardware.huawei.ascend_910b"].name == "Ascend 910B"
    write_rules(mine, "devices.jsonl", {**ASCEND, "name": "Ascend-910B (Huawei)"})
    os.utime(mine / "devices.jsonl", ns=(1, 1))  # a different mtime even within one clock tick
    assert (
        cached_rules([mine], use_env=False).by_id()["hardware.huawei.ascend_910b"].name
        == "Ascend-910B (Huawei)"
    )


# ---------------------------------------------------------------- rules list / test


def test_rules_list_by_family(capsys):
    assert main(["rules", "list", "--family", "hardware"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    hardware = load_rules(use_env=False).by_family("hardware")
    assert [ln.split()[0] for ln in lines] == [r.id for r in hardware]
    assert lines[0].split()[1] == "HARDWARE" and lines[0].endswith("rules/hardware.jsonl:1")
    assert captured.err == f"extract: {len(hardware)} rules\n"


def test_rules_list_unknown_family_is_one_line(capsys):
    assert main(["rules", "list", "--family", "gpus"]) == 2
    err = capsys.readouterr().err
    known = "(known: cues, datasets, datasets_discovered, "
    assert err.startswith(f"extract: error: unknown rule family 'gpus' {known}")
    assert len(err.splitlines()) == 1


def test_rules_test_fails_when_an_example_does_not_fire(tmp_path, capsys):
    mine = write_rules(
        tmp_path / "mine",
        "devices.jsonl",
        ASCEND,
        {**ASCEND, "id": "hardware.huawei.ascend_910c", "name": "Ascend 910C", "pattern": "Ascend 910C"},
        {"id": "hardware.huawei.kunpeng", "label": "DEVICE", "name": "Kunpeng", "pattern": "Kunpeng"},
    )
    write_rules(
        mine,
        "results.jsonl",
        {
            "id": "result.energy",
            "label": "RESULT",
            "pattern": ["@number", {"ORTH": "MWh"}],
            "example": "Training consumed 12.5 GWh.",
        },
    )
    assert main(["rules", "test", str(mine), "--dirs-only"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{mine}/devices.jsonl:2 [hardware.huawei.ascend_910c]: example did not produce a DEVICE entity: "
        "the pattern does not match the example",
        f"{mine}/results.jsonl:1 [result.energy]: example did not produce a result claim from this rule "
        "(found nothing)",
        "1 passed, 2 failed, 1 skipped",
    ]


def test_rules_test_judges_reject_and_qualifier_rules(nlp):
    ruleset = cached_rules(use_env=False)
    rules = ruleset.by_id()
    veto = rules["hardware.reject.multi_gpu"]
    up_to = rules["qualifier.up_to"]
    from dataclasses import replace

    results = test_examples(
        nlp,
        ruleset,
        [
            veto,
            replace(veto, example="We train on 8 GPUs."),  # the veto does not match here
            up_to,
            replace(up_to, example="It reduces memory by 65.5%."),
        ],
    )
    assert [r.status for r in results] == [PASSED, FAILED, PASSED, FAILED]
    assert results[1].detail == "example did not produce a match of this reject pattern"
    assert results[3].detail == "example did not produce a '<=' qualifier from this rule before a claim"


def test_unit_blocks_are_checked_whole(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("@group energy\nwatt_hour = [energy] = Wh\n@end\nkilowatt_day = 24000 * Wh\n", "utf-8")
    assert check_definitions([BUILTIN_UNITS, good]) == []
    bad = tmp_path / "bad.txt"
    bad.write_text("# grouped\n@group energy\nwatt_hour = joule * 3600\n@end\nday = 3 * hour\n", "utf-8")
    assert check_definitions([BUILTIN_UNITS, bad]) == [
        f"{bad}:2 [@group energy]: invalid unit definition: unknown unit 'joule'",
        f"{bad}:5 [day]: 'day' is already defined ({BUILTIN_UNITS}:{day_line()})",
    ]


def day_line() -> int:
    lines = BUILTIN_UNITS.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith("day ="))


# ---------------------------------------------------------------- cue words (rules/cues.jsonl)


@pytest.mark.slow
def test_cue_words_come_from_the_rule_files_and_a_user_can_extend_them(tmp_path):
    shipped = load_rules(use_env=False)
    assert shipped.cues("approximately")["about"] == "cue.approximately"
    text = "Error drops by ca. 5 and ca. 20% on two tasks."
    before = extract_text(text)
    assert before.query("kind == 'result'")["text"].tolist() == ["20%"]
    write_rules(
        tmp_path / "mine",
        "cues.jsonl",
        {"id": "cue.approximately.mine", "label": "CUE", "role": "approximately", "pattern": "ca."},
    )
    nlp = build_nlp(rules=[tmp_path / "mine"])
    after = extract_text(text, nlp=nlp)
    assert after.query("kind == 'result'")["text"].tolist() == ["5", "20%"]


@pytest.mark.parametrize(
    "entry, problem",
    [
        ({"id": "cue.x", "label": "CUE", "pattern": "over"}, "missing required key 'role' for CUE"),
        ({"id": "cue.x", "label": "CUE", "role": "nope", "pattern": "over"}, "'role' must be one of"),
        (
            {"id": "cue.x", "label": "CUE", "role": "approximately", "pattern": [{"LOWER": "x"}]},
            "a CUE lists words",
        ),
    ],
)
def test_a_bad_cue_entry_is_one_line_naming_it(tmp_path, entry, problem):
    write_rules(tmp_path / "bad", "cues.jsonl", entry)
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path / "bad"], use_env=False)
    assert f"cues.jsonl:1 [cue.x]: {problem}" in str(caught.value)


@pytest.mark.parametrize("values", [["seconds"], [], "percent"])
def test_a_metric_values_list_names_known_kinds(tmp_path, values):
    entry = {"id": "metric.x", "label": "METRIC", "pattern": "zap", "direction": "lower", "values": values}
    write_rules(tmp_path / "bad", "metrics.jsonl", entry)
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path / "bad"], use_env=False)
    assert "metrics.jsonl:1 [metric.x]: 'values' must be a non-empty list of: percent," in str(caught.value)
