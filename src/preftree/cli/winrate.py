"""``preftree winrate``: raw, length-controlled and style-controlled win rates for any judge."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ._options import SEED, FiniteFloatRange, pairs_options, quiet_option, replace_option, resolve_features, scoring_options

__all__ = ["winrate"]

DIFFICULTY_LIMIT = 50.0
"""Largest instruction difficulty read (log-odds): beyond it every prediction is 0 or 1."""


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
@click.option("--baseline", help="The model win rates are against (default: the one in most comparisons).")
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
            model_columns: str | None, baseline: str | None, feature_specs: tuple[str, ...],
            tree_specs: tuple[str, ...], difficulties_path: Path | None, pooling: float | None,
            resamples: int, seed: int, out: Path, quiet: bool, **scoring: Any) -> None:
    """Win rates against a baseline (raw, discrete, length-controlled) and Bradley–Terry ratings
    with and without style control, from AlpacaEval annotations, Arena battles or judge files.

    Length control is AlpacaEval's GLM with the instruction difficulties estimated from all the
    models given (or --difficulties); style control takes any --features spec, and a tree over
    what the controlled model leaves unexplained is fitted beside the ordinary tree.
    """
    from .._io import check_output_file
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
    comparisons = _read(paths, fmt, pairs_path, mapping, pairs_format, model_columns)
    difficulties, length = (None, None) if difficulties_path is None else _difficulties(difficulties_path)
    if difficulties is not None:
        _check_coverage(difficulties, comparisons.frame["instruction"], difficulties_path, quiet)
    features = resolve_features(feature_specs or ("style",), scoring, quiet=quiet)
    trees = resolve_features(tree_specs, scoring, quiet=quiet) if tree_specs else None
    if not quiet:
        for source, layout in comparisons.formats.items():
            click.echo(f"read {source}: {layout}", err=True)
        if comparisons.skipped:
            file, row, why = comparisons.skipped[0]
            click.echo(f"skipped {len(comparisons.skipped)} rows (first: {file} row {row}: {why}); "
                       "all are listed in the JSON", err=True)
    result = win_rates(comparisons.frame, baseline=baseline, features=features, tree_features=trees,
                       difficulties=difficulties, pooling=pooling, resamples=resamples, seed=seed,
                       progress=not quiet, declared_baselines=comparisons.declared_baselines, length=length)
    settings = {"format": fmt, "features": result.features,
                "difficulties": None if difficulties_path is None else str(difficulties_path),
                "pooling": pooling, "resamples": resamples, "seed": seed}
    written = write_winrate(result, comparisons, out, settings=settings)
    if not quiet:
        from ..winrate.document import load_winrate

        click.echo(format_table(load_winrate(written)))
        for note in result.notes[1:]:
            click.echo(f"note: {note}")
        if result.trees is not None:
            from ..winrate.document import ORIENTATION

            click.echo("\nWhat the judge rewards beyond the controlled features (residual tree; "
                       f"{ORIENTATION})")
            click.echo(result.trees.residual.export_text())
        click.echo(f"wrote {out} and {written}")


def _read(paths: tuple[Path, ...], fmt: str, pairs_path: Any, mapping: str | None, pairs_format: str,
          model_columns: str | None) -> Any:
    from ..winrate import read_comparisons

    if fmt != "judge" and pairs_path is None:
        return read_comparisons(paths, fmt)
    if pairs_path is None:
        raise click.UsageError("--format judge reads verdicts on pairs: give --pairs FILE")
    from ..data import load_judges, load_pairs, parse_mapping
    from ..winrate.judged import comparisons_from_judgments

    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False, pairs_format=pairs_format)
    columns = None if model_columns is None else [c.strip() for c in model_columns.split(",")]
    return comparisons_from_judgments(pairs, load_judges(paths, pairs=pairs), columns)


def _difficulties(path: Path) -> tuple[dict[str, float], tuple[float, float] | None]:
    """δ per instruction from an earlier winrate.json (with its length term φ and scale σ) or an
    instruction,difficulty CSV (δ only)."""
    import math

    import pandas as pd

    from ..data.files import read_table
    from ..errors import InputError

    if path.suffix.lower() == ".json":
        from ..winrate.document import load_winrate

        control = load_winrate(path).get("length_control") or {}
        values = control.get("difficulty_values")
        if not isinstance(values, dict) or not values:
            raise InputError("this winrate.json holds no instruction difficulties (no length control "
                             "was fitted, or its difficulties were not estimated)", path=path)
        phi, spread = control.get("length_coefficient"), control.get("spread_chars")
        if control.get("per_model") or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               and math.isfinite(v) for v in (phi, spread)) or spread <= 0:
            raise InputError("its length term is not one shared coefficient with a positive scale "
                             "(a --pooling run cannot serve as a reference)", path=path)
        length = (float(phi), float(spread))
    else:
        frame = read_table(path).frame
        if {"index", "instruction_difficulty"} <= set(frame.columns):
            raise InputError("this is AlpacaEval's instruction_difficulty.csv: its values enter AlpacaEval's "
                             "GLM with a weight fitted per model, keyed by row position, so their sign and "
                             "scale are not preftree's; give instruction,difficulty (higher = harder) or "
                             "an earlier winrate.json", path=path)
        if not {"instruction", "difficulty"} <= set(frame.columns):
            raise InputError(f"expected columns instruction,difficulty; found {list(frame.columns)}", path=path)
        repeated = frame["instruction"][frame["instruction"].duplicated()]
        if len(repeated):
            raise InputError(f"instruction {str(repeated.iloc[0])[:60]!r} is listed twice", path=path)
        values = dict(zip(frame["instruction"].astype(str), pd.to_numeric(frame["difficulty"], errors="coerce")))
        length = None
    bad = next((k for k, v in values.items() if not isinstance(v, (int, float)) or isinstance(v, bool)
                or not math.isfinite(v) or abs(v) > DIFFICULTY_LIMIT), None)
    if bad is not None:
        raise InputError(f"instruction {bad[:60]!r}: difficulty {values[bad]!r} is not a number within "
                         f"±{DIFFICULTY_LIMIT} (log-odds)", path=path)
    return {str(k): float(v) for k, v in values.items()}, length


def _check_coverage(difficulties: dict[str, float], instructions: Any, path: Path, quiet: bool) -> None:
    """Difficulties must name the instructions rated; the ones they miss count as average (δ = 0)."""
    from ..errors import InputError

    asked = set(map(str, instructions))
    covered = len(asked & set(difficulties))
    if not covered:
        raise InputError(f"names none of the {len(asked)} instructions in the comparisons", path=path)
    if covered < len(asked) and not quiet:
        click.echo(f"note: {path} gives difficulties for {covered} of {len(asked)} instructions; the others "
                   "count as average (δ = 0)", err=True)
