"""Mutation benchmark of the claim checker (SPEC section 5: "the checker's own detection rate is
measured by injecting known errors into correct drafts").

Offline drafts of the demo charts are taken as correct; each operator injects one known error into a
copy (a score, date, band, change label or trend changed, a risk event negated or dropped, the safety
plan dropped, a diagnosis status or medication changed, another client's fact inserted, a citation
moved). A mutation is detected when `core.claims.findings` reports an error or omission on the mutated
draft that it did not report on the clean one. False alarms are the share of clean-draft sentences
flagged as errors.

The operators read the draft text and the chart's plain data (core.models) with their own parsing and
their own table of bands, cut-offs and reliable-change thresholds: nothing comes from core.quality,
core.course or core.risk, so a mistake there cannot hide the same mistake in the checker.

    bench/mutations.py [--quick] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import percentile, table  # noqa: E402
from core import charts, sources  # noqa: E402
from core.claims import Finding, findings  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engines.offline import OfflineEngine  # noqa: E402
from core.errors import InsufficientInformation  # noqa: E402
from core.models import Assessment, Citation, Diagnosis  # noqa: E402
from core.service import Practice  # noqa: E402
from core.sources import Selection  # noqa: E402

ANCHOR = date(2026, 6, 30)  # the demo charts' "today"
RANGES = ("Whole treatment", "Last 6 months")
PURPOSES = ("Case consultation", "Transfer of care")
QUICK_CLIENTS = 4
MISSED_EXAMPLES = 3
FILLER = "Not documented in the sources for this range."

# The published thresholds, kept here on purpose (not imported from core.scoring's users): bands as
# (lowest score, label), the clinical cut-off, the reliable-change index and the maximum score.
BANDS: dict[str, tuple[tuple[int, str], ...]] = {
    "PHQ-9": ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")),
    "GAD-7": ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
    "PCL-5": ((0, "below provisional PTSD cut-off"), (33, "above provisional PTSD cut-off")),
    "AUDIT": (
        (0, "zone I, low risk"),
        (8, "zone II, hazardous use"),
        (16, "zone III, harmful use"),
        (20, "zone IV, possible dependence"),
    ),
}
CUTOFF = {"PHQ-9": 10, "GAD-7": 8, "PCL-5": 33, "AUDIT": 8}
RELIABLE = {"PHQ-9": 6, "GAD-7": 4, "PCL-5": 10}
MAX_SCORE = {"PHQ-9": 27, "GAD-7": 21, "PCL-5": 80, "AUDIT": 40, "PHQ-2": 6, "AUDIT-C": 12, "DAST-10": 10}
PSYCHOTROPICS = (
    ("sertraline", "50 mg daily"),
    ("escitalopram", "10 mg daily"),
    ("bupropion", "150 mg daily"),
    ("venlafaxine", "75 mg daily"),
    ("mirtazapine", "15 mg at bedtime"),
    ("quetiapine", "50 mg at bedtime"),
    ("lamotrigine", "100 mg daily"),
    ("aripiprazole", "5 mg daily"),
)

INSTRUMENT = re.compile(r"\b(PHQ-9|PHQ-2|GAD-7|PCL-5|AUDIT-C|AUDIT|DAST-10|HARK)\b")
ISO = r"\d{4}-\d{2}-\d{2}"
# A score with its date: "9 (mild) on 2026-06-16", "9 on 2026-06-16" or the table's "9 (2026-06-16)".
SCORE_DATE = re.compile(rf"(?<![\w.-])(\d{{1,3}})(?: \(([a-z][^()]*)\))? (?:on ({ISO})|\(({ISO})\))")
ICD = re.compile(r"\b[A-TV-Z]\d{2}(?:\.\d{1,4})?\b")
DX_STATUS = re.compile(rf"\b([A-TV-Z]\d{{2}}(?:\.\d{{1,4}})?)\b[^\n]*?onset ({ISO})[;,] (active|resolved ({ISO}))")
CHANGE_LABELS = (
    "reliable and clinically significant improvement",
    "reliable improvement",
    "no reliable change",
    "reliable deterioration",
    "lower than at first administration",
    "higher than at first administration",
)
WRONG_LABELS = {  # what each true first-to-latest label is flipped to
    "reliable and clinically significant improvement": ("no reliable change", "reliable deterioration"),
    "reliable improvement": ("no reliable change", "reliable deterioration", CHANGE_LABELS[0]),
    "no reliable change": ("reliable improvement", "reliable deterioration", CHANGE_LABELS[0]),
    "reliable deterioration": ("no reliable change", "reliable improvement"),
    "lower than at first administration": ("higher than at first administration",),
    "higher than at first administration": ("lower than at first administration",),
    "unchanged": ("lower than at first administration",),
}
LABEL_SITE = re.compile(
    r"(?:^\| (?P<row>[A-Z][\w-]*) \|.*\| (?P<cell>[a-z][a-z ]+) \|$)"
    r"|(?:^(?P<rem>[A-Z][\w-]*): (?:From .+? to .+?|.+? at first and latest): (?P<said>[a-z][a-z ]+?) \()",
    re.M,
)
LAST_THREE = re.compile(
    r"^(?P<inst>[A-Z][\w-]*):.*?Last three scores \((?P<s>\d+), (?P<t>\d+), (?P<u>\d+)\): (?P<w>improving|worsening)\."
)
# A documented risk event, read from a note sentence: a finding reported, never a denial or a negative screen.
EVENT = re.compile(
    r"\b(?:disclos\w*|endors\w*|positive for|reports? (?:passive |active )?(?:suicidal|homicidal)|attempted suicide|"
    r"suicide attempt|overdos\w*|self-harm(?:ed)? (?:by|with|on)|cut (?:her|him|them)self|involuntary|72-hour hold|"
    r"afraid of (?:her|his|their) partner)",
    re.I,
)
RISK_TOPIC = re.compile(r"suicid|ideation|self-harm|overdos|homicid|C-SSRS|partner|hold", re.I)
DENIAL = re.compile(r"\bden(?:y|ies|ied)\b|\bnegative\b|\bno (?:current )?(?:suicidal|SI\b|self-harm)", re.I)
SAFETY_PLAN = re.compile(r"\bsafety plan\b", re.I)
RISK_MENTION = re.compile(r"\brisk (?:event|history)", re.I)
LIST_ITEM = re.compile(r"^(?:- |\d+\. )")
DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*(mg|mcg|g|ml)\b", re.I)


# -- the clean drafts and what their charts say ------------------------------------------------------


@dataclass
class Facts:
    """The chart of one selection, read on its own from the items' plain data."""

    scores: dict[tuple[str, str], set[int]]  # (instrument, ISO date) -> scores, in range and baseline
    severity: dict[tuple[str, str, int], str]
    series: dict[str, list[Assessment]]  # in range, oldest first
    dates: list[str]  # every dated item of the selection
    note_dates: list[str]  # signed notes in range
    events: list[tuple[str, str]]  # (ISO date, sentence) risk events of signed notes, range and carried
    safety_plan: bool
    diagnoses: dict[str, Diagnosis]
    medications: set[str]  # names, lower case
    corpus: str  # every item's text, lower case

    @classmethod
    def of(cls, sel: Selection) -> Facts:
        scores: dict[tuple[str, str], set[int]] = {}
        severity = {}
        for a in (*sel.baseline, *sel.assessments):
            key = (a.instrument, a.administered_on.isoformat())
            scores.setdefault(key, set()).add(a.total_score)
            severity[(*key, a.total_score)] = a.severity
        series: dict[str, list[Assessment]] = {}
        for a in sorted(sel.assessments, key=lambda a: (a.administered_on, a.id)):
            series.setdefault(a.instrument, []).append(a)
        events, plan = [], False
        for n in (*sel.carried, *sel.notes):
            for s in note_sentences(n.text):
                if EVENT.search(s) and RISK_TOPIC.search(s) and not DENIAL.search(s):
                    events.append((n.note_date.isoformat(), s))
                plan = plan or bool(SAFETY_PLAN.search(s) and not re.search(r"\bno safety plan", s, re.I))
        items = sel.items
        return cls(
            scores=scores,
            severity=severity,
            series=series,
            dates=sorted({i.date.isoformat() for i in items}),
            note_dates=sorted({n.note_date.isoformat() for n in sel.notes}),
            events=events,
            safety_plan=plan,
            diagnoses={d.code: d for d in sel.diagnoses},
            medications={m.name.lower() for m in sel.medications},
            corpus="\n".join(i.text for i in items).lower(),
        )


