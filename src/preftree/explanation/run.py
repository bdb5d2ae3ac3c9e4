"""Explain a set of judges: one tree each (and one per group with ``by``), their agreement with
the label and with each other, and position consistency. The orchestration above the per-judge
analysis (:mod:`.analysis`) and the group analysis (:mod:`.groups`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._progress import progress_bar
from ..data.model import JudgmentSet, PairSet
from ..errors import InputError
from ..features.differences import FeatureTable, build_features
from ..features.sources import FeatureSource
from .agreement import (
    agreement_matrix,
    consistency_table,
    kappa_matrix,
    label_agreement,
)
from .analysis import ExplainConfig, ExplainResult, explain_judge
from .groups import explain_by_group

__all__ = ["explain"]


def explain(pairs: PairSet, judges: Sequence[JudgmentSet], features: Sequence[str | FeatureSource]
            | FeatureTable, config: ExplainConfig | None = None, *,
            include_label: bool = False, progress: bool | None = None) -> ExplainResult:
    """Explain every judge (or, with none, the pairs' own labels) with one tree each.

    The pairs' gold/human label, when present, joins the agreement table as one more judge and
    each judge's agreement with it is recorded in its summary; with ``include_label`` it also gets
    a tree of its own next to the judges' (the seed's "human" tree).
    """
    config = config or ExplainConfig()
    if config.by is not None and config.by not in pairs.metadata_columns():
        raise InputError(f"--by {config.by!r}: not a column of the pairs; columns: "
                         f"{', '.join(pairs.metadata_columns()) or 'none'}", path=pairs.source)
    table = features if isinstance(features, FeatureTable) else build_features(pairs, features)
    label_set = pairs.as_judgments() if pairs.has_labels else None
    targets = list(judges)
    if not targets:
        if label_set is None:
            raise InputError("nothing to explain: give --judge files, or pairs with a label column "
                             "(--label-column)", path=pairs.source)
        targets = [label_set]
    elif include_label and label_set is not None:
        targets.append(label_set)
    explanations = []
    quiet = None if progress is None else not progress  # None: bar only on a terminal
    for verdicts in progress_bar(targets, desc="judges", unit="judge", disable=quiet):
        explanation = explain_judge(table, verdicts, config)
        if config.by is not None:
            explanation.by = explain_by_group(table, verdicts, pairs, config.by, config,
                                              pooled=explanation, min_group=config.min_group,
                                              permutations=config.permutations)
        if label_set is not None and verdicts is not label_set:
            figures = label_agreement(verdicts, label_set.preferences())
            if figures["n"]:
                explanation.extra["agreement_with_label"] = figures.pop("agreement")
                explanation.extra["n_with_label"] = figures.pop("n")
                explanation.extra.update(figures)
        explanations.append(explanation)
    everyone = list(judges) + ([label_set] if label_set is not None and judges else [])
    if not everyone:
        everyone = targets
    shares, counts = agreement_matrix(everyone)
    decided, decided_counts = agreement_matrix(everyone, decided_only=True)
    consistency = consistency_table(list(judges))
    for explanation, row in zip(explanations, consistency.to_dict("records")):
        if row["n_both_orders"]:
            explanation.extra["consistency"] = row["consistency"]
            explanation.extra["prefers_first_shown"] = row["prefers_first_shown"]
    from .traits import trait_examples, trait_metrics, trait_metrics_by_group, trait_table

    traits = trait_table(pairs, table)
    metrics = trait_metrics(traits, everyone) if traits is not None else pd.DataFrame()
    examples = trait_examples(pairs, traits, everyone, metrics) if traits is not None else {}
    by_group = trait_metrics_by_group(traits, everyone, pairs, config.by) \
        if traits is not None and config.by is not None else pd.DataFrame()
    return ExplainResult(pairs, table, explanations, shares, counts, consistency, config,
                         label_judge=label_set.judge if label_set is not None else None,
                         judge_sources=sorted({j.source for j in judges if j.source}),
                         agreement_decided=decided, agreement_decided_counts=decided_counts,
                         kappa=kappa_matrix(everyone), trait_metrics=metrics, trait_examples=examples,
                         trait_groups=by_group)
