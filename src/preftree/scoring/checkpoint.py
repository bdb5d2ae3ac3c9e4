"""Finding a reward-model checkpoint (local folder or Hub id) and naming what it outputs.

Resolution happens before any weights load: a Hub id goes through ``huggingface_hub`` into the
local snapshot cache, so a Hub model and a local folder take the same loading path afterwards, and
the snapshot's commit becomes the revision the score cache is keyed on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._hub import hub_failure
from ..data.hub import HELPSTEER2_ATTRIBUTES
from ..errors import InputError, MissingDependencyError

__all__ = ["is_ensemble_spec", "DECISION_TREE_ARCHITECTURES", "HELPSTEER2_ATTRIBUTES", "PREFTREE_HEAD_KEY", "Checkpoint", "attribute_names",
           "resolve_checkpoint"]

# RLHFlow's Decision-Tree-Reward checkpoints name a remote-code class in their config. Their layout
# is a standard backbone plus ``score = Linear(hidden, 5, bias=True)`` read at the last token, so
# preftree loads them without running any remote code.
DECISION_TREE_ARCHITECTURES = ("LlamaForDecisionTreeRewardModel", "Gemma2ForDecisionTreeRewardModel")

PREFTREE_HEAD_KEY = "preftree_head"
"""Config key marking preftree's own layout: a standard backbone plus ``score.weight/bias``."""

_HUB_PATTERNS = ["*.json", "*.safetensors", "*.jinja", "*.model", "*.txt", "*.tiktoken", "*.py",
                 "*.pkl"]


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint on local disk: where it is, what the user called it, and its revision."""

    name: str
    path: Path
    revision: str
    config: dict[str, Any]

    @property
    def architecture(self) -> str | None:
        architectures = self.config.get("architectures") or []
        return str(architectures[0]) if architectures else None

    @property
    def is_decision_tree_reward(self) -> bool:
        """RLHFlow's layout: a remote-code class name over a standard backbone and a biased head."""
        return self.architecture in DECISION_TREE_ARCHITECTURES

    @property
    def has_biased_linear_head(self) -> bool:
        """The seed's layout, or preftree's own (marked ``"preftree_head": "linear_bias"``)."""
        return self.is_decision_tree_reward or self.config.get(PREFTREE_HEAD_KEY) == "linear_bias"


def _local_revision(path: Path) -> str:
    """A fingerprint of a local folder: the name, size and modification time of every file."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return "local-" + digest.hexdigest()[:16]


def _download(name: str, revision: str | None) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:  # pragma: no cover - huggingface_hub comes with transformers
        raise MissingDependencyError("loading a Hub model needs preftree[hf]: "
                                     "pip install 'preftree[hf]'") from exc
    try:
        folder = Path(snapshot_download(name, revision=revision, allow_patterns=_HUB_PATTERNS))
        if not any(folder.glob("*.safetensors")):
            folder = Path(snapshot_download(name, revision=revision, allow_patterns=["*.bin"]))
    except Exception as exc:  # huggingface_hub raises many types: validation, 404, offline, auth
        raise hub_failure(exc, f"model {name!r} is not a local folder and could not be fetched "
                               "from the Hugging Face Hub") from None
    return folder


def is_ensemble_spec(model: str | Path) -> bool:
    """A ``.json`` file with ``members``: an ensemble spec rather than a checkpoint."""
    path = Path(model)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        from .._inputs import read_json_file

        spec = read_json_file(path, what="ensemble spec")
        return isinstance(spec, dict) and "members" in spec
    except (ValueError, OSError):
        return False


def resolve_checkpoint(name: str | Path, revision: str | None = None) -> Checkpoint:
    """A local folder as is; anything else as a Hub id, fetched into (or read from) the HF cache."""
    text = str(name)
    local = Path(text).expanduser()
    if local.is_dir():
        path, resolved_revision = local.resolve(), _local_revision(local)
        if revision is not None:
            raise InputError(f"--revision applies to Hub models; {text!r} is a local folder")
    elif local.exists() or text.startswith((".", "/", "~")) or text.count("/") > 1:
        raise InputError(f"model {text!r}: no such folder (expected a checkpoint folder with "
                         "config.json, or a Hub id like 'org/name')")
    else:
        path = _download(text, revision)
        resolved_revision = path.name  # snapshots/<commit>
    config_file = path / "config.json"
    if not config_file.exists():
        raise InputError(f"model {text!r}: {config_file} is missing; is this a transformers "
                         "checkpoint folder?")
    try:
        from .._inputs import read_input_text

        config = json.loads(read_input_text(config_file, limit=64 << 20, what="model config"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", path=config_file, line=exc.lineno) from None
    return Checkpoint(text, path, resolved_revision, config)


def attribute_names(config: Any, num_outputs: int, *, decision_tree: bool = False) -> list[str]:
    """Output names from ``id2label``; ``reward`` for one output; HelpSteer2 names for DTR heads.

    >>> class C: id2label = {0: "LABEL_0"}
    >>> attribute_names(C(), 1)
    ['reward']
    >>> class D: id2label = {0: "LABEL_0", 1: "LABEL_1"}
    >>> attribute_names(D(), 2)
    ['label_0', 'label_1']
    """
    id2label = {int(k): str(v) for k, v in (getattr(config, "id2label", None) or {}).items()}
    names = [id2label.get(i, f"LABEL_{i}") for i in range(num_outputs)]
    default = all(n == f"LABEL_{i}" for i, n in enumerate(names))
    if default and num_outputs == 1:
        return ["reward"]
    if default and decision_tree and num_outputs == len(HELPSTEER2_ATTRIBUTES):
        return list(HELPSTEER2_ATTRIBUTES)
    if default:
        return [n.lower() for n in names]
    if len(set(names)) != len(names):
        raise InputError(f"the model's id2label has repeated names: {names}")
    return names
