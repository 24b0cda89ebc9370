"""Evaluation for pilot testers: edit burden, evaluation runs over many charts, engine comparison."""

from __future__ import annotations

import csv
import difflib
import io
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol, cast

from . import access, charts, quality, sources
from .errors import EngineError, InsufficientInformation, InvalidInput
from .models import Actor, Comparison, Draft, EvalItem, EvalRun
from .ratings import PDQI9, ratings
from .service import Practice
from .sources import Selection
from .summaries import utcnow


class BatchEngine(Protocol):
    """What an engine that drafts through a batch API (the AI engine) offers besides the Engine calls."""

    def submit_batch(self, jobs: dict[str, Selection]) -> str: ...

    def collect_batch(self, batch_id: str, jobs: dict[str, Selection]) -> dict[str, Draft | str] | None: ...


# Each client is drafted over its whole treatment and a recent window.
WINDOWS = {"whole treatment": None, "last 6 months": 182}


def edit_burden(generated: str, signed: str) -> float:
    """Share of the generated draft's words that survive, in order, into the signed text.

    Word sequences are aligned with difflib's longest-matching-blocks; the matched words are divided
    by the generated word count. 1.0 means signed as generated; words the clinician deleted or
    rewrote lower it; words only added by the clinician do not (they are not generated text).
    """
    gen = re.findall(r"\w+", generated.lower())
    if not gen:
        return 1.0
    matcher = difflib.SequenceMatcher(None, gen, re.findall(r"\w+", signed.lower()), autojunk=False)
    return round(sum(b.size for b in matcher.get_matching_blocks()) / len(gen), 4)


@dataclass(frozen=True)
class EditBurden:
    summary_id: str
    client_id: str
    engine: str
    model: str
    prompt_version: str
    retained: float
    update_rounds: int
    words_generated: int
    words_signed: int


@dataclass(frozen=True)
class SectionEdit:
    """What a clinician did to one section of a draft before signing it."""

    summary_id: str
    engine: str
    model: str
    prompt_version: str
    section: str
    change: str  # kept, rewritten, added (only in the signed text), removed (only in the draft)
    retained: float  # share of the section's generated words kept, in order
    words_generated: int
    words_signed: int


