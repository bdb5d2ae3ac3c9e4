"""Lazy package exports: a name is imported from its module on first use, not at ``import``.

``import preftree`` (and ``preftree --help``) must not pay for pandas, scikit-learn, scipy or
matplotlib; each package's ``__init__`` lists where its public names live and this module resolves
them on attribute access (PEP 562).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["callable_package", "lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any],
                                                                    Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``exports`` maps a public name to the
    relative module that defines it (``{"PreferenceTree": ".tree"}``); a name mapped to its own
    subpackage (``{"winrate": ".winrate"}``) is that subpackage (a callable one, see
    :func:`callable_package`)."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(exports[name], package)
        value = module if exports[name] == f".{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__


def callable_package(package: str, module: str, function: str) -> None:
    """Make ``package`` callable as its command's API function (``preftree.winrate(...)`` runs
    :func:`preftree.winrate.api.winrate`), while it stays the package it is
    (``preftree.winrate.win_rates``). The function is imported on the first call."""

    class CallablePackage(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module(module, package), function)(*args, **kwargs)

    CallablePackage.__call__.__doc__ = f"Run :func:`{package}{module}.{function}`."
    sys.modules[package].__class__ = CallablePackage
