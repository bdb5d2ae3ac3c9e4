"""The ``preftree`` command line: a thin shell over the Python API, one module per subcommand.

Errors reach the user as one line, never a traceback: preftree's own errors as they are (exit 2
for input the user can fix, 1 for the environment), anything else as a one-line summary with exit
1. ``PREFTREE_DEBUG=1`` re-raises, so the traceback shows. Subcommand modules import only click at
module level, so ``preftree --help`` stays fast.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import click

from ..errors import (
    ConfigError,
    FormatError,
    InputError,
    PreftreeError,
    UntrustedPickleError,
)

__all__ = ["cli", "main"]

INPUT_ERRORS = (InputError, ConfigError, UntrustedPickleError, FormatError)
DEBUG_VARIABLE = "PREFTREE_DEBUG"


class PreftreeCLIError(click.ClickException):
    """A preftree error shown as ``Error: ...``; exit 2 for bad input, 1 otherwise."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares exit_code a class variable, and documents setting it per error


def _one_line(exc: BaseException) -> str:
    from .._markup import plain_line
    from .._redact import redact

    text = plain_line(redact(" ".join(str(exc).split()))) or type(exc).__name__
    return text if len(text) <= 500 else text[:500] + " …"


def _os_error(exc: OSError) -> str:
    from .._redact import redact

    where = f"{redact(str(exc.filename))}: " if getattr(exc, "filename", None) else ""
    return f"{where}{exc.strerror or _one_line(exc)}"


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A warning as one line on stderr (``warning: ...``), as the CLI's notes are, not Python's
    two-line form with a source path."""
    from .._markup import plain_line

    click.echo(f"warning: {plain_line(str(message))}", err=True)


class PreftreeGroup(click.Group):
    """Turns every exception into a clean CLI error at the edge, and nowhere else."""

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning  # restored on the way out
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
            return super().invoke(ctx)
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except INPUT_ERRORS as exc:
            raise PreftreeCLIError(_one_line(exc), 2) from exc
        except PreftreeError as exc:
            raise PreftreeCLIError(_one_line(exc), 1) from exc
        except KeyboardInterrupt:
            raise PreftreeCLIError("interrupted; finished work is kept (rerun to resume where "
                                   "the command supports it)", 130) from None
        except MemoryError:
            raise PreftreeCLIError("out of memory; try a smaller --batch-tokens or fewer "
                                   "--jobs", 1) from None
        except OSError as exc:
            raise PreftreeCLIError(f"{_os_error(exc)} (set {DEBUG_VARIABLE}=1 for the "
                                   "traceback)", 1) from exc
        except Exception as exc:  # the last line of defence: report, do not dump a traceback
            raise PreftreeCLIError(f"unexpected {type(exc).__name__}: {_one_line(exc)} (this is "
                                   f"a preftree bug; set {DEBUG_VARIABLE}=1 for the traceback and "
                                   "report it)", 1) from exc


@click.group(cls=PreftreeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="preftree", message="preftree %(version)s",
                      help="Show the preftree version and exit.")
def cli() -> None:
    """Explain and predict preferences between two LLM responses with small decision trees.

    Pipeline: pairs → per-response features → differences → tree → explanation / report.
    """


def _register() -> None:
    from .annotate import annotate
    from .card import card
    from .compare import compare
    from .demo import demo
    from .explain import explain
    from .judge import judge
    from .models import models
    from .probe import probe
    from .report import report
    from .rewardbench import leaderboard, rewardbench
    from .score import score
    from .train import fit_tree, train_head
    from .winrate import winrate

    for command in (explain, demo, score, compare, card, train_head, fit_tree, rewardbench,
                    leaderboard, judge, probe, winrate, annotate, report, models):
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="preftree")
