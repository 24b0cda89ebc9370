"""The engine interface every drafting engine implements, and the draft structure they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..models import Draft
from ..sources import Selection

TextSink = Callable[[str], None]

SECTIONS = (
    "Identifying context",
    "Reason for referral and presenting concerns",
    "Diagnoses",
    "Treatment goals and progress",
    "Interventions and course of treatment",
    "Measurement-based outcomes",
    "Risk and safety",
    "Current status",
    "Recommendations and next steps",
)

PURPOSE_EMPHASIS = {
    "consultation": "open clinical questions for the consultation",
    "transfer": "what the next provider needs to continue care safely",
    "discharge": "outcomes achieved and the aftercare plan",
}


def missing_sections(text: str) -> list[str]:
    """The required sections a draft has no level-2 heading for (more sections, such as one an
    Update added, are the clinician's to keep or remove)."""
    found = {line[3:].strip() for line in text.splitlines() if line.startswith("## ")}
    return [s for s in SECTIONS if s not in found]


def progress(text: str) -> tuple[int, str | None]:
    """While a draft streams: (sections finished, the one being written) by its level-2 headings so far."""
    started = [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]
    return max(len(started) - 1, 0), (started[-1] if started else None)


def purpose_kind(purpose: str) -> str | None:
    """Which of the known purposes a free-text purpose is closest to, if any."""
    p = purpose.lower()
    if "consult" in p or "supervis" in p:
        return "consultation"
    if "transfer" in p or "hand" in p or "referr" in p:
        return "transfer"
    if "discharg" in p or "closing" in p or "termination" in p:
        return "discharge"
    return None


def time_limit(engine: object) -> float | None:
    """The longest a draft by `engine` may take in seconds, so the UI can say so before anyone waits;
    None for an engine without one (the offline engine drafts on this computer). A function rather
    than a member of Engine, so an engine need not declare what it does not have."""
    seconds = getattr(engine, "time_limit_seconds", None)
    return float(seconds) if isinstance(seconds, int | float) and not isinstance(seconds, bool) else None


class Engine(Protocol):
    """Drafts and refines treatment summaries. Both calls stream text to `on_text` when given. An
    engine that waits on a network also has `time_limit_seconds` (see time_limit)."""

    name: str  # "offline", "anthropic"
    model: str
    label: str  # how the UI names it, honestly
    prompt_version: str

    def generate(self, selection: Selection, on_text: TextSink | None = None) -> Draft: ...

    def refine(
        self, selection: Selection, current_text: str, instruction: str, on_text: TextSink | None = None
    ) -> Draft: ...
