"""One reading of Hub failures for every loader: a repository, revision or file that does not
exist is the user's to fix (exit 2); a Hub that cannot be reached is the environment's (exit 1)."""

from __future__ import annotations

from .errors import InputError, PreftreeError, UnreachableError

__all__ = ["hub_failure"]

_UNREACHABLE = {"LocalEntryNotFoundError", "OfflineModeIsEnabled", "ConnectError", "ConnectTimeout",
                "ReadTimeout", "Timeout", "TimeoutException", "NetworkError", "ProxyError",
                "SSLError", "ConnectionError", "TimeoutError", "RemoteProtocolError"}


def hub_failure(exc: BaseException, message: str) -> PreftreeError:
    """The preftree error for a failed Hub call: :class:`UnreachableError` when nothing answered
    (offline, refused, timed out, not cached while offline), :class:`InputError` otherwise.

    >>> type(hub_failure(ConnectionRefusedError(), "x")).__name__, type(hub_failure(KeyError(), "x")).__name__
    ('UnreachableError', 'InputError')
    """
    names = {kind.__name__ for kind in type(exc).__mro__}
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if names & _UNREACHABLE or isinstance(exc, (ConnectionError, TimeoutError)) or (
            isinstance(status, int) and status >= 500):
        return UnreachableError(f"{message}: the Hugging Face Hub could not be reached "
                                f"({type(exc).__name__}: {exc}); check the network, or "
                                "HF_HUB_OFFLINE and the local cache")
    return InputError(f"{message} ({type(exc).__name__}: {exc})")
