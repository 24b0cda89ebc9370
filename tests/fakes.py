"""Hand-written fake engines for lifecycle tests (the real ones are tested on their own)."""

from __future__ import annotations

import threading
from dataclasses import replace

from core.engines.offline import OfflineEngine
from core.errors import EngineError


class FailingEngine(OfflineEngine):
    """Drafts like the offline engine but fails every Update, as a model outage would."""

    name = "failing"

    def refine(self, selection, current_text, instruction, on_text=None):
        if on_text:
            on_text("partial text that must not be kept")
        raise EngineError("The AI service did not respond. Your draft is unchanged; try Update again.")


class SlowEngine(OfflineEngine):
    """Waits at a barrier before returning, so two sessions are sure to race."""

    name = "slow"

    def __init__(self, parties: int):
        self.barrier = threading.Barrier(parties, timeout=10)

    def generate(self, selection, on_text=None):
        draft = super().generate(selection, on_text)
        self.barrier.wait()
        return replace(draft, generation=replace(draft.generation, engine=self.name))
