"""An ensemble of reward models scored as one model (MetaMetrics-RM-style): a spec file names the
members, how each member's score is normalised, and the weights of the calibrated combination.

```json
{"name": "my-ensemble",
 "members": [{"model": "Skywork/Skywork-Reward-Gemma-2-27B-v0.2", "weight": 0.6,
              "normalize": {"mean": -1.2, "std": 4.1}},
             {"model": "infly/INF-ORM-Llama3.1-70B", "weight": 0.4, "attribute": "reward",
              "options": {"head": "mlp"}}],
 "bias": 0.0}
```

reward = bias + Σ weightᵢ · (scoreᵢ − meanᵢ) / stdᵢ. Each member is a :class:`RewardScorer` of
its own, so it is cached under its own key (a second ensemble sharing a member reuses its scores);
the members' normalised scores are kept as features beside the reward.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..data.model import Prompt
from ..errors import InputError
from .chat import conversation
from .checkpoint import is_ensemble_spec
from .options import ScoringOptions
from .scorer import RewardScorer, ScoreRun, ScoreStats, check_finite_scores

if TYPE_CHECKING:
    from .protocol import Scorer

__all__ = ["EnsembleMember", "EnsembleScorer", "is_ensemble_spec", "read_spec"]


@dataclass(frozen=True)
class EnsembleMember:
    """One member: a model, the output it contributes, its normalisation and its weight."""

    model: str
    weight: float
    mean: float = 0.0
    std: float = 1.0
    attribute: str | None = None
    options: dict[str, Any] | None = None
    name: str | None = None


def _number(value: Any, what: str, path: Path) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, found {value!r}", path=path) from None
    if not math.isfinite(number):
        raise InputError(f"{what} must be finite, found {value!r}", path=path)
    return number


TRUST_OPTIONS = ("trust_remote_code", "trust_pickle")
"""Options a file may never set: only the command line or an explicit API argument grants trust."""
MEMBER_OPTIONS = ("head", "attn_implementation", "max_length", "truncation", "dtype", "revision",
                  "batch_tokens", "chat_template", "prefix_sharing")
"""What a member's ``options`` may set (how to read that model), nothing about where to write."""


def _member_options(options: Any, i: int, path: Path) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise InputError(f"member {i}: 'options' must be an object", path=path)
    for key in options:
        if key in TRUST_OPTIONS:
            raise InputError(f"member {i}: a spec file cannot set {key!r}; trust is granted only "
                             "on the command line (--trust-remote-code) or by an explicit API "
                             "argument", path=path)
        if key not in MEMBER_OPTIONS:
            raise InputError(f"member {i}: unknown option {key!r}; a member may set "
                             f"{', '.join(MEMBER_OPTIONS)}", path=path)
    options = dict(options)
    if isinstance(options.get("chat_template"), str):
        options["chat_template"] = str(_relative_to_spec(options["chat_template"], path))
    return options


def _relative_to_spec(model: str, path: Path) -> str:
    """A member given as a relative path is read from the spec's folder, not the working one
    (``./m`` and ``../m`` always; a bare ``org/name`` when that folder exists beside the spec,
    else it is a Hub id)."""
    candidate = path.parent / model
    if Path(model).is_absolute() or "://" in model:
        return model
    if model.startswith(("./", "../")) or candidate.exists():
        return str(candidate)
    return model


def read_spec(path: str | Path) -> tuple[str, list[EnsembleMember], float]:
    """The spec's name, members and bias; every field checked, errors naming the member."""
    path = Path(path)
    from .._inputs import read_json_file

    spec = read_json_file(path, what="ensemble spec")
    if not isinstance(spec, dict):
        raise InputError("an ensemble spec is a JSON object with 'members'", path=path)
    members = spec.get("members")
    if not isinstance(members, list) or not members:
        raise InputError("an ensemble spec needs a non-empty 'members' list", path=path)
    parsed = []
    for i, member in enumerate(members, start=1):
        if not isinstance(member, dict) or not isinstance(member.get("model"), str):
            raise InputError(f"member {i} needs 'model' (a Hub id or folder)", path=path)
        norm = member.get("normalize") or {}
        std = _number(norm.get("std", 1.0), f"member {i}: normalize.std", path)
        if std <= 0:
            raise InputError(f"member {i}: normalize.std must be positive, found {std}", path=path)
        model = _relative_to_spec(member["model"], path)
        if is_ensemble_spec(model):
            raise InputError(f"member {i} ({member['model']}) is itself an ensemble spec; list "
                             "its members here instead (nested specs could refer back)", path=path)
        parsed.append(EnsembleMember(
            model=model, weight=_number(member.get("weight"), f"member {i}: weight", path),
            mean=_number(norm.get("mean", 0.0), f"member {i}: normalize.mean", path), std=std,
            attribute=member.get("attribute"), options=_member_options(member.get("options"), i, path),
            name=member.get("name")))
    names = [m.name or Path(m.model).name for m in parsed]
    if len(set(names)) != len(names):
        raise InputError(f"member names repeat ({names}); give each a distinct 'name'", path=path)
    return str(spec.get("name") or path.stem), parsed, _number(spec.get("bias", 0.0), "bias", path)


