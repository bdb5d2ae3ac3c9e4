"""The exception hierarchy of preftree.

Every error preftree raises on purpose derives from :class:`PreftreeError`, so callers can catch
one root. The CLI maps :class:`InputError`, :class:`ConfigError`, :class:`FormatError` and
:class:`UntrustedPickleError` (the user can fix them) to exit code 2 and every other error (a
missing package, a model that does not load, an unreachable server) to exit code 1. Locations are
written ``FILE:LINE: message`` everywhere.

    PreftreeError
    ├── InputError            bad input data: names the file, line/row and what was expected
    ├── ConfigError           an option or parameter out of its range (a ValueError too)
    ├── UntrustedPickleError  refusing to unpickle a file the user did not trust
    ├── MissingDependencyError an optional extra (e.g. ``preftree[hf]``) is not installed
    ├── UnreachableError      a server, hub or remote filesystem cannot be reached (exit 1)
    ├── FormatError           a preftree JSON file of an unknown or newer format
    └── EstimationError       a statistical fit that did not converge (exit 1)
"""

from __future__ import annotations

from pathlib import PurePath

from ._redact import redact

__all__ = [
    "ConfigError",
    "EstimationError",
    "FormatError",
    "InputError",
    "MissingDependencyError",
    "PreftreeError",
    "UnreachableError",
    "UntrustedPickleError",
]


class PreftreeError(Exception):
    """Root of every error preftree raises deliberately."""


class InputError(PreftreeError, ValueError):
    """Input data is malformed; the message says where (file, line or row) and what was expected."""

    def __init__(self, message: str, *, path: str | PurePath | None = None, line: int | None = None) -> None:
        self.path = None if path is None else redact(str(path))
        self.line = line
        if self.path is not None and line is not None:
            message = f"{self.path}:{line}: {message}"
        elif self.path is not None:
            message = f"{self.path}: {message}"
        super().__init__(redact(message) if isinstance(message, str) else message)


class ConfigError(PreftreeError, ValueError):
    """An option or estimator parameter has a value it cannot take; the message quotes it."""


class UntrustedPickleError(PreftreeError):
    """A pickle file was about to be loaded without an explicit ``trust_pickle=True``."""


class UnreachableError(PreftreeError, ConnectionError):
    """A server, the Hub or a remote filesystem did not answer; retrying later may work."""


class MissingDependencyError(PreftreeError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class FormatError(PreftreeError, ValueError):
    """A serialized preftree object has an unknown format or version."""


class EstimationError(PreftreeError):
    """A statistical fit did not converge; its estimates cannot be reported."""
