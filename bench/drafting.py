"""An offline draft end to end (selection, draft, automated checks) and the autosave of an edit."""

from __future__ import annotations

from core import quality, sources, summaries
from core.engines.offline import OfflineEngine
from core.models import Actor
from core.service import Practice

from .common import sample, stats_ms
from .selection import Case

# A trusted script acts like the command line (auth "cli": no password prompt before signing).
ACTOR = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06", "cli")


def draft_end_to_end(practice: Practice, case: Case, engine: OfflineEngine):
    """What Generate costs before anything is saved: the sources, the draft and its checks."""
    sel = sources.require_sufficient(
        sources.select(practice.store, case.client_id, case.start, case.end, today=practice.today())
    )
    draft = engine.generate(sel)
    return quality.check(draft.text, sel, draft.citations, practice.store.excluded_note_texts(case.client_id))


def sufficient(practice: Practice, case_list: list[Case]) -> list[Case]:
    keep = []
    for c in case_list:
        try:
            sources.require_sufficient(
                sources.select(practice.store, c.client_id, c.start, c.end, today=practice.today())
            )
            keep.append(c)
        except Exception:  # noqa: BLE001 - too little documentation: not a case for drafting
            pass
    return keep


def run_drafts(practices: dict[str, tuple[Practice, list[Case]]]) -> dict:
    """p50 / p95 per database; the databases take turns case by case."""
    engine = OfflineEngine()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in practices}
    n = max(len(cases) for _, cases in practices.values())
    for i in range(n):
        for name, (p, cases) in practices.items():
            case = cases[i % len(cases)]
            times[name] += sample(lambda _i: draft_end_to_end(p, case, engine), 1, warmup=0 if i else 2)
    return {name: stats_ms(t) for name, t in times.items()}


def run_autosave(practices: dict[str, tuple[Practice, Case]], saves: int) -> dict:
    """summaries.save of an edited text, the way the editor calls it on every change: the first edit
    adds a version, later ones coalesce into it."""
    drafts = {}
    for name, (p, case) in practices.items():
        started = summaries.generate(
            p, ACTOR, case.client_id, case.start, case.end, "Case consultation", replace_existing=True
        )
        drafts[name] = (p, started.draft.id, started.draft.text)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in practices}
    for i in range(saves):
        for name, (p, draft_id, text) in drafts.items():
            edited = text + f"\n\nClinician's note {i}: seen in person; engaged."
            times[name] += sample(
                lambda _i: summaries.save(p, ACTOR, draft_id, edited, base_revision=None), 1, warmup=0 if i else 2
            )
    return {name: stats_ms(t) for name, t in times.items()}
