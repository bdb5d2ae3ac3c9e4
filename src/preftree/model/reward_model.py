"""DecisionTreeRewardModel: attribute scores from a reward model, a preference tree on their
differences — RLHFlow's Decision-Tree-Reward model, loadable without remote code or pickles."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._hub import hub_failure
from ..data.judge_files import PAIR_HASH_COLUMN
from ..data.model import PairSet, Prompt
from ..errors import InputError, MissingDependencyError
from ..features.differences import diff_name
from ..scoring.loading import load_scorer
from ..scoring.options import RayOptions, ScoringOptions
from ..scoring.protocol import Scorer
from ..tree import PreferenceTree
from .layout import TREE_FILE, save_model_folder
from .orientation import TREE_LABELS, decide_orientation
from .ranking import Ranking, rank_from_pairwise, symmetric_win_matrix

__all__ = ["TREE_FILE", "DecisionTreeRewardModel"]
"""The tree inside a preftree model folder, in preftree's JSON tree format (never a pickle)."""


def _locate(source: str | Path, filename: str, revision: str | None) -> Path:
    """A tree file: a path, a file in a local folder, or a file of a Hub repository."""
    path = Path(source).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        if not (path / filename).exists():
            raise InputError(f"no {filename} in {path}")
        return path / filename
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as exc:  # pragma: no cover - comes with transformers
        raise MissingDependencyError("fetching a tree from the Hub needs preftree[hf]") from exc
    try:
        return Path(hf_hub_download(str(source), filename, revision=revision))
    except Exception as exc:  # huggingface_hub raises many types: validation, 404, offline, auth
        raise hub_failure(exc, f"cannot fetch {filename!r} from {str(source)!r}: no such file or "
                               "folder here, nor on the Hub") from None


