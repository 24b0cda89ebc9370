"""Drafting engines behind one interface, chosen by configuration."""

from __future__ import annotations

from ..config import Settings
from ..errors import InvalidInput
from .base import Engine
from .offline import OfflineEngine

ENGINE_NAMES = ("offline", "anthropic")


def get_engine(name: str | None, settings: Settings) -> Engine:
    """The engine asked for, or the configured default (the model when a key is set)."""
    name = name or settings.engine_name
    if name == "offline":
        return OfflineEngine()
    if name == "anthropic":
        from .anthropic import AnthropicEngine  # the only importer of the SDK

        return AnthropicEngine.from_settings(settings)
    raise InvalidInput(f"Unknown engine {name!r}; choose one of: {', '.join(ENGINE_NAMES)}.")
