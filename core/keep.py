"""What no Update may take out of a draft: the risk and safety statements and the current goals.

An instruction such as "shorter" goes to an engine with the clinician's text; whatever comes back,
each of those statements that is no longer there is put back in its section, and the result says
which were kept, so a refinement never silently drops risk or a goal (SPEC section 4)."""

from __future__ import annotations

import re

from .text import paragraphs, sentences

RISK_HEADING = "## Risk and safety"
GOALS_HEADING = "## Treatment goals and progress"
WHOLE = (RISK_HEADING,)
GOAL_LINE = re.compile(r"^\d+\.\s+(.*)$")


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _section(text: str, heading: str) -> list[str]:
    out, inside = [], False
    for block in paragraphs(text):
        if block.startswith("## "):
            inside = block.strip() == heading
            continue
        if inside:
            out.append(block)
    return out


def protected(text: str) -> dict[str, list[str]]:
    """Per heading, the statements an Update must keep: every sentence or list item under Risk and
    safety, and every numbered goal under Treatment goals."""
    risk = [
        s
        for block in _section(text, RISK_HEADING)
        for line in block.splitlines()
        for s in sentences(line.lstrip("- "))
        if len(s.split()) >= 3
    ]
    goals = [
        m.group(1)
        for block in _section(text, GOALS_HEADING)
        for line in block.splitlines()
        if (m := GOAL_LINE.match(line.strip()))
    ]
    return {RISK_HEADING: risk, GOALS_HEADING: goals}


def restore(before: str, after: str) -> tuple[str, tuple[str, ...]]:
    """`after` with each protected statement of `before` that it lost put back; and what was put back."""
    present = _norm(after)
    missing = {h: [s for s in found if _norm(s) not in present] for h, found in protected(before).items()}
    kept = tuple(s for found in missing.values() for s in found)
    if not kept:
        return after, ()
    blocks = paragraphs(after)
    for heading, lost in missing.items():
        if not lost:
            continue
        lines = "\n".join(f"- {s}" for s in lost)
        at = next((i for i, b in enumerate(blocks) if b.strip() == heading), None)
        if at is None:
            blocks += [heading, lines]
        else:
            end = next((i for i in range(at + 1, len(blocks)) if blocks[i].startswith("## ")), len(blocks))
            blocks.insert(end, lines)
    return "\n\n".join(blocks) + "\n", kept
