"""``preftree demo``: the whole explain pipeline on the example data shipped in the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from ._options import SEED, echo, force_option, quiet_option
from ._renames import RenamingCommand, old_spelling
from .explain import run_and_write

__all__ = ["demo", "example_path"]

DEMO_FEATURES = ["columns:helpfulness,correctness,coherence,complexity,verbosity", "style"]


def example_path(name: str) -> Path:
    """Path of a file shipped in ``preftree/examples``."""
    return Path(str(resources.files("preftree") / "examples" / name))


@click.command(cls=RenamingCommand)
@click.option("--out", default="preftree-demo", show_default=True, type=click.Path(path_type=Path),
              help="Output folder.")
@force_option
@click.option("--resamples", "bootstrap", default=100, show_default=True, type=click.IntRange(min=1),
              help="Bootstrap resamples of the pairs (each a refit) for the importance intervals.")
@old_spelling("--bootstrap", "--resamples", "bootstrap", type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=SEED,
              help="Random seed (folds, bootstrap resamples).")
@quiet_option
def demo(out: Path, force: bool, bootstrap: int, seed: int, quiet: bool) -> None:
    """Run explain on shipped, illustrative example data: two LLM judges and a human label.

    The data is synthetic (written for this package, not real judgments): 300 pairs rated on the
    five HelpSteer2 attributes, with a verbosity-loving judge and a correctness-first judge.
    Writes explain's files and ``report.html`` into ``--out``.
    """
    from ..data import load_judges, load_pairs
    from ..explanation import ExplainConfig

    pairs = load_pairs(example_path("demo_pairs.jsonl"), label_name="human")
    judges = load_judges([example_path("demo_judges")], pairs=pairs)
    if not quiet:
        echo(f"demo data: {example_path('')} (synthetic, illustrative)\n")
    run_and_write(pairs, judges, DEMO_FEATURES, ExplainConfig(bootstrap=bootstrap, seed=seed), out,
                  quiet, include_label=True, report=out / "report.html", force=force)
