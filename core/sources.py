"""Which chart items feed a summary (SPEC section 3), why each is in, and whether they suffice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property

from . import course, risk
from .errors import InsufficientInformation, InvalidInput
from .models import (
    EXCLUDED_NOTE_TYPES,
    Assessment,
    Client,
    Diagnosis,
    ExcludedCount,
    Medication,
    Note,
    Plan,
    SourceItem,
)
from .store import BaseStore as Store
from .text import clean

MAX_PURPOSE_CHARS = 500
PURPOSE_PRESETS = ("Case consultation", "Transfer of care", "Discharge")
RANGE_PRESETS = {"Last 3 months": 91, "Last 6 months": 182, "Last 12 months": 365}

EXCLUSION_REASONS = {
    "administrative": "administrative notes are never used in summaries",
    "cancellation": "cancellation and no-show notes are never used in summaries",
    "clinical": "psychotherapy notes are kept separate and never used in summaries",
    "unsigned": "only signed notes are used; sign these notes to include them",
    "unticked": "left out by you in the source list",
}


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def plural(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-2] + 'es' if noun.endswith('is') else noun + 's'}"


def validate_range(start: date | None, end: date | None, today: date) -> DateRange:
    if start is None or end is None:
        raise InvalidInput("Choose both a start date and an end date for the summary.")
    if start > today:
        raise InvalidInput(
            f"The range starts in the future ({start.isoformat()}); today is {today.isoformat()}. "
            "A summary covers care that has happened: choose dates on or before today."
        )
    if start > end:
        raise InvalidInput(
            f"The range starts ({start.isoformat()}) after it ends ({end.isoformat()}). "
            "Swap the dates or choose a preset."
        )
    if end > today:
        raise InvalidInput(
            f"The range ends in the future ({end.isoformat()}). Choose an end date on or before "
            f"today ({today.isoformat()})."
        )
    return DateRange(start, end)


def validate_purpose(purpose: str | None) -> str:
    purpose = clean(purpose).strip()
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise InvalidInput(
            f"The purpose is {len(purpose)} characters long; keep it under {MAX_PURPOSE_CHARS} "
            "(a short phrase such as 'Transfer of care to community clinic')."
        )
    return purpose


def preset_range(preset: str, today: date, store: Store | None = None, client_id: str | None = None) -> DateRange:
    """The range a preset stands for; 'Whole treatment' spans the client's chart."""
    if preset in RANGE_PRESETS:
        return DateRange(today - timedelta(days=RANGE_PRESETS[preset]), today)
    if preset == "Whole treatment" and store is not None and client_id is not None:
        first, last = store.chart_span(client_id)
        if first is None:
            raise InsufficientInformation(
                "This client's chart has no dated entries yet, so there is no treatment "
                "to summarize. Complete the intake documentation first."
            )
        return DateRange(first, today)  # to today: a lapse since the last entry is part of the treatment
    raise InvalidInput(f"Unknown range preset {preset!r}.")


@dataclass(frozen=True)
class Selection:
    """The chart items in range that may feed a summary, and what was left out and why."""

    client: Client
    range: DateRange
    purpose: str
    diagnoses: tuple[Diagnosis, ...]
    plans: tuple[Plan, ...]
    assessments: tuple[Assessment, ...]
    notes: tuple[Note, ...]  # signed intake and progress notes only
    medications: tuple[Medication, ...]
    baseline: tuple[Assessment, ...]  # latest score per instrument before the range (context only)
    excluded: tuple[ExcludedCount, ...]
    # Signed notes from before the range that a summary must carry into it (SPEC section 4): the
    # risk history and safety plan in force at the range start, and the intake when none is in range.
    carried: tuple[Note, ...] = ()
    # Every score before the range (context only, like the baseline): the course of the whole episode,
    # from the first administration, that a range shorter than the treatment would otherwise hide.
    history: tuple[Assessment, ...] = ()
    # Plan versions that ended before the range (context only): a goal still in the plan is judged
    # from the version that set it, not from the first version in range.
    plan_history: tuple[Plan, ...] = ()
    # The dates of unsigned progress notes in range: their text is not used, but the sessions were held
    # (care has not lapsed after the last signed note).
    unsigned_on: tuple[date, ...] = ()
    # Signed progress notes before the range that changed the planned session frequency (context only):
    # how care was paced over the episode, a step-down before the range included.
    paced: tuple[Note, ...] = ()
    # Diagnoses resolved before the range (context only): what was treated and got better, for a reader
    # who takes over a case whose range shows only what remained.
    resolved_before: tuple[Diagnosis, ...] = ()

    @property
    def carried_risk(self) -> tuple[Note, ...]:
        return tuple(n for n in self.carried if risk.carries_risk(n))

    @cached_property  # a selection never changes (frozen): its items are worked out once
    def items(self) -> tuple[SourceItem, ...]:
        return tuple(source_items(self))

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @cached_property
    def progress_notes(self) -> tuple[Note, ...]:
        return tuple(n for n in self.notes if n.note_type == "progress")

    def excluded_count(self, kind: str) -> int:
        return sum(e.count for e in self.excluded if e.kind == kind)

    def without(self, item_ids: Iterable[str]) -> Selection:
        """The same selection with the items the user unticked left out (and counted)."""
        drop = set(item_ids) & set(self.item_ids)
        if not drop:
            return self
        keep = lambda xs: tuple(x for x in xs if x.id not in drop)  # noqa: E731
        excluded = tuple(e for e in self.excluded if e.kind != "unticked")
        excluded += (ExcludedCount("unticked", len(drop), EXCLUSION_REASONS["unticked"]),)
        return replace(
            self,
            diagnoses=keep(self.diagnoses),
            plans=keep(self.plans),
            assessments=keep(self.assessments),
            notes=keep(self.notes),
            medications=keep(self.medications),
            carried=keep(self.carried),
            paced=keep(self.paced),
            resolved_before=keep(self.resolved_before),
            history=keep(self.history),
            plan_history=keep(self.plan_history),
            excluded=excluded,
        )

    def only(self, item_ids: Iterable[str]) -> Selection:
        """The selection restricted to these items (a saved draft's sources)."""
        wanted = set(item_ids)
        return self.without(i for i in self.item_ids if i not in wanted)


