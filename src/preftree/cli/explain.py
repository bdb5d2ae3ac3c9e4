"""``preftree explain``: one decision tree per judge over feature differences."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from ._options import (
    LABEL_FORMAT_NAMES,
    SEED,
    FiniteFloatRange,
    echo,
    force_option,
    jobs_option,
    pairs_options,
    quiet_option,
    resolve_features,
    revision_option,
    scoring_options,
)
from ._renames import RenamingCommand, old_spelling

if TYPE_CHECKING:
    from ..data import JudgmentSet, PairSet
    from ..explanation import ExplainConfig

__all__ = ["depth_option", "explain", "run_and_write"]

# = preftree.data.labels.LABEL_FORMATS (tested); listed here so --help does not import pandas


def parse_depth(value: str) -> int | str:
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


depth_option = click.option("--max-depth", default="3", show_default=True,
                            callback=lambda c, p, v: parse_depth(v),
                            help="Tree depth, or 'auto' to choose 1-6 by cross-validation.")


def run_and_write(pairs: PairSet, judges: list[JudgmentSet], features: list[str],
                  config: ExplainConfig, out: Path, quiet: bool, include_label: bool,
                  report: Path | None = None, force: bool = False,
                  inputs: tuple[Path, ...] = (), table_only: bool = False,
                  probe_dir: Path | None = None) -> None:
    """Run explain, write its files (and the report), print the summary (``explain`` and ``demo``).

    The output folder is checked before any work; a report inside it is written with the rest, all
    or nothing; one elsewhere is written after. ``inputs`` are further paths the command read
    (judge folders), which no output may be. ``probe_dir`` (a ``preftree probe`` folder) puts each
    probe's effect beside the trees.
    """
    from .._markup import plain_line
    from ..api import explain as run_explain
    from ..explanation import format_result

    result = run_explain(pairs, judges, features, config, include_label=include_label,
                         progress=None if not quiet else False, out=out, report=report,
                         probe_dir=probe_dir, force=force, inputs=inputs)
    if quiet:
        return
    echo(format_result(result, trees=not table_only))
    if probe_dir is not None:
        from ..report.probes import load_probe_document

        probes = load_probe_document(probe_dir)
        from ..probes.text import format_records
        from ..report.probes import probe_effects

        for explanation in result.judges:
            effects = probe_effects(probes, explanation)
            if effects:
                echo(f"\nprobes beside the tree of {plain_line(explanation.judge)} ({probe_dir}):")
                echo(format_records(effects))
    echo(f"\nwrote {out}/" + (f" and {report}" if report is not None else ""))


def depth_value(value: int | str) -> int | Literal["auto"]:
    """A ``--max-depth`` value as the estimators take it."""
    return "auto" if value == "auto" else int(value)


@click.command(cls=RenamingCommand)
@pairs_options
@click.option("--preset", type=click.Choice(["helpsteer2-llm-judges"]),
              help="Load pairs, ratings and judges from the Hub instead of --pairs/--judge.")
@click.option("--preset-split", default="validation", show_default=True,
              type=click.Choice(["train", "validation", "all"]), help="Split of the --preset.")
@click.option("--hub-root", type=click.Path(path_type=Path),
              help="Read preset repositories from this local folder instead of the Hub.")
@click.option("--probe-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A `preftree probe` output folder: its probe effects go beside each judge's "
                   "tree importances (summary and report).")
@click.option("--judge", "judge_paths", multiple=True, type=click.Path(path_type=Path),
              help="Judge file or folder of judge files (RLHFlow layout); repeatable.")
@click.option("--judge-column", "judge_columns", multiple=True,
              help="A label column of the pairs file to explain as a judge (e.g. PandaLM's "
                   "annotator1); repeatable.")
@click.option("--label-column", help="Column holding the gold/human preference (default: 'label').")
@click.option("--label-format", default="auto", show_default=True,
              type=click.Choice(["auto", *LABEL_FORMAT_NAMES]), help="Format of the label column.")
@click.option("--label-map", help="The label's coding, stated: VALUE=MEANING,... with MEANING one of "
                                 "response_1, response_2, tie, e.g. 0=response_1,1=response_2,2=tie "
                                 "(Auto-J). Also read for --judge-column columns.")
@click.option("--label-name", default="label", show_default=True,
              help="Name the label goes by in tables (e.g. human, gold).")
@click.option("--features", "feature_specs", multiple=True,
              help="Feature spec: style | columns:NAME[,NAME] | scores:FILE | model:PATH; repeatable. "
                   "Default: style (or the preset's ratings).")
@scoring_options
@revision_option
@depth_option
@click.option("--resamples", "bootstrap", default=100, show_default=True, type=click.IntRange(min=1),
              help="Bootstrap resamples of the pairs (each a refit) for the importance intervals.")
@old_spelling("--bootstrap", "--resamples", "bootstrap", type=click.IntRange(min=1))
@click.option("--cv", default=5, show_default=True, type=click.IntRange(min=2), help="CV folds.")
@click.option("--seed", default=0, show_default=True, type=SEED,
              help="Random seed (folds, bootstrap resamples).")
@click.option("--min-leaf", default=0.01, show_default=True, type=FiniteFloatRange(min=0, min_open=True),
              help="Smallest leaf: a share of the pairs (below 1) or a number of pairs (1 or more).")
@click.option("--by", "by", metavar="COLUMN",
              help="Also fit one tree per group of this pairs column (task type, scenario, "
                   "source) and test whether each feature's effect differs across groups.")
@click.option("--min-group", default=20, show_default=True, type=click.IntRange(min=2),
              help="--by: pairs with a preference a group needs for a tree of its own.")
@click.option("--permutations", default=1000, show_default=True, type=click.IntRange(min=19),
              help="--by: permutations of the test whether an effect differs across groups.")
@click.option("--ties", default="drop", show_default=True, type=click.Choice(["drop", "class"]),
              help="drop: leave 'no preference' verdicts out; class: model them as a third class.")
@click.option("--symmetric/--no-symmetric", default=False, show_default=True,
              help="Also fit every pair mirrored, making the tree order-free.")
@click.option("--explain-label/--no-explain-label", default=False, show_default=True,
              help="Also fit a tree for the pairs' own label (human/gold) next to the judges.")
@jobs_option
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@force_option
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also render the report here (.html, or .md with PNG figures).")
@quiet_option
@click.option("--table-only", is_flag=True,
              help="With several judges, print the ranked table without each judge's tree.")
def explain(pairs_path: Path | None, mapping: str | None, pairs_format: str, preset: str | None,
            preset_split: str,
            hub_root: Path | None, judge_paths: tuple[Path, ...], judge_columns: tuple[str, ...],
            label_column: str | None,
            label_format: str, label_map: str | None, label_name: str, feature_specs: tuple[str, ...],
            max_depth: int | str, bootstrap: int, cv: int, seed: int, min_leaf: float,
            by: str | None, min_group: int, permutations: int, ties: str,
            symmetric: bool,
            explain_label: bool, jobs: int, out: Path, force: bool, report_path: Path | None,
            quiet: bool, table_only: bool, probe_dir: Path | None, **scoring: Any) -> None:
    """Explain judges' preferences with one decision tree each.

    Writes summary.json, tree.json, importances.csv, leaves.csv and tree.png (one sub-folder per
    judge when there are several, plus agreement.csv and consistency.csv).
    """
    from .._markup import plain_line
    from ..data import judges_from_columns, load_judges, load_pairs, parse_mapping
    from ..explanation import ExplainConfig

    features = resolve_features(feature_specs, scoring, quiet=quiet)
    if preset:
        if pairs_path is not None or judge_paths or mapping or judge_columns:
            raise click.UsageError("--preset loads pairs and judges itself: drop --pairs, --judge "
                                   "and --map")
        from ..data.hub import PRESET_FEATURES, load_preset

        pairs, judges = load_preset(preset, split=preset_split, hub_root=hub_root)
        features = features or PRESET_FEATURES[preset]
    else:
        if pairs_path is None:
            raise click.UsageError("give --pairs FILE (or --preset NAME)")
        specs = [f if isinstance(f, str) else "model" for f in features or ["style"]]
        # Features from the file alone (style, rating columns, a scores file), no judge file to
        # check against the texts: the pairs are streamed into columns, texts not kept
        by_features = not judge_paths and all(s == "style" or s.startswith(("columns:", "scores:")) for s in specs)
        pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), label_column=label_column,
                           label_format=label_format, label_name=label_name,
                           pairs_format=pairs_format, label_map=label_map, keep_texts=not by_features,
                           features=specs)
        judges = load_judges(judge_paths, pairs=pairs)
        judges += judges_from_columns(pairs, judge_columns, label_map=label_map)
        embedded = list(pairs.judges)  # an AnnotatedPairs file's own annotators
        if pairs.skipped_counts and not quiet:
            reasons = "; ".join(f"{n} × {why}" for why, n in pairs.skipped_counts.items())
            echo(plain_line(f"note: {pairs.source}: left out {reasons}"), err=True)
        unchecked = sorted({str(j.source) for j in judges if j.checked is None})
        if unchecked and not quiet:
            shown = ", ".join(Path(s).name for s in unchecked[:3]) + (", ..." if len(unchecked) > 3 else "")
            echo(f"note: {len(unchecked)} judge file(s) ({shown}) carry no pair hashes "
                       "(pair_sha), so preftree cannot check that their verdicts were made on "
                       "these texts in this orientation", err=True)
        for note in dict.fromkeys(j.note for j in judges if j.note and not quiet):
            echo(plain_line(f"note: {note}"), err=True)
        for subset in (j for j in judges if j.n_outside and not quiet):
            echo(plain_line(f"note: judge {subset.judge!r}: {subset.n_outside} verdicts are on pairs "
                                  f"outside {pairs.source or 'the pairs'} and are left out; its {len(subset)} "
                                  "verdicts on these pairs are used"), err=True)
        judges = [*embedded, *judges]
        for partial in (j for j in judges if j.checked and j.n_unchecked and not quiet):
            echo(f"note: {partial.n_unchecked} of {len(partial)} verdicts of judge "
                       f"{partial.judge!r} carry no pair hash (pair_sha) and could not be checked "
                       "against these texts; the others were", err=True)
    config = ExplainConfig(max_depth=depth_value(max_depth), bootstrap=bootstrap,
                           seed=seed, cv=cv, ties="class" if ties == "class" else "drop",
                           symmetric=symmetric, n_jobs=jobs, min_leaf=min_leaf,
                           by=by, min_group=min_group, permutations=permutations)
    run_and_write(pairs, judges, features or ["style"], config, out, quiet,
                  explain_label, report_path, force, judge_paths, table_only=table_only,
                  probe_dir=probe_dir)
