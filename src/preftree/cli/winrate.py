"""``preftree winrate``: raw, length-controlled and style-controlled win rates for any judge."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ._options import (
    SEED,
    FiniteFloatRange,
    echo,
    pairs_options,
    quiet_option,
    replace_option,
    resolve_features,
    scoring_options,
)

__all__ = ["winrate"]


def _check_outside(out: Path, folders: list[Path]) -> None:
    """An output inside an input folder would be read as input on the next run."""
    from ..errors import InputError

    target = Path(os.path.abspath(out)).parent.resolve()
    for folder in folders:
        root = folder.resolve()
        if target == root or root in target.parents:
            raise InputError(f"is inside the input folder {folder}; the next run would read it as "
                             "input: write it elsewhere", path=out)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", "alpacaeval", "arena", "judge"]),
              help="Layout of PATHS: AlpacaEval annotations.json, Arena battles (model_a, model_b, "
                   "winner), or preftree judge files over --pairs; auto detects it per file.")
@pairs_options
@click.option("--model-columns", help="Judge files: the pairs' two columns naming each response's "
                                      "model, COL1,COL2 (default: generator_1,generator_2 or model_a,model_b).")
@click.option("--baseline", help="The model win rates are against (default: AlpacaEval's generator_1, "
                                 "else the one in most comparisons).")
@click.option("--judge", help="Rate only this judge's verdicts: an AlpacaEval annotator, a battles file's "
                              "judge column value, or a judge file's judge.")
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
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="winrate.csv (one row per model); winrate.json is written beside it.")
@quiet_option
@replace_option
def winrate(paths: tuple[Path, ...], fmt: str, pairs_path: Any, mapping: str | None, pairs_format: str,
            model_columns: str | None, baseline: str | None, judge: str | None, feature_specs: tuple[str, ...],
            tree_specs: tuple[str, ...], difficulties_path: Path | None, pooling: float | None,
            resamples: int, seed: int, out: Path, quiet: bool, **scoring: Any) -> None:
    """Win rates against a baseline (raw, discrete, length-controlled) and Bradley–Terry ratings
    with and without style control, from AlpacaEval annotations, Arena battles or judge files.

    Length control is AlpacaEval's GLM with the instruction difficulties estimated from all the
    models given (or --difficulties); style control takes any --features spec, and a tree over
    what the controlled model leaves unexplained is fitted beside the ordinary tree.
    """
    from .._io import check_output_file
    from .._markup import plain_line
    from ..winrate import win_rates
    from ..winrate.document import format_table, json_path, write_winrate

    if not paths:
        raise click.UsageError("give annotation, battle or judge files (or folders of them)")
    if "://" in str(out) or str(out).lower().startswith("file:"):
        raise click.UsageError(f"--out is a local path, not a URI; got {str(out)!r}")
    if out.suffix.lower() != ".csv":
        raise click.UsageError(f"--out is the CSV table (winrate.csv); got {out.name!r}")
    inputs = [*paths, pairs_path, difficulties_path]
    for target in (out, json_path(out)):
        check_output_file(target, inputs)
    _check_outside(out, [p for p in paths if p.is_dir()])
    comparisons = _read(paths, fmt, pairs_path, mapping, pairs_format, model_columns, judge)
    notes = list(comparisons.notes)
    difficulties = length = None
    if difficulties_path is not None:
        from ..winrate.reference import check_reference, read_reference

        reference = read_reference(difficulties_path)
        baseline, coverage = check_reference(reference, comparisons.frame["instruction"], baseline=baseline,
                                             declared_baselines=comparisons.declared_baselines,
                                             judge=comparisons.judge)
        difficulties, length, notes = reference.difficulties, reference.length, notes + coverage
    if any(str(spec).split(":", 1)[0] in ("scores", "columns") for spec in (*feature_specs, *tree_specs)) \
            and "alpacaeval" in comparisons.formats.values():
        raise click.UsageError("scores: and columns: features are keyed by pair ids and read in the pairs' "
                               "orientation, which AlpacaEval annotations do not carry (here response_1 is "
                               "the model, output_2); use style or model: features")
    features = resolve_features(feature_specs or ("style",), scoring, quiet=quiet)
    trees = resolve_features(tree_specs, scoring, quiet=quiet) if tree_specs else None
    if not quiet:
        for source, layout in comparisons.formats.items():
            echo(plain_line(f"read {source}: {layout}"), err=True)
    result = win_rates(comparisons.frame, baseline=baseline, features=features, tree_features=trees,
                       difficulties=difficulties, pooling=pooling, resamples=resamples, seed=seed,
                       progress=not quiet, declared_baselines=comparisons.declared_baselines, length=length)
    result.notes += notes
    settings = {"format": fmt, "features": result.features, "judge": judge,
                "difficulties": None if difficulties_path is None else str(difficulties_path),
                "pooling": pooling, "resamples": resamples, "seed": seed}
    written, document = write_winrate(result, comparisons, out, settings=settings)
    if not quiet:
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


def _read(paths: tuple[Path, ...], fmt: str, pairs_path: Any, mapping: str | None, pairs_format: str,
          model_columns: str | None, judge: str | None) -> Any:
    from ..winrate import read_comparisons

    if fmt != "judge" and pairs_path is None:
        return read_comparisons(paths, fmt, judge=judge)
    if pairs_path is None:
        raise click.UsageError("--format judge reads verdicts on pairs: give --pairs FILE")
    from ..data import load_judges, load_pairs, parse_mapping
    from ..winrate.judged import comparisons_from_judgments

    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False, pairs_format=pairs_format)
    columns = None if model_columns is None else [c.strip() for c in model_columns.split(",")]
    judges = load_judges(paths, pairs=pairs)
    if judge is not None:
        judges = [j for j in judges if j.judge == judge]
    return comparisons_from_judgments(pairs, judges, columns)