def select(
    store: Store,
    client_id: str,
    start: date | None,
    end: date | None,
    purpose: str | None = None,
    today: date | None = None,
) -> Selection:
    """The sources of a summary of [start, end]; raises InvalidInput for a bad range or purpose."""
    rng = validate_range(start, end, today or date.today())
    purpose = validate_purpose(purpose)
    # The same range is selected again by the preview, Generate, the checks and every rerun of the draft:
    # one read per chart version (core.store.memo), shared by every session of the process.
    return store.memo.get(
        ("select", client_id, rng, purpose), lambda: _select(store, client_id, rng, purpose), _text_size
    )


def _text_size(sel: Selection) -> int:
    return sum(len(n.text) for n in sel.notes + sel.carried + sel.paced)


def _select(store: Store, client_id: str, rng: DateRange, purpose: str) -> Selection:
    found = store.range_sources(client_id, rng.start, rng.end)
    chart, counts = found.chart, found.excluded
    before = store.notes_before(client_id, rng.start)
    excluded = tuple(
        ExcludedCount(kind, counts[kind], EXCLUSION_REASONS[kind])
        for kind in (*EXCLUDED_NOTE_TYPES, "unsigned")
        if counts.get(kind)
    )
    return Selection(
        chart.client,
        rng,
        purpose,
        chart.diagnoses,
        chart.plans,
        chart.assessments,
        chart.notes,
        chart.medications,
        found.baseline,
        excluded,
        carried_forward(chart.notes, before),
        found.history,
        found.plan_history,
        found.unsigned_on,
        tuple(n for n, _ in course.pacing(n for n in before if n.note_type == "progress")),
        found.resolved_before,
    )


def carried_forward(in_range: tuple[Note, ...], before: tuple[Note, ...]) -> tuple[Note, ...]:
    """Of the signed notes before the range: the latest intake (when none is in range), and the
    risk history a reader of this range must still know: the first and the latest risk event, the
    first and the latest safety-plan note, the latest means-safety step."""
    picked: list[Note] = []
    if not any(n.note_type == "intake" for n in in_range):
        picked += [n for n in before if n.note_type == "intake"][-1:]
    found = risk.picture(before, (), (), ())
    for group in (found.events, found.safety_plan):
        picked += [f.note for f in (group[:1] + group[-1:])]
    picked += [f.note for f in found.means[-1:]]
    return tuple(sorted({n.id: n for n in picked}.values(), key=lambda n: (n.note_date, n.id)))


