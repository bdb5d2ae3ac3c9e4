"""The settings every judge backend is built from (the CLI builds them once and passes them whole):
endpoint and key, decoding, concurrency and retries for API judges; dtype, device and chat
template for local ones. Each backend class makes its own options from them with
``from_settings(model, settings)``, built-in and plug-in alike."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["JudgeSettings"]


@dataclass(frozen=True)
class JudgeSettings:
    """What a command decided about its judge; a backend reads the fields it needs."""

    base_url: str = "https://api.openai.com/v1"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    max_tokens: int = 16
    concurrency: int = 16
    rpm: float | None = None
    timeout_s: float = 60.0
    max_retries: int = 6
    max_wait_s: float = 60.0
    dtype: str = "auto"
    device: str = "auto"
    chat_template: str | None = None
    max_reply_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        for name in ("temperature", "timeout_s", "max_wait_s"):
            if not math.isfinite(getattr(self, name)):
                raise ConfigError(f"{name} must be a finite number, got {getattr(self, name)!r}")
        if self.max_reply_bytes < 1:
            raise ConfigError(f"max_reply_bytes must be at least 1, got {self.max_reply_bytes!r}")
        if self.concurrency < 1 or self.max_tokens < 1 or self.max_retries < 0:
            raise ConfigError("concurrency and max_tokens must be at least 1, max_retries at least 0")
