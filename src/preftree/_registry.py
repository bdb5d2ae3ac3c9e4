"""Lazy registries of backends and feature sources, open to plug-ins.

Built-in entries are ``"module:object"`` strings, imported only when chosen, so importing preftree
never imports torch, transformers or an HTTP client it will not use. Other packages add entries
through Python entry points — the groups ``preftree.scoring_backends``,
``preftree.judge_backends``, ``preftree.feature_sources``, ``preftree.probes`` and
``preftree.pairs_formats`` (a :class:`~preftree.data.formats.NativeFormat`) — and appear in the CLI's choices
like the built-in ones (a plug-in of the same name replaces a built-in one only when asked:
built-ins win).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from .errors import InputError, MissingDependencyError, PreftreeError

__all__ = ["FEATURE_SOURCES", "GROUPS", "JUDGE_BACKENDS", "SCORING_BACKENDS", "feature_sources",
           "judge_backends", "load_registered", "plugin_names", "registry", "scoring_backends"]

GROUPS = {"scoring backend": "preftree.scoring_backends", "judge backend": "preftree.judge_backends",
          "feature source": "preftree.feature_sources", "probe": "preftree.probes",
          "pairs format": "preftree.pairs_formats"}


@cache
def _plugins(group: str) -> tuple[tuple[str, str], ...]:
    return tuple((ep.name, ep.value) for ep in entry_points(group=group))


def registry(builtin: Mapping[str, str], kind: str) -> dict[str, str]:
    """The built-in entries of ``kind`` plus those plug-ins register under its entry-point group."""
    merged = {name: value for name, value in _plugins(GROUPS[kind]) if name not in builtin}
    return {**builtin, **merged}


def load_registered(registry: Mapping[str, str], name: str, kind: str) -> Any:
    """The object registered under ``name``; an unknown name lists the known ones, and a missing
    optional package says which extra to install.

    >>> load_registered({"json": "json:dumps"}, "json", "encoder")([1])
    '[1]'
    >>> load_registered({"json": "json:dumps"}, "yaml", "encoder")
    Traceback (most recent call last):
    ...
    preftree.errors.InputError: unknown encoder 'yaml'; available: json
    """
    if name not in registry:
        raise InputError(f"unknown {kind} {name!r}; available: {', '.join(sorted(registry))}")
    module_name, _, attr = registry[name].partition(":")
    if not module_name.startswith("preftree."):  # a plug-in: its own errors are its package's
        label = f"the {kind} plug-in {name!r} ({registry[name]})"
        try:
            loaded = getattr(importlib.import_module(module_name), attr)
        except (Exception, SystemExit) as exc:
            raise PreftreeError(f"{label} could not be loaded: {type(exc).__name__}: {exc}") from None
        return _Guarded(loaded, label) if callable(loaded) else loaded
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = {"vllm": "preftree[vllm]", "vllm-server": "preftree[hf]", "ray": "preftree[ray]"}.get(
            name, "preftree[hf]")
        raise MissingDependencyError(f"the {name!r} {kind} needs {extra} "
                                     f"(pip install '{extra}'): {exc}") from None
    return getattr(module, attr)


class _Guarded:
    """A plug-in's callable whose failures (an exception or ``sys.exit``) become one preftree
    error naming the plug-in, instead of a "preftree bug" or a silent exit 0."""

    def __init__(self, target: Any, label: str, *, wrap_result: bool = True) -> None:
        self._target, self._label, self._wrap = target, label, wrap_result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            made = self._target(*args, **kwargs)
        except PreftreeError:
            raise
        except (Exception, SystemExit) as exc:
            raise PreftreeError(f"{self._label} failed: {type(exc).__name__}: {exc}") from None
        # what a factory or class makes (an engine, a judge, a feature source) is the plug-in's
        # code too: its methods are guarded the same way
        if not self._wrap or isinstance(made, (str, bytes, int, float, bool, type(None))):
            return made
        return _GuardedObject(made, self._label)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        return _Guarded(value, self._label) if callable(value) and not isinstance(value, type) \
            else value


class _GuardedObject:
    """An object a plug-in made: attributes read through, methods guarded like the factory."""

    def __init__(self, target: Any, label: str) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not isinstance(value, type):
            return _Guarded(value, self._label, wrap_result=False)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)


SCORING_BACKENDS: dict[str, str] = {
    "transformers": "preftree.scoring.backends.hf:load_model",
    "vllm": "preftree.scoring.backends.vllm_offline:load_model",
    "vllm-server": "preftree.scoring.backends.vllm_server:load_model",
}
"""Built-in scoring backends: factories ``(checkpoint, options) -> LoadedModel``."""

JUDGE_BACKENDS: dict[str, str] = {"openai": "preftree.judges.openai_backend:OpenAIBackend",
                                  "hf": "preftree.judges.hf_backend:HFBackend"}
"""Built-in judge backends: classes following :class:`preftree.judges.collect.JudgeBackend`."""

FEATURE_SOURCES: dict[str, str] = {"model": "preftree.scoring.features:model_source"}
"""Built-in lazy feature sources: factories ``(argument, spec) -> FeatureSource``."""


def plugin_names(kind: str) -> list[str]:
    """The names plug-ins register under ``kind``'s entry-point group."""
    return [name for name, _ in _plugins(GROUPS[kind])]


def scoring_backends() -> dict[str, str]:
    return registry(SCORING_BACKENDS, "scoring backend")


def judge_backends() -> dict[str, str]:
    return registry(JUDGE_BACKENDS, "judge backend")


def feature_sources() -> dict[str, str]:
    return registry(FEATURE_SOURCES, "feature source")
