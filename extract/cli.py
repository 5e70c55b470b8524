"""The ``extract`` command line. Nothing else imports this module.

Exit codes: 0 success (rejected records are counted, not fatal); 1 ``--strict`` stopped at a
bad record; 2 an expected error (bad input path, bad rules, bad query) shown as one line.
``--debug`` shows the traceback of any error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from extract.errors import ExtractError, RecordError
from extract.read import Fields


def _batch(args: argparse.Namespace) -> int:
    from extract.batch import run_batch

    summary = run_batch(
        args.inputs,
        args.output,
        papers=args.papers,
        rejects=args.rejects,
        rules=args.rules,
        fields=Fields(id=args.id_field, title=args.title_field, abstract=args.abstract_field),
        strict=args.strict,
        show_progress=not args.quiet,
    )
    print(f"extract: {summary.line()}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extract", description="Structured claims from ML paper abstracts.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", required=True)

    batch = commands.add_parser("batch", help="extract claims from corpus files")
    batch.add_argument("inputs", nargs="+", help="files, directories or glob patterns")
    batch.add_argument("-o", "--output", required=True, help="claims table (.csv/.jsonl/.parquet)")
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
    batch.set_defaults(run=_batch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
