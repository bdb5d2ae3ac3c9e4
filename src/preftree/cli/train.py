"""``preftree train-head`` and ``preftree fit-tree``: the two steps of the training recipe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._options import (
    LABEL_FORMAT_NAMES,
    SEED,
    FiniteFloatRange,
    build_scorer_options,
    echo,
    force_option,
    model_option,
    quiet_option,
    replace_option,
    revision_option,
    scoring_options,
)
from ._renames import RenamingCommand, old_spelling
from .explain import depth_option, depth_value

__all__ = ["fit_tree", "train_head"]

seed_option = click.option("--seed", default=0, show_default=True, type=SEED,
                           help="Random seed of the train/validation split.")
hub_root_option = click.option("--hub-root", type=click.Path(path_type=Path),
                               help="Read Hub datasets from this local folder instead of the Hub.")


@click.command("train-head")
@model_option
@revision_option
@scoring_options
@click.option("--data", "data", required=True,
              help="nvidia/HelpSteer2, or a file with prompt, response, one column per attribute "
                   "and optionally split (train / validation).")
@click.option("--attributes", default="helpfulness,correctness,coherence,complexity,verbosity",
              show_default=True, help="Rating columns to fit, comma-separated.")
@hub_root_option
@click.option("--valid-fraction", default=0.1, show_default=True, type=FiniteFloatRange(0.01, 0.9),
              help="Held-out share of prompts when the data has no split column.")
@seed_option
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Model folder to write.")
@force_option
@quiet_option
def train_head(model: str, data: str, attributes: str, hub_root: Path | None,
               valid_fraction: float, seed: int, out: Path, force: bool, quiet: bool,
               **options: Any) -> None:
    """Fit a linear attribute head on a backbone's (--model) last-token hidden states."""
    from .._io import check_output_dir
    from ..model.training import load_ratings
    from ..model.training import train_head as run

    settings = build_scorer_options(quiet=quiet, **options)
    if settings.ray is not None:
        raise click.UsageError("train-head reads the backbone's hidden states in this process; "
                               "--engine ray is for scoring (score, fit-tree, rewardbench, explain)")
    check_output_dir(out, [model, data], force=force)
    names = [a.strip() for a in attributes.split(",") if a.strip()]
    ratings = load_ratings(data, hub_root=hub_root)
    report = run(model, ratings, out, attributes=names, valid_fraction=valid_fraction, seed=seed,
                 origin=data, force=force, options=settings.options)
    if not quiet:
        echo(f"{report.n_train} training and {report.n_valid} held-out responses, "
                   f"hidden size {report.hidden_size}")
        echo(report.metrics.to_string(index=False, float_format=lambda v: f"{v:.3f}",
                                            formatters={"alpha": "{:.2g}".format}))
        echo(f"wrote {out}/")


@click.command("fit-tree", cls=RenamingCommand, required=("pairs_source",))
@click.option("--model", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A preftree model folder (from train-head); the tree is saved into it.")
@scoring_options
@click.option("--pairs", "pairs_source",
              help="Labelled preference pairs to fit on: nvidia/HelpSteer2:preference, or a pairs "
                   "file with a label.  [required]")
@old_spelling("--data", "--pairs", "pairs_source")
@hub_root_option
@depth_option
@click.option("--valid-fraction", default=0.2, show_default=True, type=FiniteFloatRange(0.01, 0.9),
              help="Held-out share of the pairs.")
@seed_option
@click.option("--min-leaf", default=0.01, show_default=True, type=FiniteFloatRange(min=0, min_open=True),
              help="Smallest leaf: a share of the training pairs (below 1) or a number of pairs.")
@click.option("--label-format", default="auto", show_default=True,
              type=click.Choice(["auto", *LABEL_FORMAT_NAMES]), help="Format of the label column.")
@click.option("--label-map", help="The label's coding, stated: VALUE=MEANING,... (MEANING: "
                                 "response_1, response_2 or tie).")
@quiet_option
@replace_option
def fit_tree(model: Path, pairs_source: str, hub_root: Path | None, max_depth: int | str,
             valid_fraction: float, seed: int, min_leaf: float, label_format: str,
             label_map: str | None, quiet: bool, **options: Any) -> None:
    """Fit the model's preference tree on attribute differences and save it in the folder."""
    from ..model.training import fit_tree as run
    from ..model.training import load_preference_pairs

    pairs = load_preference_pairs(pairs_source, hub_root=hub_root, label_format=label_format,
                                  label_map=label_map)
    if not quiet:
        for note in pairs.reading_notes():
            echo(note)
    settings = build_scorer_options(quiet=quiet, **options)
    report = run(model, pairs, max_depth=depth_value(max_depth), valid_fraction=valid_fraction, seed=seed,
                 min_leaf=min_leaf, options=settings.options, ray=settings.ray)
    if not quiet:
        echo(f"{report.n_labelled} labelled pairs: {report.n_train} to train on "
                   f"(+{report.n_train_ties} ties left out), {report.n_valid} held out "
                   f"(+{report.n_valid_ties} ties left out)"
                   + (f"; {report.n_unlabelled} without a label" if report.n_unlabelled else ""))
        echo(report.tree.export_text())
        echo(f"validation accuracy on {report.n_valid} pairs (trained on {report.n_train}):")
        echo(f"  {'tree (depth ' + str(report.tree.depth_) + ')':<28}{report.accuracy:.3f}")
        for name, accuracy in sorted(report.single_attribute.items(), key=lambda kv: -kv[1]):
            echo(f"  {name + ' alone':<28}{accuracy:.3f}")
        echo(f"wrote {model}/preftree_tree.json")
