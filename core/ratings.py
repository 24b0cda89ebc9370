"""PDQI-9 ratings (Stetson et al. 2012) of draft versions, signed summaries and evaluation drafts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from . import access
from .errors import IntegrityFailure, InvalidInput, NotFound
from .models import Actor
from .service import Practice
from .store.quality import PDQI_COLUMNS
from .summaries import utcnow
from .text import clean

# The nine attributes with the instrument's descriptions; each is rated 1 (not at all) to 5 (extremely).
PDQI9 = (
    ("up_to_date", "Up-to-date", "Contains the most recent test results, scores and recommendations."),
    ("accurate", "Accurate", "True; free of incorrect information."),
    ("thorough", "Thorough", "Complete; documents all of the issues of importance to the client."),
    ("useful", "Useful", "Extremely relevant, providing valuable information and analysis."),
    ("organized", "Organized", "Well formed and structured so the reader understands the course of care."),
    ("comprehensible", "Comprehensible", "Clear, without ambiguity or sections that are hard to understand."),
    ("succinct", "Succinct", "Brief, to the point, without redundancy."),
    ("synthesized", "Synthesized", "Reflects an understanding of the client's status and of the plan of care."),
    ("consistent", "Internally consistent", "No part ignores or contradicts any other part."),
)
ANCHORS = {1: "Not at all", 2: "Slightly", 3: "Somewhat", 4: "Very", 5: "Extremely"}
assert tuple(k for k, _, _ in PDQI9) == PDQI_COLUMNS


@dataclass(frozen=True)
class Rating:
    id: str
    target_kind: str
    target_id: str
    version: int | None
    client_id: str
    engine: str
    model: str
    prompt_version: str
    rater: str
    rated_at: datetime
    scores: dict[str, int]
    comment: str

    @property
    def total(self) -> int:
        """PDQI-9 total, 9 to 45."""
        return sum(self.scores.values())


TAMPERED_NOT_RATED = (
    "This signed summary fails its integrity check (it was changed outside the app), so it is not rated: "
    "a rating would judge text nobody signed."
)


def _target(p: Practice, kind: str, target_id: str, version: int | None) -> tuple[str, str, str, str]:
    """(client, engine, model, prompt version) of what is being rated."""
    if kind == "summary":
        s = p.store.summary(target_id)
        if s is None:
            raise NotFound(f"There is no signed summary {target_id} to rate.")
        if not s.verified:
            raise IntegrityFailure(TAMPERED_NOT_RATED)
        g = s.generation
        return s.client_id, g.engine, g.model, g.prompt_version
    if kind == "draft":
        d = p.store.draft(target_id)
        if d is None or (version is not None and version not in {v.number for v in d.versions}):
            raise NotFound("That draft version is no longer available to rate.")
        g = d.generation
        return d.client_id, g.engine, g.model, g.prompt_version
    if kind == "eval":
        item = p.store.eval_item(target_id)
        if item is None:
            raise NotFound(f"There is no evaluation draft {target_id} to rate.")
        run = next(r for r in p.store.eval_runs() if r.id == item.run_id)
        return item.client_id, run.engine, run.model, run.prompt_version
    raise InvalidInput(f"Unknown rating target {kind!r}.")


def rate(
    p: Practice,
    actor: Actor,
    kind: str,
    target_id: str,
    scores: dict[str, int],
    comment: str = "",
    version: int | None = None,
) -> Rating:
    missing = [label for key, label, _ in PDQI9 if key not in scores]
    if missing:
        raise InvalidInput("Rate every PDQI-9 item before saving; missing: " + ", ".join(missing) + ".")
    bad = [label for key, label, _ in PDQI9 if scores[key] not in ANCHORS]
    if bad:
        raise InvalidInput("Each PDQI-9 item takes a score from 1 to 5; check: " + ", ".join(bad) + ".")
    comment = clean(comment)
    if len(comment) > 2000:
        raise InvalidInput("Keep the comment under 2,000 characters.")
    client_id, engine, model, prompt_version = _target(p, kind, target_id, version)
    access.require(p.store, actor, "rate", client_id)
    row = {
        "id": f"R-{uuid.uuid4().hex[:12]}",
        "target_kind": kind,
        "target_id": target_id,
        "version": version,
        "client_id": client_id,
        "engine": engine,
        "model": model,
        "prompt_version": prompt_version,
        "rater": actor.id,
        "rated_at": utcnow(),
        **{k: int(scores[k]) for k in PDQI_COLUMNS},
        "comment": comment.strip(),
    }
    p.store.add_rating(row, actor.id)
    return ratings(p, actor, kind, target_id)[-1]


def ratings(p: Practice, actor: Actor, kind: str | None = None, target_id: str | None = None) -> list[Rating]:
    access.require(p.store, actor, "quality_lab")
    return [
        Rating(
            r["id"],
            r["target_kind"],
            r["target_id"],
            r["version"],
            r["client_id"],
            r["engine"],
            r["model"],
            r["prompt_version"],
            r["rater"],
            r["rated_at"],
            {k: r[k] for k in PDQI_COLUMNS},
            r["comment"],
        )
        for r in p.store.ratings(kind, target_id)
    ]
