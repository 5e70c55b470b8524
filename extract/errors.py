"""Every exception the toolkit raises on purpose, and how it is shown to a user.

Expected errors (bad input, bad rules, bad queries) derive from ``ExtractError`` so the
command line can print them as one line and exit with code 2, never a traceback.
"""

from __future__ import annotations


class ExtractError(Exception):
    """An expected, user-facing error: shown as one line, exit code 2."""

    exit_code = 2


class InputError(ExtractError):
    """A corpus file cannot be read at all (missing, unknown type, unreadable)."""


class RecordError(ExtractError):
    """One input record is unusable; the run goes on and the record is rejected."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class RuleError(ExtractError):
    """One or more rule files are invalid; every problem is listed, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class QueryError(ExtractError):
    """A query or leaderboard request cannot be answered as asked."""


class OutputError(ExtractError):
    """An output file cannot be written."""


class QueryWarning(UserWarning):
    """A query or leaderboard answered, with something the user should know (rows rejected,
    an older claims table): one line, shown as ``extract: warning: …`` on the command line."""