@dataclass
class CleanDraft:
    key: str  # "C1001 / Whole treatment / Case consultation"
    client_id: str
    sel: Selection
    text: str
    citations: tuple[Citation, ...]
    facts: Facts = field(init=False)
    # What this draft may lend another client's: diagnosis lines (with their codes) and score lines
    # (with their instrument, date and score triples).
    offers: list[tuple[str, str, list[str], list[tuple[str, str, int]]]] = field(init=False)

    def __post_init__(self) -> None:
        self.facts = Facts.of(self.sel)
        self.offers = []
        for line in self.text.splitlines():
            if re.match(r"^- [A-TV-Z]\d{2}", line) and "(ICD" in line and ICD.findall(line):
                self.offers.append(("diagnosis", line, ICD.findall(line), []))
            elif line.startswith("Latest scores: "):
                pairs = [
                    (named[-1].group(1), m.group(3) or m.group(4), int(m.group(1)))
                    for m in SCORE_DATE.finditer(line)
                    if (named := list(INSTRUMENT.finditer(line[: m.start()])))
                ]
                if pairs:
                    self.offers.append(("scores", line, [], pairs))


def note_sentences(text: str) -> list[str]:
    """Sentences of a note, without SOAP / DAP / BIRP labels and list markers."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[A-Z]:|[-*])\s*", "", line.strip())
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", line) if s.strip()]
    return out


def clean_drafts(practice: Practice) -> list[CleanDraft]:
    """Every demo client x {whole treatment, last 6 months} x {consultation, transfer}, drafted offline."""
    today = practice.today()
    engine = OfflineEngine()
    out = []
    for row in practice.store.client_rows():
        for preset in RANGES:
            try:
                rng = sources.preset_range(preset, today, practice.store, row.id)
            except InsufficientInformation:
                continue
            for purpose in PURPOSES:
                try:
                    sel = sources.require_sufficient(
                        charts.selection(practice, row.id, rng.start, rng.end, purpose, ())
                    )
                except InsufficientInformation:
                    continue
                draft = engine.generate(sel)
                out.append(CleanDraft(f"{row.id} / {preset} / {purpose}", row.id, sel, draft.text, draft.citations))
    return out


# -- reading and rewriting a draft ---------------------------------------------------------------------


def blocks_of(text: str) -> list[str]:
    """Blank-line separated blocks: what Citation.paragraph counts."""
    return [b.strip() for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ")]


def section_index(blocks: list[str]) -> list[str]:
    """The heading each block is under ('' before the first)."""
    out, current = [], ""
    for b in blocks:
        if b.startswith("## "):
            current = b[3:].strip()
        out.append(current)
    return out


def units(text: str) -> list[str]:
    """What a reader takes as one statement: a list item, a table row, or a sentence of prose."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^\|[-| ]+\|$", line) or line.startswith("| Measure |"):
            continue
        if LIST_ITEM.match(line) or line.startswith("|"):
            out.append(line)
        else:
            out += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", line) if s.strip()]
    return out