class EnsembleScorer:
    """Scores conversations with every member and combines them; used like a :class:`RewardScorer`."""

    checkpoint = None

    def __init__(self, name: str, members: Sequence[EnsembleMember], scorers: Sequence[Scorer],
                 bias: float, source: str) -> None:
        self.members, self.scorers, self.bias = list(members), list(scorers), bias
        self.columns = []
        for member, scorer in zip(self.members, self.scorers):
            names = scorer.attributes
            if member.attribute is None and len(names) > 1:
                raise InputError(f"member {member.model!r} has {len(names)} outputs {names}: name the "
                                 "one it contributes with 'attribute'", path=source)
            if member.attribute is not None and member.attribute not in names:
                raise InputError(f"member {member.model!r} has no output {member.attribute!r}; "
                                 f"outputs: {names}", path=source)
            self.columns.append(0 if member.attribute is None else names.index(member.attribute))
        labels = [m.name or Path(m.model).name for m in self.members]
        self.attributes = ["reward", *labels]
        self.description: dict[str, Any] = {
            "model": name, "backend": "ensemble", "spec": source, "bias": bias, "attributes": self.attributes,
            "members": [{"model": m.model, "weight": m.weight, "mean": m.mean, "std": m.std,
                         "output": s.attributes[c], "member": s.description}
                        for m, s, c in zip(self.members, self.scorers, self.columns)]}
        self.last_stats = ScoreStats()

    @classmethod
    def from_spec(cls, path: str | Path, options: ScoringOptions | None = None, *,
                  load: Callable[[str, ScoringOptions], Scorer] | None = None,
                  **settings: Any) -> EnsembleScorer:
        """Load every member with ``options`` (each member's own ``options`` on top) through
        ``load`` (:func:`~preftree.scoring.load_scorer` passes one that keeps its Ray pool; by
        default each member loads in this process)."""
        name, members, bias = read_spec(path)
        base = (options or ScoringOptions()).with_settings(**settings)
        loader: Callable[[str, ScoringOptions], Scorer] = load or RewardScorer.from_pretrained
        scorers = [loader(m.model, base.with_settings(**(m.options or {}))) for m in members]
        return cls(name, members, scorers, bias, str(path))

    def close(self) -> None:
        for scorer in self.scorers:
            scorer.close()

    def score(self, prompts: Sequence[Prompt], responses: Sequence[str]) -> np.ndarray:
        if len(prompts) != len(responses):
            raise InputError(f"{len(prompts)} prompts but {len(responses)} responses")
        return self.score_conversations([conversation(p, r) for p, r in zip(prompts, responses)]).scores

    def score_conversations(self, conversations: Sequence[Sequence[dict[str, str]]],
                            ids: Sequence[str] | None = None) -> ScoreRun:
        """Each member scores every conversation (through its own cache); the columns are the
        combined reward, then each member's normalised score."""
        normalised, truncated, stats = [], np.zeros(len(conversations), dtype=bool), ScoreStats()
        for member, scorer, column in zip(self.members, self.scorers, self.columns):
            run = scorer.score_conversations(conversations, ids)
            normalised.append((run.scores[:, column] - member.mean) / member.std)
            truncated |= run.truncated
            for key in ("n_texts", "n_distinct", "n_cached", "n_computed", "n_tokens",
                        "n_padded_tokens", "n_batches", "seconds"):
                setattr(stats, key, getattr(stats, key) + getattr(run.stats, key))
            if run.stats.path:
                label = " ".join(str(member.name or Path(member.model).name).split())  # one line
                stats.path += (" | " if stats.path else "") + f"{label}: {run.stats.path}"
        parts = np.column_stack(normalised)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            reward = self.bias + parts @ np.array([m.weight for m in self.members])
        check_finite_scores(np.column_stack([reward, parts]), f"the ensemble {self.description['model']!r}",
                            ids)
        self.last_stats = stats
        return ScoreRun(np.column_stack([reward, parts]), truncated, stats)