def require_sufficient(selection: Selection) -> Selection:
    """Raise InsufficientInformation, naming what was found and what is missing, unless the
    selection holds at least one signed progress note (the minimum for a treatment summary)."""
    if selection.progress_notes:
        return selection
    rng = selection.range.label()
    found = [
        plural(len(items), label)
        for label, items in (
            ("diagnosis", selection.diagnoses),
            ("treatment plan", selection.plans),
            ("assessment", selection.assessments),
            ("signed intake note", [n for n in selection.notes if n.note_type == "intake"]),
        )
        if items
    ]
    unsigned = selection.excluded_count("unsigned")
    unticked = selection.excluded_count("unticked")
    message = (
        f"Not enough information for a treatment summary from {rng}: there are no signed progress notes in this range"
    )
    if unsigned:
        message += f"; {plural(unsigned, 'note')} in this range {'are' if unsigned != 1 else 'is'} unsigned"
    if unticked:
        message += f"; {plural(unticked, 'item')} {'were' if unticked != 1 else 'was'} unticked"
    message += ". Found: " + (", ".join(found) if found else "nothing usable") + ". "
    other = sum(selection.excluded_count(k) for k in EXCLUDED_NOTE_TYPES)
    if other:
        message += (
            f"({plural(other, 'administrative, cancellation or psychotherapy note')} in the range cannot be used.) "
        )
    todo = (
        (["sign the pending progress notes"] if unsigned else [])
        + ["expand the date range"]
        + (["tick the items you left out"] if unticked else [])
    )
    message += "To continue, " + " or ".join(todo) + "."
    raise InsufficientInformation(message)


# -- how each item reads to an engine --------------------------------------------------------------


def source_items(sel: Selection) -> list[SourceItem]:
    """Ordered: diagnoses, plans, medications, assessments, then notes by date."""
    rng = sel.range
    items: list[SourceItem] = []
    for d in (*sel.resolved_before, *sel.diagnoses):
        status = f"resolved {d.resolved.isoformat()}" if d.resolved else "active"
        reason = (
            "resolved before the range"
            if d in sel.resolved_before
            else "active during the range"
            if not d.resolved or d.resolved >= rng.end
            else "active during part of the range"
        )
        items.append(
            SourceItem(
                d.id,
                "diagnosis",
                d.onset,
                f"{d.code} {d.description}",
                None,
                reason,
                f"Diagnosis: {d.code} ({d.code_system}) {d.description}. Onset {d.onset.isoformat()}; {status}.",
            )
        )
    items += [plan_item(p, "in effect during the range") for p in sel.plans]
    items += [
        plan_item(p, "plan version before the range that set a goal of the range") for p in course.context_plans(sel)
    ]
    for m in sel.medications:
        text = (
            f"Medication: {m.name}{', ' + m.dosage if m.dosage else ''}; {m.status}; started "
            f"{m.start_date.isoformat()}{'; ended ' + m.end_date.isoformat() if m.end_date else ''}."
        )
        items.append(
            SourceItem(m.id, "medication", m.start_date, m.name, m.prescriber, "prescribed during the range", text)
        )
    items += [score_item(a, "administered in the range") for a in sel.assessments]
    items += [
        score_item(a, "score before the range, named in the course of the episode or of a goal", answers=False)
        for a in course.context_scores(sel)
    ]
    for n in sel.carried:
        why = (
            "risk history and safety plan carried into the range"
            if risk.carries_risk(n)
            else "intake assessment before the range (reason for referral)"
        )
        items.append(SourceItem(n.id, "note", n.note_date, n.title, n.author, why, n.text))
    for n in (n for n in sel.paced if n not in sel.carried):
        why = "progress note before the range that changed the planned session frequency"
        items.append(SourceItem(n.id, "note", n.note_date, n.title, n.author, why, n.text))
    for n in sel.notes:
        kind = "intake assessment" if n.note_type == "intake" else "signed progress note"
        items.append(SourceItem(n.id, "note", n.note_date, n.title, n.author, f"{kind} dated in the range", n.text))
    return items


def plan_item(p: Plan, why: str) -> SourceItem:
    period = f"{p.effective_from.isoformat()} to {p.effective_to.isoformat() if p.effective_to else 'present'}"
    parts = [
        ("Problems", list(p.problems)),
        ("Goals", [f"({i}) {g}" for i, g in enumerate(p.goals, 1)]),
        ("Objectives", list(p.objectives)),
        ("Interventions", list(p.interventions)),
    ]
    # Imported care plans may have no goals or objectives: no empty "Goals: ." line.
    text = "\n".join(
        [f"Treatment plan ({p.status}), in effect {period}."]
        + [f"{label}: " + "; ".join(values) + "." for label, values in parts if values]
    )
    return SourceItem(p.id, "plan", p.effective_from, f"Treatment plan ({p.status})", p.author, why, text)


def score_item(a: Assessment, why: str, answers: bool = True) -> SourceItem:
    """An assessment as a source: its total and band, with its item responses when `answers`."""
    responses = f" Item responses: {', '.join(map(str, a.items))}." if answers and a.items else ""
    return SourceItem(
        a.id,
        "assessment",
        a.administered_on,
        f"{a.instrument} {a.total_score} ({a.severity})",
        None,
        why,
        f"{a.instrument} administered {a.administered_on.isoformat()}: total score {a.total_score} ({a.severity})."
        + responses,
    )
