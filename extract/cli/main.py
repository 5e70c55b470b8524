"""The ``extract`` command line. Nothing else imports this module.

Exit codes: 0 success (rejected records are counted, not fatal); 1 ``--strict`` stopped at a
bad record, ``rules test`` found an example that does not fire, or ``rules check --strict``
found a warning; 2 an expected error (bad
input path, bad rules, bad query) shown as one line per problem; 3 an internal error (a bug:
one line, ``--debug`` for the traceback); 4 ``batch`` read no paper because every input was
rejected (the tables are written; the first reasons on stderr); 130 interrupted (SIGINT);
143 terminated (SIGTERM).
``--debug`` shows the traceback of any error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from extract.errors import ExtractError, QueryWarning, RecordError
from extract.io.read import Fields

_IMPORTED = time.perf_counter()


def _batch(args: argparse.Namespace) -> int:
    from extract.table.batch import run_batch

    fields = Fields(id=args.id_field, title=args.title_field, abstract=args.abstract_field)
    common = dict(
        papers=args.papers, rejects=args.rejects, rules=args.rules, fields=fields, strict=args.strict
    )
    if args.engine == "dask":
        from extract.table.distributed import run_dask

        summary = run_dask(
            args.inputs,
            args.output,
            scheduler=args.scheduler,
            merge=args.merge,
            scheduler_timeout=args.scheduler_timeout,
            show_progress=not args.quiet,
            **common,
        )
    else:
        summary = run_batch(
            args.inputs,
            args.output,
            show_progress=not args.quiet,
            jobs=args.jobs,
            fmt=args.format,
            **({} if args.record_timeout is None else {"record_timeout": args.record_timeout}),
            **common,
        )
    for warning in summary.warnings[:20]:
        print(f"extract: warning: {warning}", file=sys.stderr)
    if len(summary.warnings) > 20:
        print(f"extract: warning: … and {len(summary.warnings) - 20} more", file=sys.stderr)
    for line in summary.lines(since_start()):
        print(f"extract: {line}", file=sys.stderr)
    if summary.nothing_usable():
        for reject in summary.first_rejects:
            print(f"extract: rejected: {reject}", file=sys.stderr)
        print("extract: error: every input was rejected; no paper was read", file=sys.stderr)
        return NOTHING_USABLE
    return 0


NOTHING_USABLE = 4  # exit code: the run finished but every input file or record was rejected


def since_start() -> float:
    """Seconds since this process started (Linux: from /proc, so the interpreter's and the
    imports' start-up count too), else since this module was imported."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


def _leaderboard(args: argparse.Namespace) -> int:
    from extract.query.leaderboard import parse_directions, write_leaderboard
    from extract.table.batch import check_outputs

    check_outputs([Path(args.input)], {"-o": Path(args.output)})
    board = write_leaderboard(
        args.input,
        args.output,
        rules=args.rules,
        papers=args.papers,
        deltas=args.deltas,
        directions=parse_directions(args.higher_is_better),
    )
    what = "deltas" if args.deltas else "results"
    papers = board["paper_id"].nunique()
    print(f"extract: leaderboard: {len(board)} {what} of {papers} papers → {args.output}", file=sys.stderr)
    return 0


def _query(args: argparse.Namespace) -> int:
    from extract.query.leaderboard import parse_directions
    from extract.query.select import select, view
    from extract.show.render import render

    options = ("dataset", "metric", "method", "kind", "where", "best_per", "group_by", "count", "sort", "top")
    chosen = {k: getattr(args, k) for k in options}
    directions = parse_directions(args.higher_is_better)
    found = select(args.file, reverse=args.reverse, rules=args.rules, directions=directions, **chosen)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    if args.format in ("table", "markdown"):
        found = view(found, columns, keep=[args.sort])
    elif columns:
        found = view(found, columns)
    sys.stdout.write(render(found, args.format))
    return 0


def _report(args: argparse.Namespace) -> int:
    from extract.show.report import format_for, write_report

    found = write_report(
        args.claims,
        args.output,
        papers_path=args.papers,
        fmt=args.format,
        rules=args.rules,
        top=args.top,
        date_field=args.date_field,
        stdout=sys.stdout.write,
    )
    where = "stdout" if args.output == "-" else args.output
    kind = format_for(args.output, args.format)
    print(f"extract: report: {len(found)} sections ({kind}) → {where}", file=sys.stderr)
    return 0


def _add_report_command(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="a corpus report: charts and their tables (HTML or Markdown)")
    report.add_argument("claims", help="claims table (.csv/.jsonl/.parquet)")
    report.add_argument("-o", "--output", required=True, help="report.html, report.md, or - for stdout")
    report.add_argument("--papers", metavar="P", help="papers table (default: the one beside CLAIMS)")
    report.add_argument("--format", choices=["html", "md"], help="default: by the output's suffix, else html")
    report.add_argument("--top", type=int, default=15, metavar="N", help="bars per chart (default 15)")
    report.add_argument("--date-field", default="date", metavar="COL", help="papers column with the date")
    report.add_argument("--rules", action="append", default=[], metavar="DIR", help="extra rule directory")
    report.set_defaults(run=_report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extract", description="Structured claims from ML paper abstracts.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True)

    batch = commands.add_parser("batch", help="extract claims from corpus files")
    batch.add_argument("inputs", nargs="+", help="files, directories or glob patterns; - for stdin")
    batch.add_argument(
        "-o",
        "--output",
        required=True,
        help="claims table (.csv/.tsv/.jsonl, each optionally .gz; .parquet), or - for stdout",
    )
    batch.add_argument(
        "--format", choices=["csv", "jsonl"], help="with -o -: what goes to stdout (default csv)"
    )
    batch.add_argument("--papers", help="papers table (default: OUTPUT's stem + .papers)")
    batch.add_argument("--rejects", help="rejected records (default: OUTPUT's stem + .rejects.jsonl)")
    batch.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="extra rule directory (repeatable; overrides built-in ids)",
    )
    batch.add_argument("--id-field", default="id")
    batch.add_argument("--title-field", default="title")
    batch.add_argument("--abstract-field", default="abstract")
    batch.add_argument("--strict", action="store_true", help="stop at the first bad record (exit 1)")
    batch.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    batch.add_argument(
        "-j", "--jobs", type=int, default=1, help="worker processes (0 = all cores; capped, with a warning)"
    )
    batch.add_argument(
        "--record-timeout",
        type=float,
        metavar="SECONDS",
        help="reject a paper that takes longer (default 30; 0 = no limit)",
    )
    batch.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="dask: run on a Dask cluster, claims as partitioned Parquet in OUTPUT/",
    )
    batch.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (default: a LocalCluster)")
    batch.add_argument(
        "--scheduler-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="dask: give up reaching --scheduler after this long (default 10)",
    )
    batch.add_argument("--merge", action="store_true", help="dask: also merge the partitions into OUTPUT")
    batch.set_defaults(run=_batch)

    board = commands.add_parser("leaderboard", help="one row per score, with model size and hardware")
    board.add_argument("input", help="claims table (or a leaderboard to map onto our columns)")
    board.add_argument("-o", "--output", required=True, help="leaderboard table (.csv/.jsonl/.parquet)")
    board.add_argument("--deltas", action="store_true", help="the gains and drops instead of the scores")
    board.add_argument(
        "--papers", metavar="FILE", help="papers table or corpus file with titles (default: INPUT's .papers)"
    )
    _direction_option(board)
    board.add_argument("--rules", action="append", default=[], metavar="DIR", help="extra rule directory")
    board.set_defaults(run=_leaderboard)

    ask = commands.add_parser("query", help="filter, rank and count a claims table or leaderboard")
    ask.add_argument("file", help="claims table or leaderboard (.csv/.jsonl/.parquet)")
    ask.add_argument("--dataset", metavar="D", help="dataset name or alias (GSM8k = GSM8K)")
    ask.add_argument("--metric", metavar="M", help="metric name or alias (PPL = perplexity)")
    ask.add_argument("--method", metavar="X", help="method name or alias")
    ask.add_argument("--kind", metavar="K", help="claim kind: method, model_size, dataset, hardware, result")
    ask.add_argument("--where", metavar="EXPR", help='pandas condition, e.g. "n_devices <= 64"')
    ask.add_argument("--best-per", choices=["method", "model", "paper"], help="keep each one's best result")
    ask.add_argument("--group-by", metavar="COL", help="with --count: papers and rows per value of COL")
    ask.add_argument("--count", action="store_true", help="count papers and rows (per --group-by value)")
    ask.add_argument("--sort", metavar="COL", help="'value' ranks by metric direction; numbers large first")
    ask.add_argument("--reverse", action="store_true", help="reverse the order")
    ask.add_argument("--top", type=int, metavar="N", help="keep the first N rows")
    ask.add_argument("--columns", metavar="COL,COL", help="columns to show")
    ask.add_argument("--format", choices=["table", "csv", "markdown", "json"], default="table")
    _direction_option(ask)
    ask.add_argument("--rules", action="append", default=[], metavar="DIR", help="extra rule directory")
    ask.set_defaults(run=_query)
    _add_rule_commands(commands)
    _add_report_command(commands)
    return parser


