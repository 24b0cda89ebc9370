"""Automated checks on a draft against its sources: unsupported facts, coverage, citations, leaks,
length and reading level (SPEC section 5)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from . import claims as claim_checks
from . import course, risk
from .engines.base import purpose_kind
from .models import Assessment, Citation
from .scoring import severity
from .sources import Selection
from .text import ICD10, MEDICATION, MEDICATIONS, POSITIVE_RISK, RISK, paragraphs, sentences  # noqa: F401

INSTRUMENT_NAME = re.compile(
    r"\b(?:PHQ-9|PHQ-2|GAD-7|PCL-5|AUDIT-C|DAST-10|C-SSRS|DSM-5|ICD-10-CM|ICD-10|CPT|SOAP|"
    r"DAP|BIRP)\b"
)
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
LONG_DATE = re.compile(rf"\b({MONTHS}|{'|'.join(m[:3] for m in MONTHS.split('|'))})\.? (\d{{1,2}}),? (\d{{4}})\b")
DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) ({MONTHS}|{'|'.join(m[:3] for m in MONTHS.split('|'))})\.? (\d{{4}})\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")


@dataclass(frozen=True)
class Fact:
    kind: str  # date, number, code, medication
    value: str  # normalized
    text: str  # as written
    sentence: str


def _month(name: str) -> int:
    return [m[:3] for m in MONTHS.split("|")].index(name[:3]) + 1


def _date(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def extract_facts(text: str) -> list[Fact]:
    """Dates (any common format, normalized to ISO), ICD-10 codes, medication names and numbers."""
    facts: list[Fact] = []
    text = re.sub(r"(?m)^[ \t]*\d{1,2}\. ", "", text)  # an ordered list's numbering is no fact of the chart
    for sentence in sentences(text):
        rest = INSTRUMENT_NAME.sub(" ", sentence)
        for pattern, build in (
            (ISO, lambda m: _date(int(m[1]), int(m[2]), int(m[3]))),
            (US_DATE, lambda m: _date(int(m[3]), int(m[1]), int(m[2]))),
            (LONG_DATE, lambda m: _date(int(m[3]), _month(m[1]), int(m[2]))),
            (DAY_MONTH, lambda m: _date(int(m[3]), _month(m[2]), int(m[1]))),
        ):
            for m in pattern.finditer(rest):
                value = build(m)
                if value:
                    facts.append(Fact("date", value, m[0], sentence))
            rest = pattern.sub(" ", rest)
        for m in ICD10.finditer(rest):
            facts.append(Fact("code", m[0].upper(), m[0], sentence))
        rest = ICD10.sub(" ", rest)
        for m in MEDICATION.finditer(rest):
            facts.append(Fact("medication", m[0].lower(), m[0], sentence))
        for m in NUMBER.finditer(rest):
            facts.append(Fact("number", str(float(m[0])).removesuffix(".0"), m[0], sentence))
    return facts


def context_facts(sel: Selection) -> set[tuple[str, str]]:
    """Facts a draft may state that come from the summary's own frame rather than a chart item:
    the client's age, the range, counts of sessions and unsigned notes, and what the course of
    care derives from the chart (thresholds, changes, planned and elapsed intervals)."""
    facts = {
        ("date", sel.range.start.isoformat()),
        ("date", sel.range.end.isoformat()),
        ("number", str(sel.client.age_on(sel.range.end))),
        ("number", str(len(sel.progress_notes))),
        ("number", str(sel.excluded_count("unsigned"))),
    }
    numbers, dates = course.derived_numbers(sel)
    return facts | {("number", n) for n in numbers} | {("date", d) for d in dates}


@functools.lru_cache(maxsize=64)
def supported_facts(sel: Selection) -> frozenset[tuple[str, str]]:
    """Every fact the sources state. A selection never changes, and the editor checks each edit of a
    draft against the same one, so the facts are kept for the most recent selections."""
    known = context_facts(sel)
    for item in sel.items:
        for f in extract_facts(f"{item.title}. {item.date.isoformat()}. {item.text}"):
            known.add((f.kind, f.value))
    for a in sel.baseline:
        known |= {("date", a.administered_on.isoformat()), ("number", str(a.total_score))}
    return frozenset(known)


def unsupported_facts(text: str, sel: Selection) -> list[Fact]:
    """Each date, number, ICD-10 code and medication in the draft found in none of its sources."""
    known = supported_facts(sel)
    return [f for f in extract_facts(text) if (f.kind, f.value) not in known]


def word_runs(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[\w']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@functools.lru_cache(maxsize=4096)
def _runs_of(text: str, n: int) -> frozenset[tuple[str, ...]]:
    """An excluded note's runs, worked out once: the leak check reads the same notes on every saved edit."""
    return frozenset(word_runs(text, n))


