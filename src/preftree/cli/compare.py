"""``preftree compare``: the decision-tree reward model's verdict on one pair, or on a pairs file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ._options import (
    F,
    build_scorer_options,
    echo,
    model_option,
    pairs_options,
    quiet_option,
    replace_option,
    revision_option,
    scoring_options,
)

__all__ = ["compare", "say_orientation", "tree_options"]


def say_orientation(tree: object, quiet: bool) -> None:
    """Print how a foreign tree's labels were read (on stderr, so --json stays clean)."""
    meta = getattr(tree, "metadata_", {}) or {}
    if "tree_labels" in meta and not quiet:
        echo(f"tree read with --tree-labels {meta['tree_labels']} "
                   f"({meta['tree_labels_decided_by']})", err=True)


def tree_options(function: F) -> F:
    """``--tree``, ``--tree-filename`` and ``--trust-pickle`` (compare and rewardbench)."""
    options = [
        click.option("--tree", "tree_path",
                     help="Tree file (preftree JSON, or a pickle with --trust-pickle) or a Hub repo "
                          "holding decision_tree.pkl. Default: the model folder's own tree."),
        click.option("--tree-filename", default="decision_tree.pkl", show_default=True,
                     help="File name of the tree inside --tree when it is a repo or folder."),
        click.option("--trust-pickle", is_flag=True,
                     help="Allow unpickling the tree (runs code from it)."),
        click.option("--tree-labels", default="auto", show_default=True,
                     type=click.Choice(["auto", "first", "second"]),
                     help="What a pickled tree's class 1 means: first = the response whose rating "
                          "comes first in the difference is better (RLHFlow's blog); auto decides "
                          "by probing the tree and stops when it cannot tell."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command()
@model_option
@revision_option
@scoring_options
@tree_options
@click.option("--prompt", help="The prompt of a single comparison.")
@click.option("--response-1", "response1", help="First response of a single comparison.")
@click.option("--response-2", "response2", help="Second response of a single comparison.")
@pairs_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --pairs: verdicts file (.parquet, .csv, .jsonl); usable as a judge file.")
@click.option("--json", "as_json", is_flag=True, help="Print the single comparison as JSON.")
@quiet_option
@replace_option
def compare(model: str, tree_path: str | None, tree_filename: str, trust_pickle: bool,
            tree_labels: str,
            prompt: str | None, response1: str | None, response2: str | None,
            pairs_path: Path | None, mapping: str | None,
          pairs_format: str, out: Path | None, as_json: bool,
            quiet: bool, **options: Any) -> None:
    """Which response is better, by the decision-tree reward model, and why."""
    single = {"--prompt": prompt, "--response-1": response1, "--response-2": response2}
    if pairs_path is not None:
        given = [name for name, value in single.items() if value is not None]
        if given or as_json:
            raise click.UsageError(f"{', '.join(given + (['--json'] if as_json else []))} "
                                   "cannot be used with --pairs (one comparison or a file)")
        if out is None:
            raise click.UsageError("--pairs needs --out FILE")
    else:
        if None in single.values():
            raise click.UsageError("give --prompt, --response-1 and --response-2, or --pairs FILE "
                                   "--out FILE")
        if out is not None or mapping is not None:
            raise click.UsageError("--out and --map go with --pairs")
    from ..data import load_pairs, parse_mapping
    from ..model import DecisionTreeRewardModel
    from ..scoring import write_scores
    from ..scoring.pairs import check_scores_output

    if out is not None:
        check_scores_output(out, [pairs_path, model, tree_path, options.get("cache_path")])
    settings = build_scorer_options(quiet=quiet or pairs_path is None, **options)
    reward_model = DecisionTreeRewardModel.from_pretrained(model, settings.options, ray=settings.ray)
    if tree_path is not None or reward_model.tree is None:
        reward_model.load_decision_tree(tree_path, tree_filename, trust_pickle=trust_pickle,
                                        tree_labels=tree_labels)
        say_orientation(reward_model.tree, quiet)
    if pairs_path is not None:
        assert out is not None
        pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False,
                       pairs_format=pairs_format)
        verdicts = reward_model.compare_pairs(pairs)
        write_scores(verdicts, out)
        if not quiet:
            share = float((verdicts["preference"] == 1).mean())
            echo(f"{len(verdicts)} pairs: response_2 preferred in {share:.1%}; wrote {out}")
        return
    assert prompt is not None and response1 is not None and response2 is not None  # checked above
    result = reward_model.compare(prompt, response1, response2)
    if as_json:
        echo(json.dumps({**result, "rewards": result["rewards"].tolist()}, indent=2))
        return
    better = "response 1" if result["preference"] == 0 else "response 2"
    echo(f"{better} is better (P(response 2 better) = {result['probability']:.2f})")
    echo(f"why: {result['explanation']}")
    echo(f"{'attribute':<16}{'response 1':>11}{'response 2':>11}")
    for name, first, second in zip(result["attributes"], *result["rewards"]):
        echo(f"{name:<16}{first:>11.3f}{second:>11.3f}")
