"""The ``extract`` command line: argument parsing and exit codes over the stages' functions."""

from extract.cli.main import main

__all__ = ["main"]