def leaked_runs(text: str, excluded_texts: Iterable[str], n: int = 6) -> list[str]:
    """Runs of n words the draft shares with excluded-type notes (there must be none)."""
    draft_runs = word_runs(text, n)
    leaks = set()
    for excluded in excluded_texts:
        leaks |= draft_runs & _runs_of(excluded, n)
    return sorted(" ".join(run) for run in leaks)


# -- coverage -------------------------------------------------------------------------------------------

STOPWORDS = set(
    "the a an and or of to in for on with at by from as is are be least per week weeks most two "
    "three four five each into their than that this".split()
)


GOAL_STATUS = re.compile(
    r"\b(?:not yet met|not met|met|achieved|in progress|partially|no score criterion|judged from the notes|no score measures it"
    r"|not assessable|not judged|ongoing|progress)\b",
    re.I,
)


@dataclass(frozen=True)
class Coverage:
    kind: str  # diagnosis, latest score, plan goal, risk
    label: str
    covered: bool


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z'-]+", text.lower()) if len(w) > 3 and w not in STOPWORDS}


@functools.lru_cache(maxsize=64)
def _risk_sentences(sel: Selection) -> tuple[str, ...]:
    """The sources' sentences on risk: the same for every edit checked against the selection."""
    return tuple(s for n in sel.notes for s in sentences(n.text) if RISK.search(s))


def coverage(text: str, sel: Selection) -> list[Coverage]:
    """What the draft should mention: active diagnoses, the latest score per measure, the current
    plan's goals and documented risk (when the sources document any)."""
    lower = text.lower()
    items: list[Coverage] = []
    for d in sel.diagnoses:
        if d.resolved and d.resolved < sel.range.end:
            continue
        items.append(
            Coverage(
                "diagnosis", f"{d.code} {d.description}", d.code.lower() in lower or d.description.lower() in lower
            )
        )
    latest: dict[str, Assessment] = {}
    for a in sel.assessments:
        latest[a.instrument] = a
    lines = [line for block in paragraphs(text) for line in block.splitlines()]
    for inst, a in latest.items():
        band = severity(inst, a.total_score).lower()
        said = any(
            inst.lower() in s.lower()
            and re.search(rf"(?<![\w.-]){a.total_score}(?![\w.])", INSTRUMENT_NAME.sub(" ", s))
            and band in s.lower()
            for s in sentences(text)
        )
        items.append(
            Coverage("latest score", f"{inst} {a.total_score} ({band}) on {a.administered_on.isoformat()}", said)
        )
    for m in course.measures(sel.assessments, sel.diagnoses):
        if len(m.scores) > 1:  # the course: the measure with the change label from first to latest
            label = m.change.describe().lower()
            said = any(m.instrument in line and label in line.lower() for line in lines)
            items.append(Coverage("course", f"{m.instrument} first to latest: {label}", said))
    if sel.plans:
        # Per paragraph: a goal's words scattered over the whole draft do not state the goal.
        blocks = [_content_words(line) for block in paragraphs(text) for line in block.splitlines()]
        for goal in sel.plans[-1].goals:  # with its status, on the line that states it
            words = _content_words(goal)
            said = bool(words) and any(
                len(words & b) / len(words) >= 0.6 and GOAL_STATUS.search(line)
                for b, line in zip(blocks, lines, strict=True)
            )
            items.append(Coverage("plan goal", goal, said))
    risk_in_sources = _risk_sentences(sel)
    if risk_in_sources:
        events = any(POSITIVE_RISK.search(s) for s in risk_in_sources)
        label = "documented risk event and safety plan" if events else "documented risk screening"
        said = bool(RISK.search(text)) and (not events or bool(re.search(r"ideation|safety plan", text, re.I)))
        items.append(Coverage("risk", label, said))
    return items + course_coverage(text, sel)


