"""Credentials never leave preftree: URIs are shown and recorded with their userinfo and
credential-bearing query parameters replaced by ``***``.

>>> redact("s3://AKIAXYZ:wJalr/secret@bucket/pairs.jsonl")
's3://***@bucket/pairs.jsonl'
>>> redact("https://host/p.jsonl?token=abc123&x=1 and http://u:p@h:8/x")
'https://host/p.jsonl?token=***&x=1 and http://***@h:8/x'
>>> redact("https://b.s3.amazonaws.com/k?X-Amz-Signature=f00&X-Amz-Credential=AK%2F1")
'https://b.s3.amazonaws.com/k?X-Amz-Signature=***&X-Amz-Credential=***'
>>> redact("hf://datasets/org/name@main/data.parquet")  # a revision, not a password
'hf://datasets/org/name@main/data.parquet'
>>> redact("memory://b/p.jsonl#sig=abc: no such file")
'memory://b/p.jsonl#sig=***: no such file'
"""

from __future__ import annotations

import re

__all__ = ["CREDENTIAL_PARAMETERS", "redact"]

CREDENTIAL_PARAMETERS = (
    "token", "access_token", "id_token", "refresh_token", "auth", "authorization", "api_key",
    "apikey", "api-key", "key", "secret", "client_secret", "password", "passwd", "pwd", "sig",
    "signature", "credential", "credentials", "session_token", "security_token",
    "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
    "x-goog-credential", "googleaccessid", "sas", "se_token", "hf_token")
"""Query parameters whose values are credentials (lower-cased; matched case-insensitively)."""

# userinfo: no "/" (a path), except after "user:" (cloud secrets hold "/" and "+")
_USERINFO = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^/?#@\s]+|[^/?#@\s:]+:[^\s@]+)@")
_QUERY = re.compile(r"([?&;#](?:" + "|".join(re.escape(p) for p in CREDENTIAL_PARAMETERS)
                    + r")=)[^&#\s'\"]*?(?=[&#\s'\"]|:\s|$)", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the credentials of every URI in it replaced by ``***``."""
    if "://" not in text and "=" not in text:
        return text
    return _QUERY.sub(r"\1***", _USERINFO.sub(r"\1***@", text))


def scrub_secret(text: str, secret: str | None, *, min_run: int = 8) -> str:
    """``text`` with the secret, and every run of ``min_run`` or more of its characters (a key
    echoed in part, or cut by a length limit), replaced by ``***``. Scrub before cutting.

    >>> scrub_secret("key sk-abcdefghijkl and part cdefghij.", "sk-abcdefghijkl")
    'key *** and part ***.'
    """
    if not secret or not text:
        return text
    text = text.replace(secret, "***")
    run = min(min_run, len(secret))
    lowered, key = text.lower(), secret.lower()  # an echo in another case is the same secret
    if len(lowered) != len(text) or len(key) != len(secret):  # a few letters change length
        lowered, key = text, secret
    grams = {key[i:i + run] for i in range(len(key) - run + 1)}
    covered = bytearray(len(text))
    for start in range(len(text) - run + 1):
        if lowered[start:start + run] in grams:
            covered[start:start + run] = b"\x01" * run
    if not any(covered):
        return text
    out, i = [], 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append("***")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
