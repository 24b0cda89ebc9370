"""Claim-level checks: what a draft says, read claim by claim against the chart it was drafted from.

The older checks (core.quality) match each number and date anywhere in the sources, so "PHQ-9 9 ->
18, no reliable change" passed because a 9 and an 18 exist somewhere. Here a claim is read whole:
a score is an (instrument, score, date) triple that must be one administration; a severity word
must be the band of the score it follows; a change label must be the rule's word for the two
scores it compares; a trend must agree with the scores; a denial of risk must not contradict a
documented risk event; a diagnosis's status, a medication's dose and a goal's "met" must be the
chart's; a date of the range must be in it; a cited item must carry what its paragraph says.
What the chart documents and the text leaves out (risk events, the safety plan, means safety,
relapses) is an omission.

Rules, not a clinical NLP library: the claims are the summary's own vocabulary (instrument names,
bands, the change labels of core.scoring), and the negations that matter are a short list; a
general negation model (medspaCy's ConText) finds negated concepts, not which chart fact a
sentence contradicts, which is the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from . import course, quality, risk
from .models import Assessment, Citation, Note
from .scoring import INSTRUMENTS, change, severity
from .sources import Selection
from .text import paragraphs, sentences

SEVERITIES = ("error", "omission", "warning")


@dataclass(frozen=True)
class Finding:
    kind: str  # score, band, change, trend, risk, omission, diagnosis, medication, goal, date, citation
    severity: str  # error: the chart says otherwise; omission: the chart has it, the text does not; warning
    sentence: str  # the sentence of the text (for an omission, what is missing)
    claim: str  # what the sentence claims, as read
    evidence: str  # what the chart says, with the items' dates


INSTRUMENT = re.compile(r"\b(PHQ-9|PHQ-2|GAD-7|PCL-5|AUDIT-C|AUDIT|DAST-10|HARK)\b(?!-)")
ISO = r"\d{4}-\d{2}-\d{2}"
BAND_WORDS = sorted({name for i in INSTRUMENTS.values() for _, name in i.bands}, key=len, reverse=True)
BAND = "|".join(re.escape(b) for b in BAND_WORDS)
# "9 (mild) on 2026-11-17", "16 (2025-12-16)", "18 (moderately severe, 2026-03-02)"
DATED_SCORE = re.compile(rf"(?<![\w.-])(\d{{1,2}})\s*(?:\((?P<band>{BAND})\)\s*)?(?:on\s+|\(|,\s*)(?P<date>{ISO})\)?")
# right after the instrument: "PHQ-9 score of 14", "PHQ-9 of 14", "PHQ-9 was 14", "PHQ-9: 14"
BARE_SCORE = re.compile(
    rf"^\W{{0,3}}(?:(?:total\s+)?score[ds]?\s+(?:of\s+|was\s+|at\s+)?|of\s+|was\s+|at\s+|=\s*)?(\d{{1,2}})\b"
    rf"(?!\s*(?:points?|or more|days?|weeks?|months?|in a row|consecutive|/))(?:\s*\((?P<band>{BAND})\))?",
    re.I,
)
PAIR = re.compile(r"(?<![\w.-])(\d{1,2})(?:\s*\([^)]*\))?\s*(?:->|→|to)\s*(\d{1,2})(?![\w.])")
FROM_BANDS = re.compile(rf"\b[Ff]rom ({BAND}) to ({BAND})\b")
LAST_THREE = re.compile(r"[Ll]ast (?:three|3) scores \((\d{1,2}), (\d{1,2}), (\d{1,2})\)")
POINTS = re.compile(r"\((\d{1,2}) points?\b")
LABELS = (  # most specific first; each the words of core.scoring.Change.describe
    ("reliable and clinically significant improvement", "rcsi"),
    ("clinically significant improvement", "rcsi"),
    ("reliable improvement", "ri"),
    ("reliable deterioration", "rd"),
    ("reliable worsening", "rd"),
    ("no reliable change", "nrc"),
)
LABEL = re.compile("|".join(re.escape(w) for w, _ in LABELS), re.I)
TREND_UP = re.compile(r"\b(?:worsen(?:ing|ed)|increas(?:ing|ed)|ris(?:ing|en)|deteriorat(?:ing|ed))\b", re.I)
TREND_DOWN = re.compile(r"\b(?:improv(?:ing|ed)|decreas(?:ing|ed)|declin(?:ing|ed)|lessen(?:ing|ed))\b", re.I)
TREND_FLAT = re.compile(r"\b(?:stable|unchanged|plateau(?:ed)?)\b", re.I)
CLINICAL_RANGE = re.compile(r"\b(?:remain(?:s|ed)?|stay(?:s|ed)?|still|throughout)\b[^.;]*\bclinical range\b", re.I)
SYMPTOMS = re.compile(r"\bsymptoms?\b|\bscores?\b|\bmood\b|\bdepress|\banxi", re.I)
NEGATION = re.compile(
    r"\b(?:denie[sd]|denying|no|not|never|without|negative for|none)\b|\bnor\b",
    re.I,
)
EVER = re.compile(
    r"\bever\b|\bno history\b|\bnever\b|\blifetime\b|\bat any (?:time|point)\b|\bno (?:prior|previous)\b", re.I
)
NOW = re.compile(
    r"\bcurrent(?:ly)?\b|\btoday\b|\bat (?:this|the most recent|the latest|the last) (?:session|visit)", re.I
)
RISK_WORDS = re.compile(r"suicid|\bSI\b|self-harm|self harm|homicid|overdos|attempt", re.I)
RESOLVED = re.compile(r"\bresolved\b|\bin (?:full )?remission\b|\bno longer (?:active|present|meets)\b", re.I)
ACTIVE = re.compile(r"\bactive\b|\bongoing\b|\bcurrent\b", re.I)
DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*(mg|mcg|g|ml)\b", re.I)
STOPPED = re.compile(r"\b(?:discontinued|stopped|tapered off|no longer (?:takes|taking|prescribed))\b", re.I)
GOAL_MET = re.compile(r"(?<!not )(?<!not yet )\b(?:met|achieved|attained)\b(?! (?:with|by) no)", re.I)
BEFORE_WORDS = re.compile(
    r"before (?:this|the) range|before it|earlier|prior|previous|history|historical|carried|intake|onset|since|"
    r"first documented|documented \d{4}|first|baseline|for context|in effect from|until|from \d{4}",
    re.I,
)


PLANNED = re.compile(r"\b(?:planned|next|scheduled|due|expected|review(?:ed)? by|follow-up|until)\b", re.I)


def findings(text: str, sel: Selection, citations: Iterable[Citation] = ()) -> list[Finding]:
    """Every claim-level finding of the text against the selection's chart items, errors first."""
    checker = _Checker(sel)
    found: list[Finding] = []
    for block in paragraphs(text):
        if block.lstrip().startswith("|"):
            found += checker.table(block)
            continue
        for line in block.splitlines():
            context = None  # the measure a line is about, for its sentences that do not name it again
            checker.line = line
            for s in sentences(line):
                found += checker.sentence(s, context)
                named = INSTRUMENT.findall(s)
                context = named[-1] if len(set(named)) == 1 else None if named else context
    found += checker.omissions(text)
    found += checker.citations(text, tuple(citations))
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: SEVERITIES.index(f.severity))