def _direction_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--higher-is-better",
        action="append",
        default=[],
        metavar="METRIC=BOOL",
        help="say which way METRIC ranks, over the rules and its name (repeatable): MOS=true, NegLL=false",
    )


def _rules_list(args: argparse.Namespace) -> int:
    from extract.cli.rules import list_lines, select_family
    from extract.rules.ruleset import cached_rules

    chosen = select_family(cached_rules(tuple(args.rules)), args.family)
    for line in list_lines(chosen):
        print(line)
    print(f"extract: {len(chosen)} rules", file=sys.stderr)
    return 0


def _rules_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from extract.cli.rules import check_summary, lint
    from extract.errors import QueryError, RuleError
    from extract.pipeline.build import build_nlp
    from extract.rules.ruleset import load_directories, load_rules

    if args.alone and not args.dirs:
        raise QueryError("rules check --alone needs at least one DIR")
    try:
        ruleset = load_directories([Path(d) for d in args.dirs]) if args.alone else load_rules(args.dirs)
        warnings = lint(ruleset, build_nlp(args.dirs))  # examples run as ``batch --rules DIR`` would
    except RuleError as exc:
        for problem in exc.problems:  # compiler style: path:line [id]: problem
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"extract: rules check failed: {count} problem{'s' * (count != 1)}", file=sys.stderr)
        return exc.exit_code
    for warning in warnings:
        print(warning.line(), file=sys.stderr)
    if warnings and args.strict:
        count = len(warnings)
        print(f"extract: rules check failed: {count} warning{'s' * (count != 1)} (--strict)", file=sys.stderr)
        return 1
    noted = f" ({len(warnings)} warning{'s' * (len(warnings) != 1)})" if warnings else ""
    print(f"extract: rules OK{noted}: {check_summary(ruleset)}")
    return 0


