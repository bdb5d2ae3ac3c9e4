"""``preftree explain``: one decision tree per judge over feature differences."""

from __future__ import annotations

from pathlib import Path

import click

from ..data import JudgmentSet, PairSet, load_judges, load_pairs, parse_mapping
from ..data.labels import LABEL_FORMATS
from ..explain import ExplainConfig, explain as run_explain, format_result, write_outputs

__all__ = ["depth_option", "explain", "run_and_write"]


def depth_option(value: str) -> int | str:
    """Parse ``--max-depth``: a positive integer or ``auto``."""
    if value == "auto":
        return "auto"
    try:
        depth = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a positive integer or 'auto'") from None
    if depth < 1:
        raise click.BadParameter(f"{value!r} is not a positive integer or 'auto'")
    return depth


def run_and_write(pairs: PairSet, judges: list[JudgmentSet], features: list[str],
                  config: ExplainConfig, out: Path, quiet: bool, include_label: bool,
                  report: Path | None = None) -> None:
    """Run explain, write its files (and the report), print the summary (``explain`` and ``demo``)."""
    result = run_explain(pairs, judges, features, config, include_label=include_label,
                         progress=None if not quiet else False)
    write_outputs(result, out)
    if report is not None:
        from ..report import write_report

        write_report(str(out), str(report), "md" if report.suffix.lower() == ".md" else "html")
    if not quiet:
        click.echo(format_result(result))
        click.echo(f"\nwrote {out}/" + (f" and {report}" if report is not None else ""))


@click.command()
@click.option("--pairs", "pairs_path", type=click.Path(path_type=Path),
              help="Pairs file (JSONL, JSON, CSV, Parquet): id, prompt, response_1, response_2, ...")
@click.option("--preset", type=click.Choice(["helpsteer2-llm-judges"]),
              help="Load pairs, ratings and judges from the Hub instead of --pairs/--judge.")
@click.option("--preset-split", default="validation", show_default=True,
              type=click.Choice(["train", "validation", "all"]))
@click.option("--hub-root", type=click.Path(path_type=Path),
              help="Read preset repositories from this local folder instead of the Hub.")
@click.option("--judge", "judge_paths", multiple=True, type=click.Path(path_type=Path),
              help="Judge file or folder of judge files (RLHFlow layout); repeatable.")
@click.option("--label-column", help="Column holding the gold/human preference (default: 'label').")
@click.option("--label-format", default="auto", show_default=True,
              type=click.Choice(["auto", *LABEL_FORMATS]), help="Format of the label column.")
@click.option("--label-name", default="label", show_default=True,
              help="Name the label goes by in tables (e.g. human, gold).")
@click.option("--map", "mapping", help="Column mapping, e.g. prompt=question,response_1=response_A")
@click.option("--features", "feature_specs", multiple=True,
              help="Feature spec: style | columns:NAME[,NAME] | scores:FILE | model:PATH; repeatable. "
                   "Default: style (or the preset's ratings).")
@click.option("--max-depth", default="3", show_default=True, callback=lambda c, p, v: depth_option(v),
              help="Tree depth, or 'auto' to choose 1-6 by cross-validation.")
@click.option("--bootstrap", default=100, show_default=True, type=click.IntRange(min=1),
              help="Bootstrap refits for importance intervals.")
@click.option("--cv", default=5, show_default=True, type=click.IntRange(min=2), help="CV folds.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--ties", default="drop", show_default=True, type=click.Choice(["drop", "class"]))
@click.option("--symmetric/--no-symmetric", default=False, show_default=True,
              help="Also fit every pair mirrored, making the tree order-free.")
@click.option("--explain-label/--no-explain-label", default=False, show_default=True,
              help="Also fit a tree for the pairs' own label (human/gold) next to the judges.")
@click.option("--jobs", default=-1, show_default=True, type=int, help="Threads (-1 = all cores).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also render the report here (.html, or .md with PNG figures).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def explain(pairs_path: Path | None, preset: str | None, preset_split: str, hub_root: Path | None,
            judge_paths: tuple[Path, ...], label_column: str | None, label_format: str,
            label_name: str, mapping: str | None, feature_specs: tuple[str, ...],
            max_depth: int | str, bootstrap: int, cv: int, seed: int, ties: str, symmetric: bool,
            explain_label: bool, jobs: int, out: Path, report_path: Path | None, quiet: bool) -> None:
    """Explain judges' preferences with one decision tree each.

    Writes summary.json, tree.json, importances.csv, leaves.csv and tree.png (one sub-folder per
    judge when there are several, plus agreement.csv and consistency.csv).
    """
    features = list(feature_specs)
    if preset:
        from ..data.hub import PRESET_FEATURES, load_preset

        pairs, judges = load_preset(preset, split=preset_split, hub_root=hub_root)
        features = features or PRESET_FEATURES[preset]
    else:
        if pairs_path is None:
            raise click.UsageError("give --pairs FILE (or --preset NAME)")
        pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), label_column=label_column,
                           label_format=label_format, label_name=label_name)
        judges = load_judges(judge_paths, pairs=pairs)
    config = ExplainConfig(max_depth=max_depth, bootstrap=bootstrap, seed=seed, cv=cv,  # type: ignore[arg-type]
                           ties=ties, symmetric=symmetric, n_jobs=jobs)  # type: ignore[arg-type]
    run_and_write(pairs, judges, features or ["style"], config, out, quiet,
                  explain_label, report_path)