def course_coverage(text: str, sel: Selection) -> list[Coverage]:
    """What the course of care says a summary of this range and purpose must carry: each relapse
    (its peak and date), the risk history carried into the range, the safety plan and means-safety
    steps, a lapse in care with the last contact, and for a transfer the medications on file."""
    items: list[Coverage] = []
    for m in course.measures(sel.assessments, sel.diagnoses):
        if relapse := m.relapse:
            low, peak = relapse
            said = peak.administered_on.isoformat() in text and re.search(rf"\b{peak.total_score}\b", text)
            items.append(
                Coverage(
                    "relapse",
                    f"{m.instrument} {low.total_score} to {peak.total_score} on {peak.administered_on.isoformat()}",
                    bool(said),
                )
            )
    found = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
    for f in found.earlier_events[:1] + found.earlier_events[-1:]:
        # the date said with the risk it reports: a score on the same day is not the risk history
        told = any(
            f.day in line and (RISK.search(line) or f.sentence[-30:].lower() in line.lower())
            for line in text.splitlines()
        )
        items.append(Coverage("risk history", f"{f.day}: {f.sentence[:60]}", told))
    if found.safety_plan:
        last = found.safety_plan[-1]  # the plan in force: named with the date it was last documented
        items.append(
            Coverage("safety plan", f"documented {last.day}", "safety plan" in text.lower() and last.day in text)
        )
    for f in found.means[-1:]:
        items.append(
            Coverage(
                "means safety",
                f"{f.day}: {f.sentence[:60]}",
                bool(
                    re.search(
                        r"means[- ]safety|"
                        r"holding (?:extra |the )?medication|firearm",
                        text,
                        re.I,
                    )
                ),
            )
        )
    contact = course.last_contact(sel)
    if contact.lapsed and contact.last and not any(n.title == "Discharge session" for n in sel.progress_notes):
        day = contact.seen.isoformat() if contact.seen else ""
        items.append(
            Coverage(
                "last contact",
                f"last session {day}; care lapsed",
                day in text and bool(re.search(r"laps|no session|dropout|dropped out|disengag", text, re.I)),
            )
        )
    if purpose_kind(sel.purpose) == "transfer":
        for name in sorted({m.name for m in sel.medications}):
            items.append(Coverage("medication", name, name.lower() in text.lower()))
    return items


# -- citations, length, the whole report -----------------------------------------------------------------


def citation_problems(
    text: str, citations: Iterable[Citation], source_ids: Iterable[str]
) -> tuple[list[str], list[int]]:
    """Cited ids that are not among the draft's sources, and body paragraphs without a citation."""
    allowed = set(source_ids)
    cited = {c.paragraph for c in citations}
    invalid = sorted({i for c in citations for i in c.item_ids if i not in allowed})
    uncited = [n for n, p in enumerate(paragraphs(text)) if not p.startswith("#") and n not in cited]
    return invalid, uncited


def syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    return max(1, len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0))


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level of the prose (headings and table rows left out)."""
    prose = " ".join(p for p in paragraphs(text) if not p.startswith(("#", "|")))
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", prose)
    count = max(1, len(sentences(prose)))
    if not words:
        return 0.0
    return round(0.39 * len(words) / count + 11.8 * sum(map(syllables, words)) / len(words) - 15.59, 1)


@dataclass(frozen=True)
class QualityReport:
    unsupported: tuple[Fact, ...]
    facts_checked: int
    coverage: tuple[Coverage, ...]
    invalid_citations: tuple[str, ...]
    uncited_paragraphs: tuple[int, ...]
    leaks: tuple[str, ...]
    words: int
    reading_grade: float
    claims: tuple[claim_checks.Finding, ...] = ()  # claim-level findings (core.claims), errors first

    @property
    def claim_errors(self) -> tuple[claim_checks.Finding, ...]:
        return tuple(f for f in self.claims if f.severity == "error")

    @property
    def unsupported_rate(self) -> float:
        return len(self.unsupported) / self.facts_checked if self.facts_checked else 0.0

    @property
    def coverage_rate(self) -> float:
        return sum(c.covered for c in self.coverage) / len(self.coverage) if self.coverage else 1.0

    @property
    def ok(self) -> bool:
        return (
            not (self.unsupported or self.invalid_citations or self.leaks or self.claim_errors)
            and self.coverage_rate == 1.0
        )


def check(text: str, sel: Selection, citations: Iterable[Citation], excluded_texts: Iterable[str]) -> QualityReport:
    """Every automated check of SPEC section 5 on one draft against its own sources."""
    citations = tuple(citations)
    facts = extract_facts(text)
    known = supported_facts(sel)
    invalid, uncited = citation_problems(text, citations, sel.item_ids)
    return QualityReport(
        unsupported=tuple(f for f in facts if (f.kind, f.value) not in known),
        facts_checked=len(facts),
        coverage=tuple(coverage(text, sel)),
        invalid_citations=tuple(invalid),
        uncited_paragraphs=tuple(uncited),
        leaks=tuple(leaked_runs(text, excluded_texts)),
        words=len(re.findall(r"\w+", text)),
        reading_grade=reading_grade(text),
        claims=tuple(claim_checks.findings(text, sel, citations)),
    )