def _rules_test(args: argparse.Namespace) -> int:
    from pathlib import Path

    from extract.cli.rules import FAILED, select_family, summary_line, test_examples
    from extract.pipeline.build import build_nlp
    from extract.rules.ruleset import cached_rules

    ruleset = cached_rules(tuple(args.dirs))
    chosen = select_family(ruleset, args.family)
    if args.dirs_only:
        given = set(ruleset.directories[-len(args.dirs) :]) if args.dirs else set()
        chosen = [r for r in chosen if Path(r.path).parent in given]
    results = test_examples(build_nlp(args.dirs), ruleset, chosen)
    for result in results:
        if result.status == FAILED or args.verbose:
            print(result.line())
    print(summary_line(results))
    return 1 if any(r.status == FAILED for r in results) else 0


def _rules_discover(args: argparse.Namespace) -> int:
    from extract.cli.rules import short_path
    from extract.table.discover import discover, write_rules

    fields = Fields(id=args.id_field, title=args.title_field, abstract=args.abstract_field)
    found = discover(
        args.inputs, args.rules, min_papers=args.min_papers, jobs=args.jobs, fields=fields, source=args.source
    )
    paths = write_rules(found, args.output)
    labels = ", ".join(f"{label.lower()} {n}" for label, n in sorted(_count_labels(found.entries).items()))
    summary = found.summary
    print(
        f"extract: discover: {summary.records} records, {summary.papers} papers; {len(found.entries)} names "
        f"({labels or 'none'}) in at least {args.min_papers} papers; left out: {found.known} already in "
        f"the rules, {found.concepts} concepts, {found.ambiguous} ambiguous, {found.rare} rarer; "
        f"{summary.seconds:.1f} s → "
        + ", ".join(short_path(p) for p in paths),
        file=sys.stderr,
    )
    return 0


def _count_labels(entries: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["label"]] = counts.get(entry["label"], 0) + 1
    return counts


def _explain(args: argparse.Namespace) -> int:
    from extract.errors import OutputError
    from extract.show.explain import Explainer, load_text, render_text

    title, text = load_text(args.text, args.file, args.paper, args.input, args.title or "")
    explainer = Explainer(args.rules)
    doc, explanation = explainer.explain(text, title)
    sys.stdout.write(render_text(explanation))
    if args.html:
        try:
            with open(args.html, "w", encoding="utf-8") as handle:
                handle.write(explainer.html(doc, explanation))
        except OSError as exc:
            raise OutputError(f"{args.html}: cannot write ({exc.strerror or exc})") from None
        print(f"extract: wrote {args.html}", file=sys.stderr)
    return 0