def rebuild(
    draft: CleanDraft, replace: dict[int, str | None], insert_after: dict[int, list[str]] | None = None
) -> tuple[str, tuple[Citation, ...]]:
    """The text with blocks replaced (None or '': removed) or inserted, and the citations moved with
    their blocks; a section left empty says so as the engine does."""
    placed: list[tuple[str, int | None]] = []
    for i, b in enumerate(blocks_of(draft.text)):
        new = replace.get(i, b)
        if new and new.strip():
            placed.append((new.strip(), i))
        placed += [(extra, None) for extra in (insert_after or {}).get(i, [])]
    filled: list[tuple[str, int | None]] = []
    for n, (b, origin) in enumerate(placed):
        filled.append((b, origin))
        nxt = placed[n + 1][0] if n + 1 < len(placed) else "## "
        if b.startswith("## ") and nxt.startswith("## "):
            filled.append((FILLER, None))
    where = {origin: n for n, (_, origin) in enumerate(filled) if origin is not None}
    cites = tuple(Citation(where[c.paragraph], c.item_ids) for c in draft.citations if c.paragraph in where)
    return "\n\n".join(b for b, _ in filled) + "\n", cites


def drop_units(block: str, drop: Callable[[str], bool]) -> str | None:
    """The block without the statements `drop` picks (unchanged when it picks none); None when nothing
    but a list's lead-in is left."""
    lines, dropped = [], False
    for line in block.splitlines():
        if LIST_ITEM.match(line.strip()) or line.strip().startswith("|"):
            if drop(line.strip()):
                dropped = True
            else:
                lines.append(line)
            continue
        said = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", line.strip()) if s]
        kept = [s for s in said if not drop(s)]
        dropped = dropped or len(kept) < len(said)
        if kept:
            lines.append(line if len(kept) == len(said) else " ".join(kept))
    if not dropped:
        return block
    if not lines or (len(lines) == 1 and lines[0].rstrip().endswith(":")):
        return None
    return "\n".join(lines)


@dataclass(frozen=True)
class Mention:
    """A score with its date in the text, attributed to the instrument named before it on its line."""

    block: int
    instrument: str
    score: int
    day: str
    band: str | None
    score_span: tuple[int, int]  # within the block
    band_span: tuple[int, int] | None
    day_span: tuple[int, int]


def mentions(draft: CleanDraft) -> list[Mention]:
    """Score-date pairs that match an assessment of the chart (the only ones a mutation may change)."""
    out = []
    for b, block in enumerate(blocks_of(draft.text)):
        offset = 0
        for line in block.split("\n"):
            for m in SCORE_DATE.finditer(line):
                named = list(INSTRUMENT.finditer(line[: m.start()]))
                if not named:
                    continue
                inst, score = named[-1].group(1), int(m.group(1))
                day = m.group(3) or m.group(4)
                if score not in draft.facts.scores.get((inst, day), set()):
                    continue
                dg = 3 if m.group(3) else 4
                out.append(
                    Mention(
                        b,
                        inst,
                        score,
                        day,
                        m.group(2),
                        (offset + m.start(1), offset + m.end(1)),
                        (offset + m.start(2), offset + m.end(2)) if m.group(2) else None,
                        (offset + m.start(dg), offset + m.end(dg)),
                    )
                )
            offset += len(line) + 1
    return out


def splice(draft: CleanDraft, b: int, span: tuple[int, int], new: str) -> tuple[str, tuple[Citation, ...]]:
    block = blocks_of(draft.text)[b]
    return rebuild(draft, {b: block[: span[0]] + new + block[span[1] :]})


def band_of(instrument: str, score: int) -> str | None:
    label = None
    for low, name in BANDS.get(instrument, ()):
        if score >= low:
            label = name
    return label


def change_label(instrument: str, first: int, latest: int) -> str:
    """First to latest in the words a clinician uses (higher is worse for every measure here)."""
    delta, rc, cutoff = latest - first, RELIABLE.get(instrument), CUTOFF.get(instrument)
    if rc is None:
        return (
            "lower than at first administration"
            if delta < 0
            else "higher than at first administration"
            if delta
            else "unchanged"
        )
    if abs(delta) < rc:
        return "no reliable change"
    if delta > 0:
        return "reliable deterioration"
    crossed = cutoff is not None and first >= cutoff > latest
    return CHANGE_LABELS[0] if crossed else "reliable improvement"


