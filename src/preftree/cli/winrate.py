"""``preftree winrate``: raw, length-controlled and style-controlled win rates for any judge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._options import (
    SEED,
    FiniteFloatRange,
    echo,
    jobs_option,
    pairs_options,
    quiet_option,
    replace_option,
    resolve_features,
    scoring_options,
)
from ._renames import RenamingCommand, old_spelling

__all__ = ["winrate"]


@click.command(cls=RenamingCommand)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@old_spelling("--format", "--input-format", "fmt", type=click.Choice(["auto", "alpacaeval", "arena", "judge"]))
@click.option("--input-format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", "alpacaeval", "arena", "judge"]),
              help="Layout of PATHS: AlpacaEval annotations.json, Arena battles (model_a, model_b, "
                   "winner), or preftree judge files over --pairs; auto detects it per file.")
@pairs_options
@click.option("--model-columns", help="Judge files: the pairs' two columns naming each response's "
                                      "model, COL1,COL2 (default: generator_1,generator_2 or model_a,model_b).")
@click.option("--baseline", help="The model win rates are against (default: AlpacaEval's generator_1, "
                                 "else the one in most comparisons).")
@click.option("--only-judge", "judge", help="Rate only this judge's verdicts: an AlpacaEval annotator, a "
                                           "battles file's judge column value, or a judge file's judge.")
@old_spelling("--judge", "--only-judge", "judge")
@click.option("--features", "feature_specs", multiple=True,
              help="Style covariates of the controlled ratings: style | columns:NAME[,NAME] | "
                   "scores:FILE | model:PATH (reward-model attributes); repeatable. Default: style.")
@click.option("--tree-features", "tree_specs", multiple=True,
              help="Features of the ordinary and residual trees (default: --features).")
@click.option("--difficulties", "difficulties_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Instruction difficulties to use instead of estimating them: a winrate.json from an "
                   "earlier run over many models (its length coefficient and scale are reused too, so a "
                   "new model gets only its own term fitted), or a CSV with instruction,difficulty "
                   "(higher = harder).")
@click.option("--pooling", type=FiniteFloatRange(min=0, min_open=True, max=1e6),
              help="Give each model its own length coefficient, pulled toward the shared one with this "
                   "L2 weight (default: one shared coefficient).")
@scoring_options
@click.option("--revision", help="Hub revision of a model: feature's model.")
@click.option("--resamples", default=100, show_default=True, type=click.IntRange(min=0),
              help="Bootstrap resamples of the battles for the rating and coefficient intervals.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the bootstrap and the trees.")
@jobs_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="winrate.csv (one row per model); winrate.json is written beside it.")
@quiet_option
@replace_option
def winrate(paths: tuple[Path, ...], fmt: str, pairs_path: Any, mapping: str | None, pairs_format: str,
            model_columns: str | None, baseline: str | None, judge: str | None, feature_specs: tuple[str, ...],
            tree_specs: tuple[str, ...], difficulties_path: Path | None, pooling: float | None,
            resamples: int, seed: int, jobs: int, out: Path, quiet: bool, **scoring: Any) -> None:
    """Win rates against a baseline (raw, discrete, length-controlled) and Bradley–Terry ratings
    with and without style control, from AlpacaEval annotations, Arena battles or judge files.

    Length control is AlpacaEval's GLM with the instruction difficulties estimated from all the
    models given (or --difficulties); style control takes any --features spec, and a tree over
    what the controlled model leaves unexplained is fitted beside the ordinary tree.
    """
    from .._markup import plain_line
    from ..data import load_pairs, parse_mapping
    from ..winrate.api import winrate as run_winrate
    from ..winrate.document import format_table

    if not paths:
        raise click.UsageError("give annotation, battle or judge files (or folders of them)")
    pairs = None
    if pairs_path is not None:
        pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False,
                           pairs_format=pairs_format)
    elif fmt == "judge":
        raise click.UsageError("--input-format judge reads verdicts on pairs: give --pairs FILE")
    features = resolve_features(feature_specs or ("style",), scoring, quiet=quiet)
    trees = resolve_features(tree_specs, scoring, quiet=quiet) if tree_specs else None
    columns = None if model_columns is None else [c.strip() for c in model_columns.split(",")]
    run = run_winrate(paths, input_format=fmt, pairs=pairs, model_columns=columns, only_judge=judge,
                      baseline=baseline, features=features, tree_features=trees,
                      difficulties=difficulties_path, pooling=pooling, resamples=resamples, seed=seed,
                      progress=not quiet, out=out, jobs=jobs)
    comparisons, result, document = run.comparisons, run.result, run.document or {}
    written = run.written[1]
    if not quiet:
        for source, layout in comparisons.formats.items():
            echo(plain_line(f"read {source}: {layout}"), err=True)
        echo(format_table(document))
        skipped = comparisons.skipped + result.skipped
        if skipped:
            file, row, why = skipped[0]
            echo(plain_line(f"note: skipped {len(skipped)} rows (first: {file} row {row}: {why}); all "
                                  f"are listed in {written.name}"))
        for note in result.notes[1:]:
            echo(plain_line(f"note: {note}"))
        if result.trees is not None:
            from ..winrate.document import ORIENTATION

            echo("\nWhat the judge rewards beyond the controlled features (residual tree; "
                       f"{ORIENTATION})")
            echo(result.trees.residual.export_text())
        echo(f"wrote {out} and {written}")