def _add_rule_commands(commands: argparse._SubParsersAction) -> None:
    """``extract rules list|check|test`` and ``extract explain``."""

    def rule_dirs(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--rules",
            action="append",
            default=[],
            metavar="DIR",
            help="extra rule directory (repeatable; overrides built-in ids)",
        )

    rules = commands.add_parser("rules", help="list, check and test rule files (see docs/rules.md)")
    rule_commands = rules.add_subparsers(dest="rules_command", required=True)
    listing = rule_commands.add_parser("list", help="active rules: id, label, match, file:line")
    listing.add_argument("--family", metavar="F", help="only this family (file stem: devices, …)")
    rule_dirs(listing)
    listing.set_defaults(run=_rules_list)

    check = rule_commands.add_parser(
        "check", help="validate the built-in rules, $EXTRACT_RULES and DIRs layered (exit 2 on problems)"
    )
    check.add_argument("dirs", nargs="*", metavar="DIR", help="rule directories layered on the built-in ones")
    check.add_argument("--alone", action="store_true", help="check only the DIRs, without the built-in rules")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too (exit 1)")
    check.set_defaults(run=_rules_check)

    test = rule_commands.add_parser("test", help="run each rule's example through the pipeline")
    test.add_argument("dirs", nargs="*", metavar="DIR", help="rule directories layered on the built-in ones")
    test.add_argument("--family", metavar="F", help="only this family")
    test.add_argument("--dirs-only", action="store_true", help="only test the rules defined in the DIRs")
    test.add_argument("-v", "--verbose", action="store_true", help="also list passed and skipped rules")
    test.set_defaults(run=_rules_test)

    find = rule_commands.add_parser(
        "discover", help="dataset and method names recurring with strong cues in a corpus → rule files"
    )
    find.add_argument("inputs", nargs="+", metavar="CORPUS", help="files, directories or glob patterns")
    find.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the rule files")
    find.add_argument("--min-papers", type=int, default=3, metavar="N", help="names cued in N papers (3)")
    find.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (0 = all cores)")
    find.add_argument("--source", metavar="TEXT", help="the entries' 'source' (default: names the corpus)")
    find.add_argument("--id-field", default="id")
    find.add_argument("--title-field", default="title")
    find.add_argument("--abstract-field", default="abstract")
    rule_dirs(find)
    find.set_defaults(run=_rules_discover)

    explain = commands.add_parser("explain", help="every span of one abstract and its rule")
    explain.add_argument("text", nargs="?", help="the abstract text")
    explain.add_argument("--file", metavar="F", help="read the abstract from a text file ('-': stdin)")
    explain.add_argument("--paper", metavar="ID", help="a paper_id of the corpus file given by --input")
    explain.add_argument("--input", metavar="FILE", help="corpus file holding --paper")
    explain.add_argument("--title", help="the paper's title (coined names are read from it)")
    explain.add_argument("--html", metavar="OUT.html", help="also write the abstract with highlighted spans")
    rule_dirs(explain)
    explain.set_defaults(run=_explain)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that a run unwinds as on Ctrl-C (temporary
    files removed, workers stopped quietly) instead of dying mid-write."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def _version() -> str:
    """'extract 0.1.0 (compiled inner loops)': the package version and which loops run."""
    import extract
    from extract.text.compiled import KERNELS

    return f"extract {extract.__version__} ({KERNELS} inner loops)"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from extract.text.compiled import KERNELS, KERNELS_NOTE

    if KERNELS == "python" and args.command in ("batch", "explain", "rules"):
        print(KERNELS_NOTE, file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with _warnings_as_lines():
            return _run(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """A ``QueryWarning`` (rows rejected, an older claims table) is shown as one line,
    ``extract: warning: …``, every time; other warnings as Python shows them."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", QueryWarning)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if issubclass(category, QueryWarning):
                print(f"extract: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def _run(args: argparse.Namespace) -> int:
    """The command, its errors as one line and an exit code (see the module docstring)."""
    try:
        return args.run(args)
    except RecordError as exc:
        if args.debug:
            raise
        print(f"extract: error: {exc} (--strict)", file=sys.stderr)
        return 1
    except ExtractError as exc:
        if args.debug:
            raise
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"extract: error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("extract: interrupted; no output written", file=sys.stderr)
        return 130
    except Terminated:
        print("extract: terminated; no output written", file=sys.stderr)
        return 143
    except Exception as exc:
        if args.debug:
            raise
        first = (str(exc).splitlines() or [""])[0]
        print(f"extract: internal error: {type(exc).__name__}: {first}; rerun with --debug", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