def by_section(text: str) -> dict[str, str]:
    """A summary's text by its "## " headings ("" for anything before the first)."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out.setdefault(current, [])
        else:
            out.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip() for k, v in out.items() if k or "\n".join(v).strip()}


def section_edits(p: Practice, actor: Actor) -> list[SectionEdit]:
    """Per signed summary and section: kept as generated, rewritten, added or removed, and the share of
    its generated words kept, so a tester sees which sections the engine gets wrong."""
    access.require(p.store, actor, "quality_lab")
    out = []
    for s in p.store.all_summaries():
        if not s.verified:
            continue
        before, after = by_section(s.generated_text), by_section(s.text)
        for name in list(before) + [n for n in after if n not in before]:
            gen, signed = before.get(name, ""), after.get(name, "")
            kept = edit_burden(gen, signed) if name in before and name in after else 0.0
            change = (
                "removed"
                if name not in after
                else "added"
                if name not in before
                else "kept"
                if re.findall(r"\w+", gen.lower()) == re.findall(r"\w+", signed.lower())
                else "rewritten"
            )
            out.append(
                SectionEdit(
                    s.id,
                    s.generation.engine,
                    s.generation.model,
                    s.generation.prompt_version,
                    name or "(before the first heading)",
                    change,
                    kept if name in before else 0.0,
                    len(re.findall(r"\w+", gen)),
                    len(re.findall(r"\w+", signed)),
                )
            )
    return out


def edit_burdens(p: Practice, actor: Actor) -> list[EditBurden]:
    """For each signed, not-deleted summary that verifies: how much generated text survived and how many
    Updates it took (a summary changed outside the app is left out: its text is not what was signed)."""
    access.require(p.store, actor, "quality_lab")
    return [
        EditBurden(
            s.id,
            s.client_id,
            s.generation.engine,
            s.generation.model,
            s.generation.prompt_version,
            edit_burden(s.generated_text, s.text),
            s.update_rounds,
            len(re.findall(r"\w+", s.generated_text)),
            len(re.findall(r"\w+", s.text)),
        )
        for s in p.store.all_summaries()
        if s.verified
    ]


def metrics(report: quality.QualityReport) -> dict:
    return {
        "unsupported": len(report.unsupported),
        "facts": report.facts_checked,
        "unsupported_examples": [f"{f.text} — {f.sentence[:120]}" for f in report.unsupported[:5]],
        "coverage_covered": sum(c.covered for c in report.coverage),
        "coverage_total": len(report.coverage),
        "missing": [f"{c.kind}: {c.label}" for c in report.coverage if not c.covered],
        "invalid_citations": list(report.invalid_citations),
        "uncited_paragraphs": len(report.uncited_paragraphs),
        "leaks": len(report.leaks),
        "claim_errors": len(report.claim_errors),
        "claim_omissions": sum(f.severity == "omission" for f in report.claims),
        "claim_examples": [f"{f.kind}: {f.claim} — {f.evidence[:120]}" for f in report.claims[:5]],
        "claims_by_kind": dict(Counter(f"{f.kind} {f.severity}" for f in report.claims)),
        "words": report.words,
        "reading_grade": report.reading_grade,
    }


def _plan(
    p: Practice, run_id: str, client_ids: list[str], on_progress: Callable[[int, int, str], None] | None
) -> Iterator[tuple[EvalItem, Selection | None]]:
    """Each (client, window) of a run as an item, with its selection when the range suffices."""
    for n, client_id in enumerate(client_ids, 1):
        if on_progress:
            on_progress(n, len(client_ids), client_id)
        for window, days in WINDOWS.items():
            rng = window_range(p, client_id, days)
            item = EvalItem(
                id=f"{run_id}-{client_id}-{'whole' if days is None else days}",
                run_id=run_id,
                client_id=client_id,
                range_label=window,
                range_start=rng.start,
                range_end=rng.end,
                status="pending",
            )
            try:
                yield item, sources.require_sufficient(charts.selection(p, client_id, rng.start, rng.end))
            except InsufficientInformation as e:
                yield replace(item, status="insufficient", message=e.message), None


def _checked(p: Practice, item: EvalItem, sel: Selection, draft: Draft | str) -> EvalItem:
    """The item with its draft and the automated checks, or with why it failed."""
    if isinstance(draft, str):
        return replace(item, status="failed", message=draft)
    report = quality.check(draft.text, sel, draft.citations, p.store.excluded_note_texts(item.client_id))
    return replace(item, status="drafted", text=draft.text, metrics=metrics(report), citations=draft.citations)


def evaluate(
    p: Practice,
    actor: Actor,
    engine: str | None = None,
    client_ids: Iterable[str] | None = None,
    label: str = "",
    on_progress: Callable[[int, int, str], None] | None = None,
    batch: bool = False,
) -> str:
    """Draft every chosen client over each window with one engine, check each draft, store the run.
    With batch, the drafts go to the model's batch API and the run waits for collect_batches.
    Client drafts in the workspace are not touched. Returns the run id."""
    access.require(p.store, actor, "quality_lab")
    drafter = p.engine(engine)
    if batch and not hasattr(drafter, "submit_batch"):
        raise InvalidInput(f"Batch submission is for the AI engine; the {drafter.name} engine drafts at once.")
    ids = list(client_ids) if client_ids else [c.id for c in charts.find_clients(p, actor)]
    for cid in ids:
        p.store.client(cid)
    run_id = f"E-{uuid.uuid4().hex[:10]}"
    items: list[EvalItem] = []
    jobs: dict[str, Selection] = {}
    for item, sel in _plan(p, run_id, ids, on_progress):
        if sel is None:
            items.append(item)
        elif batch and not sel.client.ai_consent_on:
            items.append(replace(item, status="failed", message="No consent to AI-assisted documentation."))
        elif batch:
            jobs[item.id] = sel
            items.append(item)
        else:
            try:
                draft: Draft | str = drafter.generate(sel)
            except EngineError as e:
                draft = e.message
            items.append(_checked(p, item, sel, draft))
    run = EvalRun(
        id=run_id,
        created_at=utcnow(),
        created_by=actor.id,
        engine=drafter.name,
        model=drafter.model,
        prompt_version=drafter.prompt_version,
        label=label or f"{drafter.name} {drafter.model}",
        status="pending" if jobs else "complete",
        # jobs are only made with batch, which checked above that the engine has submit_batch
        batch_id=cast(BatchEngine, drafter).submit_batch(jobs) if jobs else None,
    )
    p.store.add_eval_run(run, items)
    return run_id


def collect_batches(p: Practice, actor: Actor, engine: str | None = None) -> list[tuple[str, bool]]:
    """Collect the results of submitted batch runs: (run id, complete now) for each pending run."""
    access.require(p.store, actor, "quality_lab")
    drafter = p.engine(engine)
    outcome = []
    for run in [r for r in p.store.eval_runs() if r.status == "pending" and r.engine == drafter.name]:
        pending = [i for i in p.store.eval_items(run.id) if i.status == "pending"]
        selections = {
            i.id: sources.require_sufficient(charts.selection(p, i.client_id, i.range_start, i.range_end))
            for i in pending
        }
        # a pending run was submitted as a batch by the engine of this name, so the engine batches
        results = cast(BatchEngine, drafter).collect_batch(cast(str, run.batch_id), selections)
        if results is not None:
            p.store.complete_eval_run(
                run.id,
                [
                    _checked(p, i, selections[i.id], results.get(i.id, "No result was returned for this request."))
                    for i in pending
                ],
            )
        outcome.append((run.id, results is not None))
    return outcome


def window_range(p: Practice, client_id: str, days: int | None) -> sources.DateRange:
    today = p.today()
    if days is None:
        return sources.preset_range("Whole treatment", today, p.store, client_id)
    return sources.DateRange(today - timedelta(days=days), today)


def totals(items: list[EvalItem]) -> dict:
    """Run-level figures: rates are pooled (sum of counts over sum of denominators)."""
    drafted = [i for i in items if i.status == "drafted"]
    m = [i.metrics for i in drafted if i.metrics is not None]  # a drafted item always has its metrics
    facts = sum(x["facts"] for x in m)
    expected = sum(x["coverage_total"] for x in m)
    return {
        "drafts": len(drafted),
        "insufficient": sum(i.status == "insufficient" for i in items),
        "failed": sum(i.status == "failed" for i in items),
        "unsupported_facts": sum(x["unsupported"] for x in m),
        "facts_checked": facts,
        "unsupported_rate": round(sum(x["unsupported"] for x in m) / facts, 4) if facts else 0.0,
        "coverage_rate": round(sum(x["coverage_covered"] for x in m) / expected, 4) if expected else 1.0,
        "invalid_citations": sum(len(x["invalid_citations"]) for x in m),
        "leaks": sum(x["leaks"] for x in m),
        "claim_errors": sum(x.get("claim_errors", 0) for x in m),
        "claim_omissions": sum(x.get("claim_omissions", 0) for x in m),
        "mean_words": round(sum(x["words"] for x in m) / len(m), 1) if m else 0.0,
        "mean_reading_grade": round(sum(x["reading_grade"] for x in m) / len(m), 1) if m else 0.0,
    }


def runs(p: Practice, actor: Actor) -> list[EvalRun]:
    """Every evaluation run, newest first."""
    access.require(p.store, actor, "quality_lab")
    return p.store.eval_runs()


def engine_choices(p: Practice, actor: Actor) -> list[str]:
    """The engines a comparison can draft with: the rule-based one always, the AI one when configured."""
    access.require(p.store, actor, "quality_lab")
    return ["offline"] + (["anthropic"] if p.settings.engine_name == "anthropic" else [])


def run(p: Practice, actor: Actor, run_id: str) -> tuple[EvalRun, list[EvalItem]]:
    access.require(p.store, actor, "quality_lab")
    found = [r for r in p.store.eval_runs() if r.id == run_id]
    if not found:
        raise InvalidInput(f"There is no evaluation run {run_id}.")
    return found[0], p.store.eval_items(run_id)


def aggregates(p: Practice, actor: Actor) -> list[dict]:
    """Per run (two runs of one engine are two rows): pooled check figures, and the PDQI-9 ratings of
    its drafts; each row says which run, engine, model and prompt version it is, and when it ran."""
    access.require(p.store, actor, "quality_lab")
    scores: dict[str, list[int]] = defaultdict(list)
    for rating in ratings(p, actor, "eval"):
        scores[rating.target_id].append(rating.total)
    rows = []
    for r in p.store.eval_runs():
        items = p.store.eval_items(r.id)
        rated = [total for i in items for total in scores.get(i.id, [])]
        rows.append(
            {
                **run_columns(r),
                **totals(items),
                "ratings": len(rated),
                "mean_pdqi9": round(sum(rated) / len(rated), 1) if rated else None,
            }
        )
    return rows


def pdqi_by_run(p: Practice, actor: Actor) -> list[dict]:
    """Per run and PDQI-9 item: the mean score of its rated drafts, for the chart and its CSV."""
    access.require(p.store, actor, "quality_lab")
    run_of = {i.id: r for r in p.store.eval_runs() for i in p.store.eval_items(r.id)}
    scores: dict[tuple[str, str], list[int]] = defaultdict(list)
    runs: dict[str, EvalRun] = {}
    for rating in ratings(p, actor, "eval"):
        r = run_of.get(rating.target_id)
        if r is None:
            continue
        runs[r.id] = r
        for key, label, _ in PDQI9:
            scores[(r.id, label)].append(rating.scores[key])
    return [
        {**run_columns(runs[run_id]), "item": label, "ratings": len(v), "mean": round(sum(v) / len(v), 2)}
        for (run_id, label), v in scores.items()
    ]


def findings_by_run(p: Practice, actor: Actor) -> list[dict]:
    """Per run: the claim-level findings of its drafts by kind and severity (error, omission, warning)."""
    access.require(p.store, actor, "quality_lab")
    rows = []
    for r in p.store.eval_runs():
        counts: Counter[str] = Counter()
        for i in p.store.eval_items(r.id):
            counts.update((i.metrics or {}).get("claims_by_kind", {}))
        rows += [
            {**run_columns(r), "finding": k.split(" ")[0], "severity": k.split(" ")[1], "count": n}
            for k, n in sorted(counts.items())
        ]
    return rows


def run_columns(r: EvalRun) -> dict:
    """What says which run a row comes from, first in every row of every export."""
    return {
        "run_id": r.id,
        "run_label": r.label,
        "engine": r.engine,
        "model": r.model,
        "prompt_version": r.prompt_version,
        "run_at": r.created_at,
    }


def compare(p: Practice, actor: Actor, run_a: str, run_b: str) -> list[Comparison]:
    """The two runs side by side, matched by client and window."""
    (_, a), (_, b) = run(p, actor, run_a), run(p, actor, run_b)
    by_key = {(i.client_id, i.range_label): i for i in b}
    return [Comparison(i.client_id, i.range_label, i, by_key.get((i.client_id, i.range_label))) for i in a]


def to_csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("; ".join(map(str, v)) if isinstance(v, list) else v) for k, v in row.items()})
    return out.getvalue()


def item_rows(run: EvalRun, items: list[EvalItem]) -> list[dict]:
    """Flat per-draft rows for tables and CSV, each saying its run, engine, model and prompt version.
    An evaluation draft has no purpose: the column says so, so rows from anywhere line up."""
    rows = []
    for i in items:
        m = i.metrics or {}
        rows.append(
            {
                **run_columns(run),
                "item_id": i.id,
                "client_id": i.client_id,
                "purpose": "",
                "window": i.range_label,
                "range_start": i.range_start,
                "range_end": i.range_end,
                "status": i.status,
                "unsupported": m.get("unsupported"),
                "facts": m.get("facts"),
                "coverage": f"{m['coverage_covered']}/{m['coverage_total']}" if m else None,
                "leaks": m.get("leaks"),
                "claim_errors": m.get("claim_errors"),
                "invalid_citations": len(m.get("invalid_citations", [])) if m else None,
                "words": m.get("words"),
                "reading_grade": m.get("reading_grade"),
                "note": i.message or "; ".join(m.get("missing", [])),
            }
        )
    return rows
