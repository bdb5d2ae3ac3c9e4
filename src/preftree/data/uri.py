"""Pairs files named by a URI (``s3://``, ``gs://``, ``hf://``, ``memory://``...): read through
``fsspec`` on the driver, so every command and engine (in-process or Ray) takes them the same way.
Outputs stay local paths: an atomic rename is only promised by a local filesystem."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..errors import InputError, MissingDependencyError

__all__ = ["URI", "as_location", "read_uri_bytes"]


class URI(PurePosixPath):
    """A remote file's name: behaves as a pure path (suffix, stem) but prints as the URI given."""

    _uri: str = ""

    def __new__(cls, uri: str) -> URI:
        scheme, _, rest = uri.partition("://")
        made = super().__new__(cls, "/" + rest.lstrip("/"))
        made._uri = f"{scheme}://{rest}"
        return made

    def __str__(self) -> str:
        return self._uri or super().__str__()

    def __repr__(self) -> str:
        return f"URI({str(self)!r})"


def as_location(value: str | Path) -> Path | URI:
    """A local path for plain names and ``file://`` URIs, a :class:`URI` for other schemes."""
    if isinstance(value, (Path, URI)):
        return value
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme.replace("+", "").replace("-", "").isalnum() or len(scheme) < 2:
        return Path(value)  # no scheme (a one-letter "scheme" is a Windows drive)
    if scheme.lower() == "file":
        return Path(rest)
    return URI(value)


def read_uri_bytes(uri: URI) -> bytes:
    """The whole file behind ``uri`` (compressed bytes as stored; the caller decompresses)."""
    try:
        import fsspec
    except ImportError:
        raise MissingDependencyError(f"{uri}: reading a URI needs fsspec (pip install fsspec, and the "
                                     "filesystem's package, e.g. s3fs or gcsfs)") from None
    try:
        with fsspec.open(str(uri), "rb") as handle:
            return handle.read()
    except ImportError as exc:
        raise MissingDependencyError(f"{uri}: this filesystem needs another package: {exc}") from None
    except FileNotFoundError:
        raise InputError("no such file", path=uri) from None  # type: ignore[arg-type]
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read: {type(exc).__name__}: {exc}", path=uri) from None  # type: ignore[arg-type]