class _Checker:
    def __init__(self, sel: Selection):
        self.sel = sel
        self.scores: tuple[Assessment, ...] = sel.assessments + sel.baseline
        self.courses = {m.instrument: m for m in course.measures(sel.assessments)}
        self.risk = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
        self.line = ""  # the line the sentence being read comes from

    # -- scores, bands, change labels, trends -----------------------------------------------------------

    def _of(self, instrument: str) -> list[Assessment]:
        return [a for a in self.scores if a.instrument == instrument]

    def _score(self, s: str, inst: str, score: int, day: str | None, band: str | None) -> list[Finding]:
        out = []
        claim = f"{inst} {score}" + (f" ({band})" if band else "") + (f" on {day}" if day else "")
        same = [a for a in self._of(inst) if a.administered_on.isoformat() == day] if day else []
        if day and not same:
            out.append(
                Finding("score", "error", s, claim, f"no {inst} on {day} in the chart ({_listing(self._of(inst))})")
            )
        elif day and all(a.total_score != score for a in same):
            out.append(Finding("score", "error", s, claim, f"{inst} on {day} was {same[0].total_score}"))
        elif not day and self._of(inst) and all(a.total_score != score for a in self._of(inst)):
            out.append(Finding("score", "error", s, claim, f"no {inst} score of {score} ({_listing(self._of(inst))})"))
        if band and inst in INSTRUMENTS and severity(inst, score).lower() != band.lower():
            out.append(Finding("band", "error", s, claim, f"{inst} {score} is {severity(inst, score)}"))
        return out

    def _segments(self, s: str) -> list[tuple[str, str]]:
        """(instrument, the words after it up to the next instrument) for each instrument named."""
        hits = list(INSTRUMENT.finditer(s))
        return [(m[1], s[m.end() : hits[i + 1].start() if i + 1 < len(hits) else len(s)]) for i, m in enumerate(hits)]

    def table(self, block: str) -> list[Finding]:
        """A Markdown table of scores: each "N (date)" cell is a score claim of its row's measure, and a
        change label is checked against the row's First and Latest cells."""
        rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines()]
        rows = [r for r in rows if not all(re.fullmatch(r":?-+:?", c) for c in r if c)]
        if not rows:
            return []
        header = [h.lower() for h in rows[0]]
        out: list[Finding] = []
        for row in rows[1:]:
            line = " | ".join(row)
            inst = INSTRUMENT.search(row[0])
            if not inst:
                out += self.sentence(line)
                continue
            values: dict[str, int] = {}
            for name, cell in zip(header, row[1:] if len(header) == len(row) - 1 else row, strict=False):
                m = DATED_SCORE.search(cell)
                if m:
                    values[name] = int(m[1])
                    out += self._score(line, inst[1], int(m[1]), m["date"], m["band"])
                elif label := LABEL.search(cell):
                    if "first" in values and "latest" in values:
                        out += self._change(line, inst[1], label[0], _Pair(values["first"], values["latest"]))
        return out

    def sentence(self, s: str, context: str | None = None) -> list[Finding]:
        out: list[Finding] = []
        about_scores = bool(re.search(r"\d|\bscores?\b", s)) or bool(LABEL.search(s))
        segments = self._segments(s) or ([(context, s)] if context and about_scores else [])
        for inst, seg in segments:
            dated = list(DATED_SCORE.finditer(seg))
            for m in dated:
                out += self._score(s, inst, int(m[1]), m["date"], m["band"])
            if not dated and (b := BARE_SCORE.match(seg)) and not PAIR.match(seg.lstrip(" :")):
                out += self._score(s, inst, int(b[1]), None, b["band"])
            pair = PAIR.search(seg)
            if pair:
                for n in (int(pair[1]), int(pair[2])):
                    out += self._score(s, inst, n, None, None)
            out += self._change(s, inst, seg, pair)
            out += self._trend(s, inst, seg, pair)
        if not segments:
            out += self._symptom_trend(s)
        out += self._risk(s) + self._diagnosis(s) + self._medication(s) + self._goal(s) + self._date(s)
        return out

    def _change(self, s: str, inst: str, seg: str, pair: re.Match | _Pair | None) -> list[Finding]:
        m = LABEL.search(seg)
        mc = self.courses.get(inst)
        if not m or inst not in INSTRUMENTS:
            return []
        said = next(code for words, code in LABELS if words == m[0].lower())
        if three := LAST_THREE.search(seg):
            a, b, what = int(three[1]), int(three[3]), "the first and last of the last three scores"
            if mc and [x.total_score for x in mc.scores[-3:]] != [int(three[i]) for i in (1, 2, 3)]:
                got = ", ".join(str(x.total_score) for x in mc.scores[-3:])
                return [Finding("score", "error", s, three[0], f"the last three {inst} scores were {got}")]
        elif pair:
            a, b, what = int(pair[1]), int(pair[2]), f"{pair[1]} to {pair[2]}"
        elif mc and len(mc.scores) > 1:
            a, b = mc.first.total_score, mc.latest.total_score
            what = f"first to latest in range, {a} to {b}"
        else:
            return []
        expected = change(inst, a, b).describe()
        right = next(
            (code for words, code in LABELS if words == expected), "nrc" if expected == "unchanged" else "other"
        )
        if said == right or (said == "ri" and right == "rcsi"):
            out = []
        else:
            out = [Finding("change", "error", s, m[0], f"{inst} {what}: {expected} by the published thresholds")]
        if (p := POINTS.search(seg)) and int(p[1]) != abs(b - a) and not three:
            out.append(Finding("change", "error", s, p[0].strip("("), f"{inst} {what}: {abs(b - a)} points"))
        if fb := FROM_BANDS.search(seg):
            for band, score in ((fb[1], a), (fb[2], b)):
                if severity(inst, score).lower() != band.lower():
                    out.append(Finding("band", "error", s, fb[0], f"{inst} {score} is {severity(inst, score)}"))
        return out

    def _trend(self, s: str, inst: str, seg: str, pair: re.Match | None) -> list[Finding]:
        mc = self.courses.get(inst)
        if mc is None or len(mc.scores) < 2 or LABEL.search(seg):
            return []
        out = []
        spec = mc.spec
        if CLINICAL_RANGE.search(seg) and spec.cutoff is not None and not mc.in_clinical_range_throughout:
            below = next(a for a in mc.scores if a.total_score < spec.cutoff)
            out.append(
                Finding(
                    "trend",
                    "error",
                    s,
                    "remains in the clinical range",
                    f"{inst} {below.total_score} on {below.administered_on} is below the cut-off of {spec.cutoff}",
                )
            )
        if pair:
            return out
        actual = mc.trend if mc.trend != "single" else "stable"
        worse = (mc.latest.total_score - mc.first.total_score) * (1 if spec.higher_is_worse else -1)
        claimed = _claimed_direction(seg, spec.higher_is_worse)
        if claimed is None:
            return out
        over_range = "improving" if worse < 0 else "worsening" if worse > 0 else "stable"
        if claimed != actual and claimed != over_range:
            out.append(
                Finding(
                    "trend",
                    "error",
                    s,
                    claimed,
                    f"{inst} {_listing(list(mc.scores))}: {actual} over the last three, "
                    f"{over_range} from first to latest",
                )
            )
        return out

    def _symptom_trend(self, s: str) -> list[Finding]:
        """'Symptoms are decreasing' with no measure named: a warning when every measure says otherwise."""
        if not SYMPTOMS.search(s) or not self.courses or not (TREND_DOWN.search(s) or TREND_UP.search(s)):
            return []
        improving_claim = _claimed_direction(s) == "improving"
        trends = {i: m.trend for i, m in self.courses.items() if len(m.scores) > 1}
        better = [i for i, m in self.courses.items() if len(m.scores) > 1 and m.change.direction == "improved"]
        reliably = [i for i in better if self.courses[i].change.reliable is not False]
        qualified = re.search(r"do not show|does not show|scores (?:did not|do not)", self.line, re.I)
        if improving_claim and trends and not reliably and not qualified:
            told = "; ".join(f"{i} {_listing(list(self.courses[i].scores))}" for i in trends)
            return [Finding("trend", "warning", s, "symptoms improving", f"the scores do not show it: {told}")]
        if not improving_claim and trends and all(t == "improving" for t in trends.values()):
            return [Finding("trend", "warning", s, "symptoms worsening", "every measure is improving")]
        return []

    # -- risk ----------------------------------------------------------------------------------------------

    def _risk(self, s: str) -> list[Finding]:
        if not RISK_WORDS.search(s) or not NEGATION.search(s) or risk.POSITIVE.search(s):
            return []
        events = self.risk.events + self.risk.earlier_events
        day = re.search(ISO, s)
        if day:
            notes = [n for n in self.sel.notes + self.sel.carried if n.note_date.isoformat() == day[0]]
            positive = [x for n in notes for x in _risk_sentences(n) if risk.POSITIVE.search(x)]
            if positive:
                return [Finding("risk", "error", s, "risk denied", f"{day[0]}: {positive[0]}")]
            return []
        if EVER.search(s) and events:
            e = events[0]
            return [Finding("risk", "error", s, "no risk ever documented", f"{e.day}: {e.sentence}")]
        if NOW.search(s):
            latest = self.risk.latest_screen
            if latest and risk.POSITIVE.search(latest.sentence):
                return [
                    Finding("risk", "error", s, "risk denied now", f"latest screen {latest.day}: {latest.sentence}")
                ]
            return []
        if self.risk.events:
            e = self.risk.events[0]
            return [Finding("risk", "error", s, "no risk in this range", f"{e.day}: {e.sentence}")]
        return []

    # -- diagnoses, medications, goals, dates ----------------------------------------------------------------

    def _diagnosis(self, s: str) -> list[Finding]:
        out = []
        for d in self.sel.diagnoses:
            if d.code not in s:
                continue
            resolved = d.resolved is not None and d.resolved <= self.sel.range.end
            after = s[s.index(d.code) :]
            said_resolved = bool(RESOLVED.search(after))
            said_active = bool(ACTIVE.search(after)) and not said_resolved
            status = f"resolved {d.resolved}" if resolved else "active at the end of the range"
            if (said_resolved and not resolved) or (said_active and resolved):
                claim = "resolved" if said_resolved else "active"
                out.append(Finding("diagnosis", "error", s, f"{d.code} {claim}", f"{d.code} {d.description}: {status}"))
            words = quality._content_words(d.description)
            said = quality._content_words(after.split(";")[0])
            if words and said and not words & said:
                out.append(Finding("diagnosis", "error", s, after.split(";")[0][:80], f"{d.code} is {d.description}"))
        return out

    def _medication(self, s: str) -> list[Finding]:
        out = []
        for m in quality.MEDICATION.finditer(s):
            name = m[1].lower()
            on_file = [x for x in self.sel.medications if x.name.lower().startswith(name)]
            if not on_file:
                continue  # a medication not in the chart at all is the unsupported-fact check's
            dose = DOSE.search(s[m.end() : m.end() + 30])
            doses = {d.group(0).replace(" ", "").lower() for x in on_file for d in DOSE.finditer(x.dosage or "")}
            if dose and doses and dose.group(0).replace(" ", "").lower() not in doses:
                got = "; ".join(f"{x.name} {x.dosage}" for x in on_file)
                out.append(Finding("medication", "error", s, f"{m[1]} {dose.group(0)}", f"on file: {got}"))
            if STOPPED.search(s) and all(x.status == "active" and x.end_date is None for x in on_file):
                out.append(Finding("medication", "error", s, f"{m[1]} stopped", f"{on_file[0].name} is active"))
        return out

    def _goal(self, s: str) -> list[Finding]:
        if not GOAL_MET.search(s) or not self.sel.plans:
            return []
        current, earlier = course.goals(self.sel.plans, list(self.sel.baseline) + list(self.sel.assessments))
        for g in current + earlier:
            if (
                g.goal[:40] in s
                and g.status in ("not met", "not measurable")
                or (g.goal[:40] in s and g.status.startswith("not yet met"))
            ):
                head = s[s.index(g.goal[:40]) + len(g.goal) :]
                if GOAL_MET.search(head):
                    why = "no score criterion" if g.status == "not measurable" else g.status
                    return [Finding("goal", "error", s, "goal met", f"{g.goal}: {why}")]
        return []

    def _date(self, s: str) -> list[Finding]:
        rng = self.sel.range
        for m in re.finditer(ISO, s):
            try:
                day = date.fromisoformat(m[0])
            except ValueError:
                continue
            if rng.start <= day <= rng.end or BEFORE_WORDS.search(s):
                continue
            if day > rng.end and PLANNED.search(s):
                continue
            if day > rng.end:
                return [Finding("date", "error", s, m[0], f"after the end of the range ({rng.end})")]
            known = {n.note_date for n in self.sel.carried} | {a.administered_on for a in self.sel.baseline}
            if day not in known:
                return [Finding("date", "warning", s, m[0], f"before the range ({rng.start} to {rng.end})")]
        return []

    # -- what the chart has and the text does not; citations -----------------------------------------------

    def omissions(self, text: str) -> list[Finding]:
        must = {"risk history", "safety plan", "means safety", "relapse", "last contact", "risk"}
        return [
            Finding("omission", "omission", "", c.kind, f"documented in the chart: {c.label}")
            for c in quality.coverage(text, self.sel)
            if c.kind in must and not c.covered
        ] + self._events_omitted(text)

    def _events_omitted(self, text: str) -> list[Finding]:
        """Each documented risk event of the range, by its date: a dropped one is an omission."""
        out = []
        for e in self.risk.events:
            if e.day not in text:
                out.append(Finding("omission", "omission", "", "risk event", f"{e.day}: {e.sentence}"))
        return out

    def citations(self, text: str, cites: tuple[Citation, ...]) -> list[Finding]:
        """A paragraph's cited items must carry at least one of its dates (the dates are what a
        summary's facts hang on); a citation moved to an unrelated item carries none."""
        items = {i.id: i for i in self.sel.items}
        blocks = paragraphs(text)
        out = []
        for c in cites:
            if c.paragraph >= len(blocks) or not c.item_ids:
                continue
            block = blocks[c.paragraph]
            days = set(re.findall(ISO, block))
            cited = [items[i] for i in c.item_ids if i in items]
            if not days or not cited:
                continue
            carried = {i.date.isoformat() for i in cited} | {
                d for i in cited for d in re.findall(ISO, getattr(i, "text", "") or "")
            }
            shared = quality._content_words(block) & {w for i in cited for w in quality._content_words(i.text)}
            if not days & carried and len(shared) < 3:
                first = block.splitlines()[0][:90]
                dates = ", ".join(sorted(i.date.isoformat() for i in cited))
                out.append(
                    Finding("citation", "error", first, f"cites {', '.join(c.item_ids)}", f"cited items dated {dates}")
                )
        return out


