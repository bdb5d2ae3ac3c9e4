"""Building judges from settings: the one place the CLI and the Python API turn names and options
into :class:`~preftree.judges.protocol.Judge` objects (an LLM judge through a registered backend,
a reward model, a decision-tree reward model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError, PreftreeError
from .collect import JudgeBackend, load_backend
from .llm import LLMJudge
from .prompt import JudgePrompt
from .settings import JudgeSettings

__all__ = ["judge_backend", "judge_prompt", "llm_judge", "reward_model_judge"]


def judge_prompt(judge_template: str = "preftree", template: str | Path | None = None,
                 verdict_format: str | None = None, system: str | None = None) -> JudgePrompt:
    """The prompt: a shipped one, or a template file; ``system`` replaces the system message."""
    if template is not None:
        prompt = JudgePrompt.from_file(template, system)
        return JudgePrompt(prompt.template, prompt.system, verdict_format or "leading")
    if verdict_format is not None:
        raise InputError("--verdict-format goes with --template (a shipped prompt says how it is answered)")
    prompt = JudgePrompt.preset(judge_template)
    return JudgePrompt(prompt.template, system or prompt.system, prompt.parser)


def judge_backend(backend: str, model: str, settings: JudgeSettings | None = None) -> JudgeBackend:
    """The judge backend ``backend`` for ``model``: every backend, built-in or plug-in, is built
    as ``from_settings(model, JudgeSettings)``."""
    build = getattr(load_backend(backend), "from_settings", None)
    if build is None:
        raise PreftreeError(f"the judge backend {backend!r} has no from_settings(model, settings) "
                            "classmethod, which is how preftree builds every judge backend "
                            "(see preftree.judges.collect.JudgeBackend)")
    built: JudgeBackend = build(model, settings or JudgeSettings())
    return built


def llm_judge(model: str, *, backend: str = "openai", settings: JudgeSettings | None = None,
              prompt: JudgePrompt | None = None, name: str | None = None, folder: Path | None = None,
              journal: Path | None = None, progress: bool = True) -> LLMJudge:
    """An LLM judge: ``model`` at an endpoint (``openai``), a local model (``hf``) or a plug-in's
    backend, asked in both orders; judge files go to ``folder``, answers to ``journal``."""
    return LLMJudge(judge_backend(backend, model, settings), name or model, prompt=prompt,
                    folder=folder, journal=journal, progress=progress)


def reward_model_judge(model: str | Path, scoring: Any = None, *, tree: str | Path | None = None,
                       tree_filename: str = "decision_tree.pkl", trust_pickle: bool = False,
                       tree_labels: str = "auto", attribute: str | None = None, ray: Any = None,
                       name: str | None = None) -> Any:
    """A reward model (the higher score wins) or, with ``tree``, a decision-tree reward model;
    ``scoring`` are the :class:`~preftree.scoring.options.ScoringOptions` of the scoring engine."""
    from .reward import RewardModelJudge, TreeRewardJudge

    if tree is not None:
        from ..model import DecisionTreeRewardModel

        reward_model = DecisionTreeRewardModel.from_pretrained(model, scoring, ray=ray)
        reward_model.load_decision_tree(tree, tree_filename, trust_pickle=trust_pickle,
                                        tree_labels=tree_labels)
        return TreeRewardJudge(reward_model, name=name or str(model))
    from ..scoring import load_scorer

    return RewardModelJudge(load_scorer(model, scoring, ray=ray), attribute, name=name or str(model))