def trend_of(instrument: str, last: Sequence[int]) -> str:
    worse, rc = last[-1] - last[0], RELIABLE.get(instrument)
    if rc is None:
        return "worsening" if worse > 0 else "improving" if worse < 0 else "stable"
    return "worsening" if worse >= rc else "improving" if -worse >= rc else "stable"


def is_event_unit(unit: str, facts: Facts) -> bool:
    """Whether a statement of the draft reports one of the chart's risk events."""
    words = lambda s: re.sub(r"[^a-z0-9]+", " ", s.lower()).split()  # noqa: E731
    said = " ".join(words(unit))
    return any(" ".join(words(s)[:8]) in said for _, s in facts.events)


Mutation = tuple[str, tuple[Citation, ...], str]
Operator = Callable[[CleanDraft, random.Random, Sequence[CleanDraft]], Mutation | None]


# -- the operators -----------------------------------------------------------------------------------


def score_swapped(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """An instrument score changed to one no assessment of that instrument has on that date."""
    found = mentions(d)
    if not found:
        return None
    m = rng.choice(found)
    top = MAX_SCORE.get(m.instrument, 27)
    taken = d.facts.scores[(m.instrument, m.day)]
    options = [
        m.score + k for k in (3, -3, 4, -4, 2, -2, 5, -5) if 0 <= m.score + k <= top and m.score + k not in taken
    ]
    if not options:
        return None
    new = options[0]
    text, cites = splice(d, m.block, m.score_span, str(new))
    return text, cites, f"{m.instrument} {m.score} on {m.day} written as {new}"


def date_swapped(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """A score's date moved to another date of the chart, on which that instrument has no such score."""
    found = mentions(d)
    if not found:
        return None
    m = rng.choice(found)
    given = {day for (inst, day) in d.facts.scores if inst == m.instrument}
    options = [x for x in d.facts.dates if x != m.day and x not in given]
    if not options:
        return None
    new = rng.choice(options)
    text, cites = splice(d, m.block, m.day_span, new)
    return text, cites, f"{m.instrument} {m.score} of {m.day} dated {new}"


# A score with its band and no date: "9 (mild) to 11 (moderate)", "13 (moderate) at the one administration".
SCORE_BAND = re.compile(rf"(?<![\w.-])(\d{{1,3}}) \(([a-z][^(),]*(?:, [a-z][^(),]*)?)\)(?! on {ISO})")


def banded(draft: CleanDraft) -> list[tuple[int, str, int, str, tuple[int, int]]]:
    """(block, instrument, score, band, band span) for each undated score the chart has, with its band."""
    out = []
    for b, block in enumerate(blocks_of(draft.text)):
        offset = 0
        for line in block.split("\n"):
            for m in SCORE_BAND.finditer(line):
                named = list(INSTRUMENT.finditer(line[: m.start()]))
                if not named:
                    continue
                inst, score = named[-1].group(1), int(m.group(1))
                known = any(score in v for (i, _), v in draft.facts.scores.items() if i == inst)
                if known and m.group(2) == band_of(inst, score):
                    out.append((b, inst, score, m.group(2), (offset + m.start(2), offset + m.end(2))))
            offset += len(line) + 1
    return out


def band_flipped(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """The severity band beside a score (dated or not) replaced by another band of that instrument."""
    found = [
        (m.block, m.instrument, m.score, m.band, m.band_span, f" on {m.day}")
        for m in mentions(d)
        if m.band
        and m.band == band_of(m.instrument, m.score)
        and m.band == d.facts.severity.get((m.instrument, m.day, m.score))
    ] + [(*x, "") for x in banded(d)]
    if not found:
        return None
    block, inst, score, band, span, day = rng.choice(found)
    assert span is not None
    new = rng.choice([label for _, label in BANDS[inst] if label != band])
    text, cites = splice(d, block, span, new)
    return text, cites, f"{inst} {score}{day}: band '{band}' written as '{new}'"


def change_flipped(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """A first-to-latest change label replaced by a wrong one ('clinically significant' added where it
    does not hold, or a reliable change denied or reversed)."""
    sites = []
    for b, block in enumerate(blocks_of(d.text)):
        for m in LABEL_SITE.finditer(block):
            inst, group = (m.group("row"), "cell") if m.group("row") else (m.group("rem"), "said")
            said, scores = m.group(group), d.facts.series.get(inst or "", [])
            if len(scores) < 2 or said != change_label(inst, scores[0].total_score, scores[-1].total_score):
                continue
            sites.append((b, m.span(group), inst, said))
    if not sites:
        return None
    b, span, inst, said = rng.choice(sites)
    new = rng.choice(WRONG_LABELS[said])
    text, cites = splice(d, b, span, new)
    return text, cites, f"{inst}: change '{said}' written as '{new}'"


def trend_reversed(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """A trend turned around (improving <-> worsening, decreasing <-> increasing), or a measure that was
    below its cut-off at some point said to remain in the clinical range."""
    blocks = blocks_of(d.text)
    series = d.facts.series
    sites: dict[str, list[tuple[int, tuple[int, int], str, str]]] = {}  # kind -> block, span, new text, what
    for b, block in enumerate(blocks):
        m = LAST_THREE.search(block)
        if m and m.group("inst") in series:
            inst, said = m.group("inst"), m.group("w")
            last = [int(m.group(g)) for g in "stu"]
            if last == [a.total_score for a in series[inst][-3:]] and trend_of(inst, last) == said:
                new = "worsening" if said == "improving" else "improving"
                sites.setdefault("reversed", []).append(
                    (b, m.span("w"), new, f"{inst} last three: '{said}' -> '{new}'")
                )
        inst = next((i for i in series if block.startswith(f"{i}: ")), None)
        if (
            inst
            and inst in CUTOFF
            and len(series[inst]) > 1
            and min(a.total_score for a in series[inst]) < CUTOFF[inst]
        ):
            claim = f" {inst} remains in the clinical range throughout: no score in range fell below the cut-off."
            sites.setdefault("clinical range", []).append(
                (b, (len(block), len(block)), claim, f"{inst} said to remain in the clinical range")
            )
    primary = max(sorted(series), key=lambda i: len(series[i]), default=None)
    if primary and len(series[primary]) > 1:
        moved = change_label(primary, series[primary][0].total_score, series[primary][-1].total_score)
        went = "decreasing" if "improvement" in moved or moved.startswith("lower") else None
        went = went or ("increasing" if "deterioration" in moved or moved.startswith("higher") else None)
        for b, block in enumerate(blocks):
            for m in re.finditer(r"\b(decreasing|increasing)\b", block):
                if m.group(1) == went:  # the scores agree with the word: its opposite is wrong
                    new = "increasing" if went == "decreasing" else "decreasing"
                    sites.setdefault("direction", []).append(
                        (b, m.span(1), new, f"'{went}' -> '{new}' ({primary}: {moved})")
                    )
    if not sites:
        return None
    b, span, new, what = rng.choice(sites[rng.choice(sorted(sites))])
    text, cites = splice(d, b, span, new)
    return text, cites, what


DENIALS = (
    (re.compile(r"homicid", re.I), "No homicidal ideation was ever reported."),
    (re.compile(r"suicid|ideation|C-SSRS", re.I), "No suicidal ideation was ever reported."),
    (re.compile(r"self-harm|cut (?:her|him|them)self", re.I), "No self-harm was ever reported."),
    (re.compile(r"overdos", re.I), "No overdose was ever reported."),
    (re.compile(r"partner", re.I), "No intimate-partner violence was ever reported."),
)


def risk_negated(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """A statement reporting a documented risk event replaced by a denial."""
    sites = [(b, u) for b, block in enumerate(blocks_of(d.text)) for u in units(block) if is_event_unit(u, d.facts)]
    if not sites:
        return None
    b, unit = rng.choice(sites)
    denial = next((text for pattern, text in DENIALS if pattern.search(unit)), "No risk event was ever reported.")
    lead = re.match(rf"^(?:- |\d+\. )(?:{ISO}: )?", unit)
    new = (lead.group(0) if lead else "") + denial
    block = blocks_of(d.text)[b]
    text, cites = rebuild(d, {b: block.replace(unit, new, 1)})
    return text, cites, f"'{unit[:80]}' replaced by '{denial}'"


def risk_dropped(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """Every statement about a documented risk event removed."""
    blocks = blocks_of(d.text)
    if not any(is_event_unit(u, d.facts) for block in blocks for u in units(block)):
        return None
    drop = lambda u: is_event_unit(u, d.facts) or bool(RISK_MENTION.search(u))  # noqa: E731
    replace = {b: drop_units(block, drop) for b, block in enumerate(blocks) if not block.startswith("## ")}
    text, cites = rebuild(d, replace)
    return text, cites, f"{len(d.facts.events)} documented risk event(s) left out"


def safety_plan_dropped(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """The safety-plan lines removed (goals and the plan's interventions keep theirs)."""
    if not d.facts.safety_plan:
        return None
    blocks = blocks_of(d.text)
    where = section_index(blocks)
    keep_in = ("Treatment goals and progress", "Interventions and course of treatment")
    drop = lambda u: bool(SAFETY_PLAN.search(u))  # noqa: E731
    replace = {
        b: drop_units(block, drop)
        for b, block in enumerate(blocks)
        if not block.startswith("## ") and where[b] not in keep_in and SAFETY_PLAN.search(block)
    }
    if not replace:
        return None
    text, cites = rebuild(d, replace)
    return text, cites, "safety plan left out"


def diagnosis_flipped(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """A diagnosis said to be resolved when it is active, or active when it was resolved."""
    end = d.sel.range.end
    sites = []
    for b, block in enumerate(blocks_of(d.text)):
        for m in DX_STATUS.finditer(block):
            dx = d.facts.diagnoses.get(m.group(1))
            if dx is None or dx.onset.isoformat() != m.group(2):
                continue
            active = dx.resolved is None or dx.resolved > end
            if m.group(3) == "active" and active:
                later = [x for x in d.facts.dates if dx.onset.isoformat() < x <= end.isoformat()]
                if later:
                    sites.append((b, m.span(3), f"resolved {rng.choice(later)}", dx.code))
            elif m.group(4) and not active and dx.resolved and m.group(4) == dx.resolved.isoformat():
                sites.append((b, m.span(3), "active", dx.code))
    if not sites:
        return None
    b, span, new, code = rng.choice(sites)
    text, cites = splice(d, b, span, new)
    return text, cites, f"{code} written as {new}"


def medication_changed(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """A dose changed, a medication renamed to another psychotropic, or (a chart without medications) a
    psychotropic said to be on file."""
    blocks = blocks_of(d.text)
    absent = [(name, dose) for name, dose in PSYCHOTROPICS if name not in d.facts.corpus]
    if not absent:
        return None
    name, dose = rng.choice(absent)
    sites = []
    for b, block in enumerate(blocks):
        for med in d.facts.medications:
            for m in re.finditer(rf"\b{re.escape(med)}\b", block, re.I):
                sites.append((b, m.span(), name, f"{m.group(0)} written as {name}"))
                dm = DOSE.search(block, m.end(), min(len(block), m.end() + 40))
                if dm:
                    new = str(int(float(dm.group(1)) * 2)) if float(dm.group(1)) >= 1 else "1"
                    sites.append((b, dm.span(1), new, f"{m.group(0)} dose {dm.group(0)} written as {new}"))
    if sites:
        b, span, new, what = rng.choice(sites)
        text, cites = splice(d, b, span, new)
        return text, cites, what
    claim = f"Medications on file: {name} {dose}."
    for b, block in enumerate(blocks):
        none = re.search(r"No medications are on file[^\n]*", block)
        if none:
            text, cites = rebuild(d, {b: block[: none.start()] + claim + block[none.end() :]})
            return text, cites, f"{name} said to be on file (none is)"
    where = section_index(blocks)
    inside = [b for b, s in enumerate(where) if s == "Interventions and course of treatment"]
    if not inside:
        return None
    day = (d.facts.note_dates or d.facts.dates)[-1]
    line = f"Medications on file in this range:\n- {name} ({dose}): prescribed {day}; latest status active."
    if blocks[inside[-1]] == FILLER:
        text, cites = rebuild(d, {inside[-1]: line})
    else:
        text, cites = rebuild(d, {}, {inside[-1]: [line]})
    return text, cites, f"{name} said to be prescribed (no medication is on file)"


def foreign_fact(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """A diagnosis line or a score line of another client's clean draft inserted."""
    blocks = blocks_of(d.text)
    where = section_index(blocks)
    options: set[tuple[str, str]] = set()  # (kind, line)
    for o in others:
        if o.client_id == d.client_id:
            continue
        for kind, line, codes, pairs in o.offers:
            if kind == "diagnosis" and codes[0] not in d.facts.diagnoses and codes[0].lower() not in d.facts.corpus:
                options.add((kind, line))
            elif kind == "scores" and all(s not in d.facts.scores.get((i, day), set()) for i, day, s in pairs):
                options.add((kind, line))
    if not options:
        return None
    kind, line = rng.choice(sorted(options))
    if kind == "diagnosis":
        inside = [b for b, s in enumerate(where) if s == "Diagnoses" and not blocks[b].startswith("## ")]
        if not inside:
            return None
        b = inside[0]
        new = line if blocks[b] == FILLER or not blocks[b].startswith("- ") else blocks[b] + "\n" + line
        text, cites = rebuild(d, {b: new})
    else:
        inside = [b for b, s in enumerate(where) if s == "Current status"]
        if not inside:
            return None
        after = next((b for b in inside if blocks[b].startswith("Latest scores: ")), inside[0])
        text, cites = rebuild(d, {}, {after: [line]})
    return text, cites, f"another client's {kind} line inserted: {line[:90]}"


def citation_moved(d: CleanDraft, rng: random.Random, others: Sequence[CleanDraft]) -> Mutation | None:
    """One paragraph's citations replaced by an item of another date that mentions none of its facts."""
    blocks = blocks_of(d.text)
    items = d.sel.items
    sites = []
    for c in d.citations:
        if c.paragraph >= len(blocks):
            continue
        para = blocks[c.paragraph]
        facts = set(re.findall(ISO, para)) | set(ICD.findall(para))
        if not facts:
            continue
        unrelated = [
            i
            for i in items
            if i.id not in c.item_ids
            and i.date.isoformat() not in facts
            and not any(f.lower() in i.text.lower() for f in facts)
        ]
        notes = [i for i in unrelated if i.kind == "note"]
        if notes or unrelated:
            sites.append((c, notes or unrelated))
    if not sites:
        return None
    c, candidates = rng.choice(sites)
    item = rng.choice(candidates)
    cites = tuple(Citation(x.paragraph, (item.id,)) if x == c else x for x in d.citations)
    return (
        d.text,
        cites,
        f"paragraph {c.paragraph} cites {item.id} ({item.kind}, {item.date.isoformat()}) instead of {', '.join(c.item_ids)}",
    )


OPERATORS: dict[str, Operator] = {
    "score swapped": score_swapped,
    "date swapped": date_swapped,
    "band flipped": band_flipped,
    "change label flipped": change_flipped,
    "trend reversed": trend_reversed,
    "risk negated": risk_negated,
    "risk dropped": risk_dropped,
    "safety plan dropped": safety_plan_dropped,
    "diagnosis status flipped": diagnosis_flipped,
    "medication changed": medication_changed,
    "fact from another client": foreign_fact,
    "citation moved": citation_moved,
}


@dataclass(frozen=True)
class Mutant:
    operator: str
    draft: CleanDraft
    text: str
    citations: tuple[Citation, ...]
    description: str
    touched: tuple[str, ...]  # the lines the mutation wrote (or, for a citation, the paragraph it re-cites)
    removed: bool  # lines were taken out (an omission is the expected finding)


def touched_lines(draft: CleanDraft, text: str, cites: tuple[Citation, ...]) -> tuple[tuple[str, ...], bool]:
    a, b = draft.text.splitlines(), text.splitlines()
    out, removed = [], False
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            out += [line for line in b[j1:j2] if line.strip() and line != FILLER]
        if tag == "delete" or (tag == "replace" and i2 - i1 > j2 - j1):
            removed = True
        if tag == "delete":
            out += [f"(removed) {line}" for line in a[i1:i2] if line.strip()]
    if not out and cites != draft.citations:
        blocks = blocks_of(text)
        moved = set(cites) - set(draft.citations)
        out = [line for c in moved if c.paragraph < len(blocks) for line in blocks[c.paragraph].splitlines()]
    return tuple(out), removed


def mutate(drafts: Sequence[CleanDraft], pool: Sequence[CleanDraft] | None = None) -> list[Mutant]:
    """Every operator on every draft (at most one mutant each); `pool` gives the other clients' drafts."""
    out = []
    for d in drafts:
        for name, op in OPERATORS.items():
            made = op(d, random.Random(f"{d.key}/{name}"), pool if pool is not None else drafts)
            if made is None:
                continue
            text, cites, what = made
            if text == d.text and cites == d.citations:
                continue
            touched, removed = touched_lines(d, text, cites)
            out.append(Mutant(name, d, text, cites, what, touched, removed))
    return out


def cover(drafts: Sequence[CleanDraft], mutants: Sequence[Mutant], n: int) -> list[str]:
    """n clients that between them let every operator apply (greedy), for a quick run."""
    ops: dict[str, set[str]] = {}
    for m in mutants:
        ops.setdefault(m.draft.client_id, set()).add(m.operator)
    order = list(dict.fromkeys(d.client_id for d in drafts))
    size = {c: sum(len(d.text) for d in drafts if d.client_id == c) for c in order}
    chosen: list[str] = []
    missing = set(OPERATORS)
    while len(chosen) < min(n, len(order)):
        # most missing operators, then most operators, then the shortest drafts (a quick run stays quick)
        best = max(
            (c for c in order if c not in chosen),
            key=lambda c: (len(ops.get(c, set()) & missing), len(ops.get(c, set())), -size[c]),
        )
        chosen.append(best)
        missing -= ops.get(best, set())
    return chosen


# -- detection ---------------------------------------------------------------------------------------


def key(f: Finding) -> tuple[str, str, str]:
    return (f.kind, f.sentence, f.claim)


def overlaps(sentence: str, lines: Iterable[str]) -> bool:
    """Whether a finding's sentence is (part of) one of the lines, list markers aside."""
    bare = lambda t: " ".join(re.sub(r"^(?:\(removed\) )?(?:- |\d+\. )?", "", t.strip()).split())  # noqa: E731
    s = bare(sentence)
    return bool(s) and any(s in line or line in s for line in map(bare, lines) if line)


def run(
    quick: bool = False,
    practice: Practice | None = None,
    db_path: Path | None = None,
    pool: Sequence[CleanDraft] | None = None,
) -> dict:
    """Recall per error type, overall, and false alarms on the clean drafts (see the module docstring).
    The drafts come from `pool`, else from the demo database of `practice`, else from a new demo
    database (at `db_path`, or in a temporary folder)."""
    started = time.perf_counter()
    if pool is None:
        with tempfile.TemporaryDirectory(prefix="mutations-") as tmp:
            own = practice is None
            if practice is None:
                path = db_path or Path(tmp) / "demo.duckdb"
                practice = Practice.open(Settings(db_path=path), demo_data=True, anchor=ANCHOR, today=lambda: ANCHOR)
            try:
                pool = clean_drafts(practice)
            finally:
                if own:
                    practice.store.close()
    mutants = mutate(pool)
    drafts = list(pool)
    if quick:
        chosen = set(cover(pool, mutants, QUICK_CLIENTS))
        drafts = [d for d in drafts if d.client_id in chosen]
        mutants = [m for m in mutants if m.draft.client_id in chosen]
    timings: list[float] = []

    def check(text: str, sel: Selection, cites: tuple[Citation, ...]) -> list[Finding]:
        t = time.perf_counter()
        try:
            return findings(text, sel, cites)
        finally:
            timings.append(time.perf_counter() - t)

    clean: dict[str, list[Finding]] = {}
    crashed_clean: list[str] = []
    for d in drafts:
        try:
            clean[d.key] = check(d.text, d.sel, d.citations)
        except Exception as e:  # noqa: BLE001 - the checker is under construction: count it, go on
            crashed_clean.append(f"{d.key}: {type(e).__name__}: {e}")
    per: dict[str, dict] = {
        name: {"applicable": 0, "detected": 0, "at_mutation": 0, "crashed": 0, "missed": []} for name in OPERATORS
    }
    for m in mutants:
        if m.draft.key not in clean:
            continue
        row = per[m.operator]
        row["applicable"] += 1
        try:
            found = check(m.text, m.draft.sel, m.citations)
        except Exception as e:  # noqa: BLE001
            row["crashed"] += 1
            found = []
            if len(row["missed"]) < MISSED_EXAMPLES:
                row["missed"].append(
                    {"draft": m.draft.key, "mutation": m.description, "crash": f"{type(e).__name__}: {e}"}
                )
            continue
        before = {key(f) for f in clean[m.draft.key]}
        new = [f for f in found if f.severity in ("error", "omission") and key(f) not in before]
        if new:
            row["detected"] += 1
            if any(overlaps(f.sentence, m.touched) if f.sentence else m.removed for f in new):
                row["at_mutation"] += 1
        elif len(row["missed"]) < MISSED_EXAMPLES:
            row["missed"].append(
                {"draft": m.draft.key, "mutation": m.description, "sentence": " / ".join(m.touched[:3])}
            )
    for row in per.values():
        row["recall"] = round(row["detected"] / row["applicable"], 3) if row["applicable"] else None
    applicable = sum(r["applicable"] for r in per.values())
    detected = sum(r["detected"] for r in per.values())
    recalls = [r["recall"] for r in per.values() if r["recall"] is not None]
    sentences = flagged = 0
    by_severity = {s: 0 for s in ("error", "omission", "warning")}
    drafts_with_error = 0
    for d in drafts:
        if d.key not in clean:
            continue
        fs = clean[d.key]
        for f in fs:
            by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
        errors = [f.sentence for f in fs if f.severity == "error" and f.sentence]
        drafts_with_error += bool(errors)
        for u in units(d.text):
            sentences += 1
            flagged += any(overlaps(s, [u]) for s in errors)
    checked = len(clean)
    return {
        "quick": quick,
        "clients": len({d.client_id for d in drafts}),
        "drafts": len(drafts),
        "drafts_checked": checked,
        "checker_crashed_on_clean": crashed_clean[:5],
        "operators": per,
        "overall": {
            "applicable": applicable,
            "detected": detected,
            "recall": round(detected / applicable, 3) if applicable else None,
            "macro_recall": round(statistics.mean(recalls), 3) if recalls else None,
            "at_mutation": sum(r["at_mutation"] for r in per.values()),
        },
        "false_alarms": {
            "sentences": sentences,
            "flagged_as_error": flagged,
            "rate": round(flagged / sentences, 4) if sentences else None,
            "drafts_with_an_error": drafts_with_error,
            "findings_per_draft": {s: round(n / checked, 2) if checked else None for s, n in by_severity.items()},
        },
        "findings_calls": len(timings),
        "findings_ms_p50": round(statistics.median(timings) * 1000, 3) if timings else None,
        "findings_ms_p95": round(percentile(timings, 95) * 1000, 3) if timings else None,
        "seconds": round(time.perf_counter() - started, 1),
    }


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def fine_pct(x: float | None) -> str:
    """A small share with two decimals: 0.4 % of sentences is not 0 %."""
    return "-" if x is None else f"{x:.2%}" if 0 < x < 0.1 else f"{x:.0%}"


def report(res: dict) -> str:
    """The table a pilot tester (and the checker's author) reads."""
    rows: list[tuple[str, ...]] = [
        (
            str(name),
            str(r["applicable"]),
            str(r["detected"]),
            pct(r["recall"]),
            str(r["at_mutation"]),
            str(r["crashed"]) if r["crashed"] else "",
        )
        for name, r in res["operators"].items()
    ]
    o, fa = res["overall"], res["false_alarms"]
    rows.append(("overall", str(o["applicable"]), str(o["detected"]), pct(o["recall"]), str(o["at_mutation"]), ""))
    lines = [
        f"Mutation benchmark of core.claims: {res['drafts']} clean drafts of {res['clients']} demo clients"
        + (" (quick)" if res["quick"] else "")
        + f", {res['findings_calls']} checker calls (p50 {res['findings_ms_p50']:.0f} ms, p95 "
        f"{res['findings_ms_p95']:.0f} ms), {res['seconds']} s in all",
        table(rows, ("Error type", "Applicable", "Detected", "Recall", "At the mutation", "Crashed")),
        f"Macro recall (mean over error types): {pct(o['macro_recall'])}",
        f"False alarms on clean drafts: {fa['flagged_as_error']} of {fa['sentences']} sentences flagged as errors "
        f"({fine_pct(fa['rate'])}); "
        f"{fa['drafts_with_an_error']} of {res['drafts_checked']} drafts with an error; findings per draft: "
        + ", ".join(f"{s} {n}" for s, n in fa["findings_per_draft"].items()),
    ]
    if res["checker_crashed_on_clean"]:
        lines.append("Checker crashed on clean drafts: " + "; ".join(res["checker_crashed_on_clean"]))
    missed = [(name, x) for name, r in res["operators"].items() for x in r["missed"]]
    if missed:
        lines.append("\nMissed (first 3 per type):")
        for name, x in missed:
            lines.append(f"- [{name}] {x['draft']}: {x['mutation']}")
            lines.append(f"    {x.get('sentence') or x.get('crash', '')}"[:400])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Mutation benchmark of the claim checker.")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_CLIENTS} clients that cover every error type")
    ap.add_argument("--out", type=Path, help="write the results as JSON to this file")
    args = ap.parse_args(argv)
    res = run(args.quick)
    print(report(res))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
