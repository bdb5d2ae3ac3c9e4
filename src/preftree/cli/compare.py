"""``preftree compare``: the decision-tree reward model's verdict on one pair, or on a pairs file."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from ..data import load_pairs, parse_mapping
from .score import build_scorer_options, model_option, scoring_options

__all__ = ["compare"]


@click.command()
@model_option
@scoring_options
@click.option("--tree", "tree_path", help="Tree file (preftree JSON, or a pickle with --trust-pickle) "
                                          "or a Hub repo holding decision_tree.pkl. Default: the "
                                          "model folder's own tree.")
@click.option("--tree-filename", default="decision_tree.pkl", show_default=True,
              help="File name of the tree inside --tree when it is a repo or folder.")
@click.option("--trust-pickle", is_flag=True, help="Allow unpickling the tree (runs code from it).")
@click.option("--prompt", help="The prompt of a single comparison.")
@click.option("--response1", help="First response.")
@click.option("--response2", help="Second response.")
@click.option("--pairs", "pairs_path", type=click.Path(path_type=Path), help="Compare every pair here.")
@click.option("--map", "mapping", help="Column mapping for --pairs.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --pairs: verdicts file (.parquet, .csv, .jsonl); usable as a judge file.")
@click.option("--json", "as_json", is_flag=True, help="Print the single comparison as JSON.")
@click.option("--quiet", is_flag=True)
def compare(model: str, tree_path: str | None, tree_filename: str, trust_pickle: bool,
            prompt: str | None, response1: str | None, response2: str | None,
            pairs_path: Path | None, mapping: str | None, out: Path | None, as_json: bool,
            quiet: bool, **options: object) -> None:
    """Which response is better, by the decision-tree reward model, and why."""
    from ..model import DecisionTreeRewardModel
    from ..scoring import write_scores

    single = (prompt, response1, response2)
    if pairs_path is None and None in single:
        raise click.UsageError("give --prompt, --response1 and --response2, or --pairs FILE --out FILE")
    if pairs_path is not None and out is None:
        raise click.UsageError("--pairs needs --out FILE")
    reward_model = DecisionTreeRewardModel.from_pretrained(
        model, **build_scorer_options(quiet=quiet or pairs_path is None, **options))  # type: ignore[arg-type]
    if tree_path is not None:
        reward_model.load_decision_tree(tree_path, tree_filename, trust_pickle=trust_pickle)
    elif reward_model.tree is None:
        reward_model.load_decision_tree(None, tree_filename, trust_pickle=trust_pickle)
    if pairs_path is not None:
        assert out is not None
        verdicts = reward_model.compare_pairs(load_pairs(pairs_path, mapping=parse_mapping(mapping)))
        write_scores(verdicts, out)
        if not quiet:
            share = float(np.mean(verdicts["preference"] == 1))
            click.echo(f"{len(verdicts)} pairs: response_2 preferred in {share:.1%}; wrote {out}")
        return
    result = reward_model.compare(prompt, response1, response2)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps({**result, "rewards": result["rewards"].tolist()}, indent=2))
        return
    better = "response1" if result["preference"] == 0 else "response2"
    click.echo(f"{better} is better (P(response2 better) = {result['probability']:.2f})")
    click.echo(f"why: {result['explanation']}")
    click.echo(f"{'attribute':<16}{'response1':>11}{'response2':>11}")
    for name, first, second in zip(result["attributes"], *result["rewards"]):
        click.echo(f"{name:<16}{first:>11.3f}{second:>11.3f}")
