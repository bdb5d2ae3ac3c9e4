"""The ``preftree`` command line: a thin shell over the Python API, one module per subcommand."""

from __future__ import annotations

from typing import Any

import click

from ..errors import FormatError, InputError, PreftreeError, UntrustedPickleError

__all__ = ["cli", "main"]

INPUT_ERRORS = (InputError, UntrustedPickleError, FormatError)


class PreftreeCLIError(click.ClickException):
    """A preftree error shown as ``Error: ...``; exit 2 for bad input, 1 otherwise."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class PreftreeGroup(click.Group):
    """Turns preftree's own exceptions into clean CLI errors at the edge, and nowhere else."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except INPUT_ERRORS as exc:
            raise PreftreeCLIError(str(exc), 2) from exc
        except PreftreeError as exc:
            raise PreftreeCLIError(str(exc), 1) from exc


@click.group(cls=PreftreeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="preftree")
def cli() -> None:
    """Explain and predict preferences between two LLM responses with small decision trees.

    Pipeline: pairs → per-response features → differences → tree → explanation / report.
    """


def _register() -> None:
    from .compare import compare
    from .demo import demo
    from .explain import explain
    from .judge import judge
    from .rewardbench import leaderboard, rewardbench
    from .report import report
    from .score import score
    from .train import fit_tree, train_head

    cli.add_command(explain)
    cli.add_command(demo)
    cli.add_command(score)
    cli.add_command(compare)
    cli.add_command(train_head)
    cli.add_command(fit_tree)
    cli.add_command(rewardbench)
    cli.add_command(leaderboard)
    cli.add_command(judge)
    cli.add_command(report)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="preftree")
