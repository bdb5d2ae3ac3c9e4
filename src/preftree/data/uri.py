"""Pairs files named by a URI (``s3://``, ``gs://``, ``hf://``, ``memory://``...): read through
``fsspec`` on the driver, so every command and engine (in-process or Ray) takes them the same way.
Outputs stay local paths: an atomic rename is only promised by a local filesystem."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from .._io import file_uri_path
from .._redact import redact
from ..errors import InputError, MissingDependencyError, UnreachableError

__all__ = ["URI", "as_location", "open_uri"]


class URI(PurePosixPath):
    """A remote file's name: behaves as a pure path (suffix, stem) but prints, and is recorded,
    as the URI given with its credentials redacted; :attr:`full` keeps them for reading only."""

    _uri: str = ""

    def __new__(cls, uri: str) -> URI:
        scheme, _, rest = uri.partition("://")
        path_part = rest.split("?", 1)[0].split("#", 1)[0]  # suffixes come from the path alone
        made = super().__new__(cls, "/" + redact(f"{scheme}://{path_part}").partition("://")[2].lstrip("/"))
        made._uri = f"{scheme}://{rest}"
        return made

    @property
    def full(self) -> str:
        """The URI as given, credentials included: pass it to the filesystem, never print it."""
        return self._uri

    def __str__(self) -> str:
        return redact(self._uri) if self._uri else super().__str__()

    def __repr__(self) -> str:
        return f"URI({str(self)!r})"


def as_location(value: str | Path) -> Path | URI:
    """A local path for plain names and ``file://`` URIs, a :class:`URI` for other schemes."""
    if isinstance(value, (Path, URI)):
        return value
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme.replace("+", "").replace("-", "").isalnum() or len(scheme) < 2:
        return Path(value)  # no scheme (a one-letter "scheme" is a Windows drive)
    if scheme.lower() == "file":  # a local path, read as the output checks read it
        return file_uri_path(value)
    return URI(value)


@contextlib.contextmanager
def open_uri(uri: URI) -> Iterator[IO[bytes]]:
    """A binary stream over the file behind ``uri`` (compressed bytes as stored; the caller
    decompresses and bounds what it reads). Errors name the redacted URI: a missing file is the
    user's to fix (exit 2), an unreachable service the environment's (exit 1)."""
    try:
        import fsspec
    except ImportError:
        raise MissingDependencyError(f"{uri}: reading a URI needs fsspec (pip install fsspec, and the "
                                     "filesystem's package, e.g. s3fs or gcsfs)") from None
    try:
        handle = fsspec.open(uri.full, "rb").open()
    except ImportError as exc:
        raise MissingDependencyError(f"{uri}: this filesystem needs another package: "
                                     f"{redact(str(exc))}") from None
    except FileNotFoundError:
        raise InputError("no such file", path=uri) from None
    except (PermissionError, IsADirectoryError, NotADirectoryError, ValueError) as exc:
        raise InputError(f"cannot read: {type(exc).__name__}: {redact(str(exc))}",
                         path=uri) from None
    except Exception as exc:
        raise UnreachableError(f"{uri}: cannot be reached: {type(exc).__name__}: "
                               f"{redact(str(exc))}") from None
    with handle:
        yield handle