class _Pair(tuple):
    """Two scores a change label compares, read like a PAIR match (pair[1], pair[2])."""

    def __new__(cls, first: int, latest: int):
        return super().__new__(cls, (f"{first} to {latest}", str(first), str(latest)))


def _claimed_direction(words: str, higher_is_worse: bool = True) -> str | None:
    """improving, worsening or stable, as the words say it (a score "decreasing" is improving when
    a higher score is worse)."""
    better = bool(re.search(r"\bimprov", words, re.I)) or (bool(TREND_DOWN.search(words)) and higher_is_worse)
    worse = bool(re.search(r"\b(?:worsen|deteriorat|relapse)", words, re.I)) or (
        bool(TREND_UP.search(words)) and higher_is_worse
    )
    if better and worse:
        return None  # "rose after improving": a course, told with its own scores, not one direction
    if re.search(r"\bimprov", words, re.I):
        return "improving"
    if re.search(r"\b(?:worsen|deteriorat)", words, re.I):
        return "worsening"
    if TREND_DOWN.search(words):
        return "improving" if higher_is_worse else "worsening"
    if TREND_UP.search(words):
        return "worsening" if higher_is_worse else "improving"
    if TREND_FLAT.search(words):
        return "stable"
    return None


def _risk_sentences(note: Note) -> list[str]:
    return [x for x in sentences(note.text) if risk.TOPIC.search(x)]


def _listing(scores: list[Assessment]) -> str:
    return ", ".join(f"{a.total_score} on {a.administered_on}" for a in scores[-6:]) or "none"