class DecisionTreeRewardModel:
    """A reward model whose verdict between two responses comes from a small decision tree.

    The model rates each response on K attributes; the tree reads the differences
    Δ = rating(response2) − rating(response1) and gives P(response2 better).
    """

    def __init__(self, scorer: Scorer, tree: PreferenceTree | None = None) -> None:
        self.scorer = scorer
        self.tree: PreferenceTree | None = None
        if tree is not None:
            self.set_tree(tree)

    @classmethod
    def from_pretrained(cls, model: str | Path, options: ScoringOptions | None = None, *,
                        ray: RayOptions | None = None, torch_dtype: Any = None,
                        dtype: str | None = None, device: str | None = None,
                        **settings: Any) -> DecisionTreeRewardModel:
        """Load from a Hub id or a folder (the seed's layout or preftree's; no remote code).

        A preftree folder's ``preftree_tree.json`` is loaded with it; the seed's
        ``decision_tree.pkl`` is a pickle and needs :meth:`load_decision_tree` with
        ``trust_pickle=True``. ``torch_dtype`` is accepted as in transformers.
        """
        if torch_dtype is not None:
            dtype = str(torch_dtype).removeprefix("torch.")
        if dtype is not None:  # else the model catalogue's, or auto
            settings["dtype"] = dtype
        if device is not None:
            settings["device"] = device
        scorer = load_scorer(model, options, ray=ray, **settings)
        tree = None
        if scorer.checkpoint is not None and (scorer.checkpoint.path / TREE_FILE).exists():
            tree = PreferenceTree.load(scorer.checkpoint.path / TREE_FILE)
        return cls(scorer, tree)

    @property
    def attributes(self) -> list[str]:
        return self.scorer.attributes

    @property
    def feature_names(self) -> list[str]:
        """The tree's expected inputs: one difference per attribute, in attribute order."""
        return [diff_name(a) for a in self.attributes]

    def set_tree(self, tree: PreferenceTree) -> None:
        """Use ``tree``; its features must be exactly this model's attribute differences."""
        names = list(tree.feature_names_)
        if names != self.feature_names:
            raise InputError(f"the tree's features {names} do not match the model's attributes "
                             f"{self.attributes} (expected features {self.feature_names})")
        self.tree = tree

    def load_decision_tree(self, source: str | Path | None = None, filename: str = "decision_tree.pkl",
                           *, trust_pickle: bool = False, revision: str | None = None,
                           tree_labels: str = "auto") -> PreferenceTree:
        """Load the tree from a Hub repository, a folder or a file (the seed's call shape).

        A ``.json`` file is preftree's format; anything else is a pickled scikit-learn tree, read
        only with ``trust_pickle=True`` and converted to preftree's tree at once (features named
        after the attributes when the pickle stores none). Which response its class 1 prefers is
        decided by probing the tree (:mod:`preftree.model.orientation`), or stated with
        ``tree_labels="first"|"second"``; the decision is in ``tree.metadata_``.
        """
        if source is None:
            if self.scorer.checkpoint is None:
                raise InputError("give the repository or folder that holds the tree")
            source = self.scorer.checkpoint.path
        local = Path(source).expanduser()
        if local.is_dir() and not (local / filename).exists():
            raise InputError(f"no tree in {local}: neither {filename} nor a preftree tree file; "
                             "pass the tree (--tree FILE) or fit one with `preftree fit-tree`")
        if not trust_pickle and not str(filename).endswith(".json") and not str(source).endswith(".json"):
            # refuse before downloading or opening anything, naming the file the user gave
            shown = local if local.is_file() else (local / filename if local.is_dir()
                                                   else f"{source}:{filename}")
            return self._set(PreferenceTree.from_pickle(shown, trust_pickle=False))
        path = _locate(source, filename, revision)
        if path.suffix == ".json":
            return self._set(PreferenceTree.load(path))
        if tree_labels not in TREE_LABELS:
            raise InputError(f"tree_labels must be one of {', '.join(TREE_LABELS)}, got {tree_labels!r}")
        return self._set(PreferenceTree.from_pickle(
            path, trust_pickle=trust_pickle, default_feature_names=self.feature_names,
            orientation=lambda tree: decide_orientation(tree, tree_labels)))

    def _set(self, tree: PreferenceTree) -> PreferenceTree:
        self.set_tree(tree)
        return tree

    def _fitted_tree(self) -> PreferenceTree:
        if self.tree is None:
            raise InputError("this model has no decision tree yet: call load_decision_tree(...) or "
                             "fit one with `preftree fit-tree`")
        return self.tree

    def _diffs(self, first: np.ndarray, second: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(np.atleast_2d(second - first), columns=self.feature_names)

    def _proba(self, diffs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """P(response_1 better) and P(response_2 better) per row (ties, if modelled, left out)."""
        tree = self._fitted_tree()
        proba = tree.predict_proba(diffs)
        classes = list(tree.classes_)

        def pick(c: int) -> np.ndarray:
            return proba[:, classes.index(c)] if c in classes else np.zeros(len(proba))
        return pick(-1), pick(1)

    def compare(self, prompt: Prompt, response1: str, response2: str, tokenizer: Any = None,
                device: Any = None) -> dict[str, Any]:
        """The seed's ``compare``: attribute rewards of both responses and the tree's verdict.

        Returns ``attributes``, ``rewards`` (2 × K), ``preference`` — **0 if response1 is better,
        1 if response2** — ``probability`` (P(response2 better) at the leaf), the unambiguous
        ``preferred`` (1 or 2) and ``probability_response1``, and ``explanation`` (the decision
        path). ``tokenizer`` and ``device`` are accepted so code written for the original model
        runs unchanged; the model's own are used.

        Source of the ``preference`` convention: the usage example on RLHFlow's model cards
        (``RLHFlow/Decision-Tree-Reward-Llama-3.1-8B``, ``-Gemma-2-27B``) and in
        ``decision_tree/README.md`` of ``RLHFlow/RLHF-Reward-Modeling`` compares two answers to the
        apples prompt where response1 is the correct one (its helpfulness and correctness rewards
        are higher) and prints ``output["preference"]`` as ``0``. The model's own ``compare`` lives
        in remote code on the Hub and could not be read here; preftree follows that printed
        example. (The blog's label y = 𝕀(a¹ ≻ a²) is the tree's training target, not this output.)
        """
        rewards = self.scorer.score([prompt, prompt], [response1, response2])
        diffs = self._diffs(rewards[0], rewards[1])
        p_first, p_second = self._proba(diffs)
        second_wins = bool(p_second[0] > p_first[0])
        return {"attributes": self.attributes, "rewards": rewards,
                "preference": int(second_wins), "probability": float(p_second[0]),
                "preferred": 2 if second_wins else 1, "probability_response1": float(p_first[0]),
                "explanation": self._fitted_tree().explain(diffs)[0]}

    def compare_pairs(self, pairs: PairSet) -> pd.DataFrame:
        """Verdicts for many pairs, batched through the scoring engine and its cache.

        Columns: ``id``, ``preference`` (-1 = response_1 better, +1 = response_2, preftree's signed
        convention, so the file works as a judge file), ``probability`` (P(response_2 better)),
        ``pair_sha`` (the pair's fingerprint, checked when the file is read as a judge file) and
        ``<attr>_1`` / ``<attr>_2``.
        """
        from ..scoring.pairs import score_pairs

        frame = score_pairs(self.scorer, pairs)
        first = frame[[f"{a}_1" for a in self.attributes]].to_numpy()
        second = frame[[f"{a}_2" for a in self.attributes]].to_numpy()
        p_first, p_second = self._proba(self._diffs(first, second))
        verdicts = pd.DataFrame({"id": frame["id"], "preference": np.where(p_second > p_first, 1, -1),
                                 "probability": p_second,
                                 PAIR_HASH_COLUMN: [pair.fingerprint() for pair in pairs]})
        result = pd.concat([verdicts, frame.drop(columns="id")], axis=1)
        result.attrs = frame.attrs
        return result

    def rank(self, prompt: Prompt, responses: Sequence[str]) -> Ranking:
        """Best-of-n: order the responses by pairwise wins, then expected win rate.

        Every ordered pair (i, j) goes through the tree; the two orders are averaged, so the
        ranking does not depend on which response is shown first. A tie leaf counts half.
        """
        if len(responses) == 0:
            raise InputError("rank needs at least one response")
        return self.rank_rewards(self.scorer.score([prompt] * len(responses), list(responses)))

    def _wins(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(first wins) and P(second wins) per row, a tie leaf's share split evenly."""
        p_first, p_second = self._proba(self._diffs(first, second))
        tie_half = 0.5 * (1.0 - p_first - p_second)
        return p_first + tie_half, p_second + tie_half

    def rank_rewards(self, rewards: np.ndarray) -> Ranking:
        """:meth:`rank` from already computed attribute rewards ``(n, K)``."""
        n = len(rewards)
        rows, cols = np.where(~np.eye(n, dtype=bool))
        second_wins = np.full((n, n), 0.5)
        if len(rows):
            second_wins[rows, cols] = self._wins(rewards[rows], rewards[cols])[1]
        return rank_from_pairwise(symmetric_win_matrix(second_wins))

    def win_probability(self, rewards_a: np.ndarray, rewards_b: np.ndarray) -> np.ndarray:
        """P(b beats a) per row, averaged over both presentation orders (a tie leaf counts half)."""
        return 0.5 * (self._wins(rewards_a, rewards_b)[1] + self._wins(rewards_b, rewards_a)[0])

    def save_pretrained(self, folder: str | Path, *, force: bool = False) -> Path:
        """Write preftree's layout: a standard transformers folder (backbone, biased linear head,
        ``id2label``, tokenizer with its chat template) plus ``preftree_tree.json``. A non-empty
        folder preftree did not write is refused unless ``force`` (nothing in it is overwritten)."""
        from ..scoring.scorer import RewardScorer

        if not isinstance(self.scorer, RewardScorer):
            raise InputError("only a model loaded in this process can be saved (not an ensemble or a "
                             "Ray pool): load it with --engine local")
        return save_model_folder(self.scorer, self.tree, Path(folder), force=force)

    def push_to_hub(self, repo_id: str, *, private: bool | None = None, api: Any = None,
                    commit_message: str = "Upload preftree decision-tree reward model") -> Any:
        """Save to a temporary folder and upload it; the token comes from ``HF_TOKEN`` / the HF login.

        ``api`` is a ``huggingface_hub.HfApi`` (default: a new one), injectable for tests.
        """
        if api is None:
            from huggingface_hub import HfApi

            api = HfApi()
        with tempfile.TemporaryDirectory() as tmp:
            folder = self.save_pretrained(Path(tmp) / "model")
            api.create_repo(repo_id, private=private, exist_ok=True)
            return api.upload_folder(folder_path=str(folder), repo_id=repo_id,
                                     commit_message=commit_message)
