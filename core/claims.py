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
bands, the change labels of core.scoring), and a risk statement is read with negation scope (a cue
shortly before its term, clauses split at "but" and ";"), by kind of risk (`read_risk`). A general
negation model (medspaCy's ConText) finds negated concepts, not which chart fact a sentence
contradicts, which is the check; on a hand-labeled set of 340 risk sentences it read 63% right,
these rules 91% of the 145 not looked at while writing them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from . import course, quality, risk
from .models import Assessment, Citation, Note
from .prose import statements_of
from .scoring import INSTRUMENTS, change, severity
from .sources import Selection, plural
from .text import ICD10, paragraphs, sentences

SEVERITIES = ("error", "omission", "warning")


@dataclass(frozen=True)
class Finding:
    kind: str  # score, band, change, trend, risk, omission, diagnosis, medication, goal, date, contact, recency,
    # absence, citation
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
# "9 (mild) to 11 (moderate)": a pair with the band of each score
BANDED_PAIR = re.compile(rf"(?<![\w.-])(\d{{1,2}}) \(({BAND})\)\s*(?:->|→|to)\s*(\d{{1,2}}) \(({BAND})\)", re.I)
LAST_THREE = re.compile(r"[Ll]ast (?:three|3) scores \((\d{1,2}), (\d{1,2}), (\d{1,2})\)")
POINTS = re.compile(r"\((\d{1,2}) points?\b")
LABELS = (  # most specific first; each the words of core.scoring.Change.describe
    ("reliable and clinically significant improvement", "rcsi"),
    ("clinically significant improvement", "rcsi"),
    ("reliable improvement", "ri"),
    ("reliable deterioration", "rd"),
    ("reliable worsening", "rd"),
    ("no reliable change", "nrc"),
    # a measure without a reliable-change index is told by the direction of its score alone
    ("lower than at first administration", "lower"),
    ("higher than at first administration", "higher"),
)
LABEL = re.compile("|".join(re.escape(w) for w, _ in LABELS), re.I)
TREND_UP = re.compile(r"\b(?:worsen(?:ing|ed)|increas(?:ing|ed)|ris(?:ing|en)|deteriorat(?:ing|ed))\b", re.I)
TREND_DOWN = re.compile(r"\b(?:improv(?:ing|ed)|decreas(?:ing|ed)|declin(?:ing|ed)|lessen(?:ing|ed))\b", re.I)
TREND_FLAT = re.compile(r"\b(?:stable|unchanged|plateau(?:ed)?)\b", re.I)
CLINICAL_RANGE = re.compile(r"\b(?:remain(?:s|ed)?|stay(?:s|ed)?|still|throughout)\b[^.;]*\bclinical range\b", re.I)
SYMPTOMS = re.compile(r"\bsymptoms?\b|\bscores?\b|\bmood\b|\bdepress|\banxi", re.I)
# the trend word said of the symptoms ("symptoms are increasing"), not of caffeine beside a "score criterion"
SYMPTOM_TREND = re.compile(
    r"\b(?:symptoms?|scores?|mood|depression|anxiety)\s+(?:\w+\s+){0,2}?"
    r"(?:worsen|increas|ris|deteriorat|improv|decreas|declin|lessen)\w*",
    re.I,
)
NOW = re.compile(
    r"\bcurrent(?:ly)?\b|\btoday\b|\bat (?:this|the most recent|the latest|the last) (?:session|visit)", re.I
)
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


ONGOING = re.compile(
    r"\b(?:care|treatment|therapy) (?:is|remains) (?:ongoing|active|current)\b|\bremains in (?:\w+ )?(?:treatment|care|therapy)\b|"
    r"\bcontinues to (?:attend|engage)\b|\battending (?:regularly|weekly|consistently)\b|"
    r"\bhas not been discharged\b|\bsessions continue\b",
    re.I,
)
DISCHARGED = re.compile(r"(?<!not )\b(?:was|been|is) discharged\b|\bdischarged (?:on|from)\b", re.I)
PLANNED = re.compile(r"\b(?:planned|next|scheduled|due|expected|review(?:ed)? by|follow-up|until)\b", re.I)
# "latest", "most recent", "last" of a dated item (not "last three scores", "the last of the plans")
RECENT = re.compile(r"\b(?:latest|most recent(?:ly)?|last(?! (?:three|3|two|2|few|several)\b))\b", re.I)
RECENT_SESSION = re.compile(
    r"\b(?:last|most recent|latest)(?: documented| signed| attended)? (?:session|contact|visit)\b|"
    r"\bno session since\b",
    re.I,
)
RECENT_SCREEN = re.compile(r"\b(?:most recent|latest|last) risk screen", re.I)
LAST_DOCUMENTED = re.compile(r"\b(?:last|most recently) documented\b", re.I)
ABSENT_MEDICATION = re.compile(r"\bno (?:medications?|prescriptions?)\b[^.]*\b(?:on file|in the sources)\b", re.I)
ABSENT_SCORE = re.compile(r"\bno scored measures?\b|\bno (?:scores?|assessments?) (?:were|was|is|are)\b", re.I)
ABSENT_INTAKE = re.compile(r"\bno intake\b[^.]*\b(?:on file|in the sources|in (?:this|the) range)\b", re.I)
ABSENT_DIAGNOSIS = re.compile(r"\bno coded diagnos[ie]s\b", re.I)
ABSENT_SCREEN = re.compile(r"\bno risk screening is documented\b", re.I)
ABSENT_SESSION = re.compile(r"\bno signed progress note\b", re.I)
SELF_HARM_ANSWER = re.compile(rf"\b([0-3]) \((?:{'|'.join(risk.ANSWERS)})\) on (?P<date>{ISO})")
ON_FILE = re.compile(r"\bon file\b|\bstatus active\b|\bcurrently (?:takes|taking|prescribed)\b", re.I)
DIAGNOSIS_CONTEXT = re.compile(r"\bdiagnos\w*|\bICD\b|\bDSM\b", re.I)
# "Major depressive disorder", "Post-traumatic stress disorder": the words that name a disorder
DISORDER = re.compile(r"\b(?:(?!(?:a|an|the|of|with|for|and|or|no|any|in|to|as)\b)[A-Za-z][\w'-]*\s+){1,2}disorder\b")


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
        self.scores: tuple[Assessment, ...] = tuple(
            {a.id: a for a in sel.history + sel.baseline + sel.assessments}.values()
        )
        self.courses = {m.instrument: m for m in course.measures(sel.assessments, sel.diagnoses)}
        self.risk = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
        # the documented events with the kinds of risk they report ("denies overdose" is none)
        self.events = [(e, k) for e in self.risk.events if (k := _event_kinds(e.sentence))]
        self.earlier_events = [(e, k) for e in self.risk.earlier_events if (k := _event_kinds(e.sentence))]
        chart = [f"{i.title}\n{i.text}" for i in sel.items]
        self.corpus = "\n".join(chart).lower()  # every item's words: what the text may name
        self.codes = {m[0] for t in chart for m in ICD10.finditer(t)} | {
            d.code for d in sel.diagnoses + sel.resolved_before
        }
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
                banded = BANDED_PAIR.match(seg, pair.start())
                for n, band in ((int(pair[1]), banded and banded[2]), (int(pair[2]), banded and banded[4])):
                    out += self._score(s, inst, n, None, band or None)
            out += self._change(s, inst, seg, pair)
            out += self._trend(s, inst, seg, pair)
        if not segments:
            out += self._symptom_trend(s)
        out += self._risk(s) + self._diagnosis(s) + self._medication(s) + self._goal(s) + self._date(s)
        out += self._contact(s) + self._recency(s, segments) + self._absence(s) + self._self_harm(s)
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
        if said in ("lower", "higher"):  # the score's direction, right for any measure when it is so
            right = "lower" if b < a else "higher" if b > a else "unchanged"
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
        """'Symptoms are decreasing' with no measure named: an error when it misquotes the note it is dated
        by, or says the opposite of scores that all moved reliably; a warning when the scores do not show
        it, or when the note did say it."""
        if not SYMPTOMS.search(s) or not self.courses or not (TREND_DOWN.search(s) or TREND_UP.search(s)):
            return []
        if misquote := self._misquote(s):
            return [misquote]
        improving_claim = _claimed_direction(s) == "improving"
        trends = {i: m.trend for i, m in self.courses.items() if len(m.scores) > 1}
        better = [i for i, m in self.courses.items() if len(m.scores) > 1 and m.change.direction == "improved"]
        reliably = [i for i in better if self.courses[i].change.reliable is not False]
        qualified = re.search(
            r"do not show|does not show|scores (?:did not|do not)|without reliable change|latest score rose",
            self.line,
            re.I,
        )
        if improving_claim and trends and not reliably and not qualified:
            told = "; ".join(f"{i} {_listing(list(self.courses[i].scores))}" for i in trends)
            return [Finding("trend", "warning", s, "symptoms improving", f"the scores do not show it: {told}")]
        measured = [m for m in self.courses.values() if len(m.scores) > 1]
        worse = SYMPTOM_TREND.search(s) and _claimed_direction(s) == "worsening"
        if worse and measured and all(m.change.reliable for m in measured):
            if all(m.change.direction == "improved" for m in measured):
                told = "; ".join(f"{m.instrument} {m.change.describe()}" for m in measured)
                quoted = any(_says(n.text, s) for n in self._notes_of(self.line))
                return [Finding("trend", "warning" if quoted else "error", s, "symptoms worsening", told)]
        if not improving_claim and trends and all(t == "improving" for t in trends.values()):
            return [Finding("trend", "warning", s, "symptoms worsening", "every measure is improving")]
        return []

    def _notes_of(self, line: str) -> list[Note]:
        days = set(re.findall(ISO, line))
        return [n for n in self.sel.notes + self.sel.carried if n.note_date.isoformat() in days]

    def _misquote(self, s: str) -> Finding | None:
        """A trend word quoted from the note of the line's date, where the note has the opposite word after
        the same words ("symptoms are increasing" for the note's "symptoms are decreasing")."""
        notes = self._notes_of(self.line)
        if not notes or any(_says(n.text, s) for n in notes):
            return None
        for m in itertools.chain(TREND_UP.finditer(s), TREND_DOWN.finditer(s)):
            lead = " ".join(re.findall(r"[\w']+", s[: m.start()])[-2:])
            opposite = TREND_DOWN if TREND_UP.fullmatch(m[0]) else TREND_UP
            for n in notes:
                said = re.search(rf"\b{re.escape(lead)}\W+(\w+)", n.text, re.I) if lead else None
                if said and opposite.fullmatch(said[1]):
                    return Finding("trend", "error", s, m[0], f"the note of {n.note_date} says {said[0]!r}")
        return None

    # -- risk ----------------------------------------------------------------------------------------------

    def _risk(self, s: str) -> list[Finding]:
        """A denial must not contradict a documented event of the risk it denies (a denial of HI says
        nothing of a documented suicidal ideation). A denial quoted word for word from a note that also
        reports the event is the note's own contradiction, for the reader to reconcile: a warning."""
        found = self._denial(s)
        if found and self._quoted(s):
            return [
                Finding("risk", "warning", s, f.claim, f"quoted from a note; the chart also says {f.evidence}")
                for f in found
            ]
        return found

    def _quoted(self, s: str) -> bool:
        """Whether a sentence, after its date or label ("- 2026-11-02: "), is a note's statement as written."""
        body = re.sub(rf"^[-\s]*(?:[^:]{{0,60}}\(?{ISO}\)?[^:]{{0,20}}:\s*)?", "", s).strip()
        if len(body.split()) < 4:
            return False
        key = " ".join(body.lower().split())
        return any(
            key == " ".join(x.lower().split()) for n in self.sel.notes + self.sel.carried for x in statements_of(n.text)
        )

    def _denial(self, s: str) -> list[Finding]:
        state, kinds = risk_kinds(s)
        if state not in ("denied_now", "denied_ever"):
            return []
        day = re.search(ISO, s)
        if day:
            notes = [n for n in self.sel.notes + self.sel.carried if n.note_date.isoformat() == day[0]]
            positive = [x for n in notes for x in _risk_sentences(n) if _same_risk(kinds, _event_kinds(x))]
            if positive:
                return [Finding("risk", "error", s, "risk denied", f"{day[0]}: {positive[0]}")]
            return []
        events = [e for e, k in self.events + self.earlier_events if _same_risk(kinds, k)]
        # "has been documented", "was reported": a claim about the record, carried history included
        about_the_record = re.search(
            r"\b(?:has|have) (?:ever )?been\b|\bwas (?:ever )?(?:reported|documented|noted)\b", s, re.I
        )
        if (state == "denied_ever" or about_the_record) and events:
            e = events[0]
            return [Finding("risk", "error", s, "no risk ever documented", f"{e.day}: {e.sentence}")]
        if NOW.search(s):
            latest = self.risk.latest_screen
            if latest and _same_risk(kinds, _event_kinds(latest.sentence)):
                return [
                    Finding("risk", "error", s, "risk denied now", f"latest screen {latest.day}: {latest.sentence}")
                ]
            return []
        if in_range := [e for e, k in self.events if _same_risk(kinds, k)]:
            e = in_range[0]
            return [Finding("risk", "error", s, "no risk in this range", f"{e.day}: {e.sentence}")]
        return []

    # -- diagnoses, medications, goals, dates ----------------------------------------------------------------

    def _diagnosis(self, s: str) -> list[Finding]:
        out: list[Finding] = []
        by_code: dict[str, list[list[Finding]]] = {}
        for d in self.sel.diagnoses + self.sel.resolved_before:  # those of the range first
            if d.code not in s:
                continue
            found = []
            resolved = d.resolved is not None and d.resolved <= self.sel.range.end
            after = s[s.index(d.code) :]
            said_resolved = bool(RESOLVED.search(after))
            said_active = bool(ACTIVE.search(after)) and not said_resolved
            status = f"resolved {d.resolved}" if resolved else "active at the end of the range"
            if (said_resolved and not resolved) or (said_active and resolved):
                claim = "resolved" if said_resolved else "active"
                found.append(
                    Finding("diagnosis", "error", s, f"{d.code} {claim}", f"{d.code} {d.description}: {status}")
                )
            words = quality._content_words(d.description)
            said = quality._content_words(after.split(";")[0])
            if words and said and not words & said:
                found.append(Finding("diagnosis", "error", s, after.split(";")[0][:80], f"{d.code} is {d.description}"))
            by_code.setdefault(d.code, []).append(found)
        for each in by_code.values():  # a code coded twice (resolved, then a new episode): true of either is true
            if all(each):
                out += each[0]
        return out + self._foreign_diagnosis(s)

    def _foreign_diagnosis(self, s: str) -> list[Finding]:
        """A diagnosis the chart does not have (another client's, or none's): a code no item names, or a
        named disorder no item names, in a sentence that states diagnoses."""
        out = []
        has = "; ".join(f"{d.code} {d.description}" for d in self.sel.diagnoses) or "none"
        for m in ICD10.finditer(s):
            if m[0] not in self.codes and ("." in m[0] or m[0].startswith("F") or DIAGNOSIS_CONTEXT.search(s)):
                out.append(Finding("diagnosis", "error", s, m[0], f"no diagnosis {m[0]} in the chart (it has: {has})"))
        if DIAGNOSIS_CONTEXT.search(s):
            for m in DISORDER.finditer(s):
                named = " ".join(re.split(r"[\s-]+", m[0].lower()))
                if named not in self.corpus.replace("-", " ") and not PRE_NEGATION.search(s[: m.start()]):
                    out.append(Finding("diagnosis", "error", s, m[0], f"no item names {m[0]} (the chart has: {has})"))
        return out

    def _medication(self, s: str) -> list[Finding]:
        out = []
        for m in quality.MEDICATION.finditer(s):
            name = m[1].lower()
            on_file = [x for x in self.sel.medications if x.name.lower().startswith(name)]
            if not on_file:
                if not re.search(rf"\b{re.escape(name)}\b", self.corpus):
                    out.append(Finding("medication", "error", s, m[1], "no prescription or note of the chart names it"))
                # named in a note, never prescribed here ("no prescription is on file" says the opposite)
                elif ON_FILE.search(ABSENT_MEDICATION.sub("", s)) and not self._quoted(s):
                    out.append(Finding("medication", "error", s, f"{m[1]} on file", f"no prescription of {m[1]}"))
                continue
            dose = DOSE.search(s[m.end() : m.end() + 30])
            doses = {d.group(0).replace(" ", "").lower() for x in on_file for d in DOSE.finditer(x.dosage or "")}
            if dose and doses and dose.group(0).replace(" ", "").lower() not in doses:
                got = "; ".join(f"{x.name} {x.dosage}" for x in on_file)
                out.append(Finding("medication", "error", s, f"{m[1]} {dose.group(0)}", f"on file: {got}"))
            past = re.search(
                r"\b(?:history|previously|prior|in the past|before (?:this|the) range|years? ago)\b", s, re.I
            )
            if STOPPED.search(s) and not past and all(x.status == "active" and x.end_date is None for x in on_file):
                out.append(Finding("medication", "error", s, f"{m[1]} stopped", f"{on_file[0].name} is active"))
        return out

    def _goal(self, s: str) -> list[Finding]:
        if not GOAL_MET.search(s) or not self.sel.plans:
            return []
        current, earlier = course.goals_of(self.sel)
        for g in current + earlier:
            if g.goal[:40] in s and g.status.startswith(
                ("not met", "not measurable", "not yet met", course.NOT_ASSESSED)
            ):
                head = s[s.index(g.goal[:40]) + len(g.goal) :]
                if GOAL_MET.search(head):
                    why = "no score criterion" if g.status == "not measurable" else g.status
                    return [Finding("goal", "error", s, "goal met", f"{g.goal}: {why}")]
        return []

    def _contact(self, s: str) -> list[Finding]:
        """Care said to be going on when the chart shows it lapsed (no session for weeks) or ended in a
        discharge session; a discharge said that no note documents."""
        progress = self.sel.progress_notes
        if DISCHARGED.search(s) and not any(
            n.title == "Discharge session" or re.search(r"\bdischarg", n.text, re.I) for n in self.sel.notes
        ):
            return [Finding("contact", "error", s, "discharged", "no note in the chart documents a discharge")]
        if not ONGOING.search(s):
            return []
        if any(n.title == "Discharge session" for n in progress):
            last = next(n for n in reversed(progress) if n.title == "Discharge session")
            return [Finding("contact", "error", s, "care ongoing", f"discharge session on {last.note_date}")]
        contact = course.last_contact(self.sel)
        if contact.lapsed and contact.seen:
            days = (self.sel.range.end - contact.seen).days
            return [Finding("contact", "error", s, "care ongoing", f"last session {contact.seen}, {days} days before")]
        return []

    def _self_harm(self, s: str) -> list[Finding]:
        """A PHQ-9 item 9 answer ("1 (several days) on 2025-11-19") must be the answer of that day's PHQ-9."""
        out = []
        for m in SELF_HARM_ANSWER.finditer(s):
            told = [a for a in self.scores if a.instrument == "PHQ-9" and a.administered_on.isoformat() == m["date"]]
            answers = {x for a in told if (x := risk.self_harm_answer(a)) is not None}
            if answers and int(m[1]) not in answers:
                out.append(
                    Finding("risk", "error", s, f"item 9 {m[0]}", f"PHQ-9 item 9 on {m['date']} was {min(answers)}")
                )
        return out

    def _recency(self, s: str, segments: list[tuple[str, str]]) -> list[Finding]:
        """A date said to be the latest of its kind (a score, a session, a risk screening, the safety plan's
        last documentation) when the selection has a later one of that kind."""
        if not RECENT.search(s) and not RECENT_SESSION.search(s):
            return []
        out = []
        later = lambda days, claimed: max((d for d in days if d > claimed), default=None)  # noqa: E731
        for inst, seg in segments:
            m = DATED_SCORE.search(seg)
            if not m or not (RECENT.search(seg[: m.start()]) or re.match(r"\W*latest scores?\b", s, re.I)):
                continue
            claimed = date.fromisoformat(m["date"])
            days = [a.administered_on for a in self.sel.assessments if a.instrument == inst]
            if newer := later(days, claimed):
                score = next(
                    a.total_score for a in self.sel.assessments if a.administered_on == newer and a.instrument == inst
                )
                out.append(Finding("recency", "error", s, f"latest {inst} {m['date']}", f"{inst} {score} on {newer}"))
        kinds = [(RECENT_SESSION, "session", [n.note_date for n in self.sel.progress_notes])]
        if self.risk.latest_screen:
            kinds.append((RECENT_SCREEN, "risk screening", [date.fromisoformat(self.risk.latest_screen.day)]))
        if risk.SAFETY_PLAN.search(s):
            plans = [date.fromisoformat(f.day) for f in self.risk.safety_plan]
            kinds.append((LAST_DOCUMENTED, "safety plan documented", plans))
        for pattern, what, days in kinds:
            said = pattern.search(s)
            day = re.search(ISO, s[said.start() :]) if said else None  # the date the phrase gives
            if day and (newer := later(days, date.fromisoformat(day[0]))):
                out.append(Finding("recency", "error", s, f"latest {what} {day[0]}", f"{what} on {newer}"))
        return out

    @cached_property
    def _present(self) -> tuple[tuple[re.Pattern[str], str, list[date]], ...]:
        """What the selection has, by kind, with the dates: read once, not for every sentence."""
        sel, screen = self.sel, self.risk.latest_screen
        intakes = [n.note_date for n in sel.notes + sel.carried if n.note_type == "intake"]
        return (
            (ABSENT_MEDICATION, "prescription", [m.start_date for m in sel.medications]),
            (ABSENT_SCORE, "score", [a.administered_on for a in sel.assessments]),
            (ABSENT_INTAKE, "intake note", intakes),
            (ABSENT_DIAGNOSIS, "coded diagnosis", [d.onset for d in sel.diagnoses]),
            (ABSENT_SCREEN, "risk screening", [date.fromisoformat(screen.day)] if screen else []),
            (ABSENT_SESSION, "signed progress note", [n.note_date for n in sel.progress_notes]),
        )

    def _absence(self, s: str) -> list[Finding]:
        """A statement that the sources have none of something (a prescription, a score, an intake, a
        coded diagnosis, a risk screening, a session) where the selection has one."""
        return [
            Finding(
                "absence", "error", s, f"no {what}", f"{plural(len(days), what)} in the sources, the first {min(days)}"
            )
            for pattern, what, days in self._present
            if days and pattern.search(s)
        ]

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
            known = {n.note_date for n in self.sel.carried + self.sel.paced} | {
                a.administered_on for a in self.sel.history + self.sel.baseline
            }
            if day not in known:
                return [Finding("date", "warning", s, m[0], f"before the range ({rng.start} to {rng.end})")]
        return []

    # -- what the chart has and the text does not; citations -----------------------------------------------

    def omissions(self, text: str) -> list[Finding]:
        # everything coverage counts, but the risk history and the safety plan, which are read more closely below
        below = {"risk history", "safety plan"}
        return (
            [
                Finding("omission", "omission", "", c.kind, f"documented in the chart: {c.label}")
                for c in quality.coverage(text, self.sel)
                if c.kind not in below and not c.covered
            ]
            + self._events_omitted(text)
            + self._plan_omitted(text)
        )

    def _events_omitted(self, text: str) -> list[Finding]:
        """Each documented risk event, of the range and of the history carried into it: told on a line
        with its date, as a risk of its kind the line affirms or in the note's own words. Its date alone
        (a safety plan made that day) does not tell it."""
        lines = text.splitlines()
        out = []
        for e, kinds in self.events + self.earlier_events:
            if not any(e.day in line and _tells(line, e.sentence, kinds) for line in lines):
                what = "risk event" if (e, kinds) in self.events else "risk history"
                out.append(Finding("omission", "omission", "", what, f"{e.day}: {e.sentence}"))
        return out

    def _plan_omitted(self, text: str) -> list[Finding]:
        """The safety plan in force, named on a line with the date it was last documented (the plan's
        goal or a date elsewhere in the text does not say it is in force)."""
        if not self.risk.safety_plan:
            return []
        last, section = self.risk.safety_plan[-1], ""
        for line in text.splitlines():
            section = line[3:].strip() if line.startswith("## ") else section
            # a goal's quoted note ("the latest note about it (date): Safety plan reviewed") is the goal's state
            if section != "Treatment goals and progress" and risk.SAFETY_PLAN.search(line) and last.day in line:
                return []
        return [Finding("omission", "omission", "", "safety plan", f"documented in the chart: documented {last.day}")]

    def citations(self, text: str, cites: tuple[Citation, ...]) -> list[Finding]:
        """A paragraph's cited items must carry at least one of its dates or diagnosis codes (what a
        summary's facts hang on) that are the date of some item; a citation moved to an unrelated item
        carries none. Shared words are no defence: the notes of a chart share their phrases."""
        items = {i.id: i for i in self.sel.items}
        dated = {i.date.isoformat() for i in items.values()}  # a score before the range is no item to cite
        blocks = paragraphs(text)
        out = []
        for c in cites:
            if c.paragraph >= len(blocks) or not c.item_ids:
                continue
            block = blocks[c.paragraph]
            facts = (set(re.findall(ISO, block)) & dated) | {m[0] for m in ICD10.finditer(block)}
            cited = [items[i] for i in c.item_ids if i in items]
            if not facts or not cited:
                continue
            carried = {i.date.isoformat() for i in cited} | {
                m[0] for i in cited for m in re.finditer(rf"{ISO}|{ICD10.pattern}", f"{i.title}\n{i.text}")
            }
            if not facts & carried:
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


def _says(text: str, s: str) -> bool:
    """Whether a note has a sentence's trend word after the same words ("symptoms are increasing")."""
    for m in itertools.chain(TREND_UP.finditer(s), TREND_DOWN.finditer(s)):
        lead = " ".join(re.findall(r"[\w']+", s[: m.start()])[-2:])
        if lead and re.search(rf"\b{re.escape(lead)}\W+{re.escape(m[0])}\b", text, re.I):
            return True
    return False


def _same_risk(said: set[str], documented: set[str]) -> bool:
    """Whether what a sentence says of `said` risks concerns an event of `documented` ones: the same kind,
    or a side that names no kind but a screen or a risk event in general."""
    named, shown = said - {"any", "screen"}, documented - {"any", "screen"}
    return bool(documented) and (not named or not shown or bool(named & shown))


def _event_kinds(sentence: str) -> set[str]:
    """The kinds of risk a chart sentence reports as an event, none for a denial or a plan; a finding
    core.risk reads that names no risk term (an involuntary hold) concerns any."""
    state, kinds = risk_kinds(sentence)
    if state == "affirmed":  # an attempt is suicidal ideation too; ideation is no attempt
        return kinds | {"suicide"} if "attempt" in kinds else kinds
    if state == "other" and risk.POSITIVE.search(sentence) and not RISK_TERM.search(RISK_RESOURCE.sub(" ", sentence)):
        return {"any"}
    return set()


def _tells(line: str, sentence: str, kinds: set[str]) -> bool:
    """Whether a line of the text tells a documented event: a risk of its kind the line affirms, or
    half the note sentence's own words."""
    for x in sentences(line):
        state, said = risk_kinds(x)
        if state == "affirmed" and _same_risk(said, kinds):
            return True
    words = quality._content_words(sentence)
    return bool(words) and len(words & quality._content_words(line)) * 2 >= len(words)


def _risk_sentences(note: Note) -> list[str]:
    return [x for x in statements_of(note.text) if risk.TOPIC.search(x) or RISK_TERM.search(x)]


def _listing(scores: list[Assessment]) -> str:
    return ", ".join(f"{a.total_score} on {a.administered_on}" for a in scores[-6:]) or "none"


# -- reading a risk statement -------------------------------------------------------------------------
# A sentence is read clause by clause (split at "but", ";", "however", "although", "despite"...), and
# each risk term in a clause on its own: a denial covers a term only when its cue comes shortly before
# it ("denies SI, HI or self-harm") or right after it ("SI: denied"), so "Denies SI but reports HI" or
# "never hospitalized, reported suicidal thoughts" reads as the affirmation it is. A term is the kind
# of risk it names, so that a denial of HI is not read against a documented suicidal ideation.

SELF = r"(?:her|him|them|my|your)sel(?:f|ves)\b"
RISK_TERMS = {  # each kind as the words that name it, a compound ("suicidal ideation") as one term
    "attempt": r"\bsuicid\w* attempts?\b|\battempt(?:s|ed|ing)? (?:suicide|to (?:kill|end|take) )",
    "suicide": "|".join(
        (
            r"suicid\w*(?: (?:ideation|thoughts?|urges?|intent))?|(?-i:\bSI\b)|\bideation\b|\bdeath wish(?:es)?\b",
            r"\b(?:passive|active) (?:death )?(?:ideation|thoughts?|wish(?:es)?)\b",
            rf"\b(?:kill(?:ing|ed)?|hang(?:ing|ed)?|shoot(?:ing)?) {SELF}",
            r"\b(?:end(?:ing|ed)?|tak(?:e|ing)|took) (?:her|his|their|my) (?:own )?life\b",
            r"\bbetter off dead\b|\bwant(?:s|ed|ing)? to die\b|\bnot worth living\b",
            r"\b(?:not|never) (?:to )?wak(?:e|ing) up\b",
            r"\bthoughts? (?:of|about) (?:death|dying)\b",
        )
    ),
    "self-harm": "|".join(
        (
            r"self[- ]?harm\w*|self[- ]?injur\w*|(?-i:\bNSSI\b|\bSIB\b)|self[- ]?mutilat\w*",
            r"\bcutting\b(?! (?:back|down|out|off|ties|class))",
            rf"\b(?:cut(?:s|ting)?|burn(?:s|ed|ing)?|scratch(?:es|ed|ing)?) {SELF}",
            rf"\b(?:hurt(?:s|ing)?|harm(?:s|ed|ing)?|hit(?:s|ting)?) {SELF}",
        )
    ),
    "homicide": "|".join(
        (
            r"homicid\w*(?: (?:ideation|thoughts?|urges?|intent))?|(?-i:\bHI\b)",
            r"\b(?:kill|hurt|harm)(?:ing)? (?:someone|others|other people|anyone)\b",
        )
    ),
    "overdose": r"overdos\w*",
    "any": r"\brisk (?:events?|behaviou?rs?)\b",
    # screens: a finding only when read as positive ("C-SSRS positive", "item 9 endorsed")
    "screen": r"\bC-SSRS\b|\bitem 9\b|\brisk (?:screen(?:ing)?|assessment)\b",
}
RISK_TERM = re.compile("|".join(f"(?P<{k.replace('-', '_')}>{v})" for k, v in RISK_TERMS.items()), re.I)
# Names that hold a risk word and report nothing: the crisis line, the safety plan, the scale's full name.
RISK_RESOURCE = re.compile(
    r"(?:988 )?Suicide (?:&|and) Crisis Lifeline|\b988\b|\bcrisis (?:line|lifeline|hotline)\b|"
    r"\b(?:suicide|overdose|self-harm) (?:prevention|awareness|hotline|crisis)\w*"
    r"(?: (?:line|lifeline|hotline|center|plan))?|\bsafety plan\w*|"
    r"Columbia Suicide Severity Rating Scale|"
    r"\b(?:suicid\w*|self-harm|overdose|homicid\w*|violence) risk\b|"  # a risk level, not a finding
    r"\brisk (?:of|for) (?:suicide|self-harm|overdose|violence)\b",
    re.I,
)
# Where a clause ends; a concessive word ("despite denying intent, ...") stays with its clause, to its comma.
CLAUSE_BREAK = re.compile(
    r";|\bbut\b|\bhowever\b|(?=\b(?:although|though|despite|while)\b)|\bwhereas\b|\bexcept\b|\byet\b|\bother than\b",
    re.I,
)
# Negations that deny nothing ("no change in her chronic SI", "could not deny"), removed before reading.
PSEUDO_NEGATION = re.compile(
    r"\bno (?:change|increase|decrease|reduction) in\b|\bnot only\b|\bno longer den\w*|\bnot deny\w*|"
    r"\b(?:did|does|do|could|would|can|will)(?:n't| not) den\w*|\bcannot den\w*|\bnot (?:be )?ruled? out\b|"
    r"\bcannot (?:be )?rule[sd]? out\b",
    re.I,
)
DOUBLE_NEGATION = re.compile(r"\bnot (?:true|the case|accurate) that\b", re.I)
PRE_NEGATION = re.compile(
    r"\bden(?:y|ies|ied|ying)\b|\bno\b|\bnot\b|\bnever\b|\bwithout\b|\bnegative\b|\bnone\b|\bnor\b|\bneither\b|"
    r"\bfree (?:of|from)\b|\babsence of\b|\bno longer\b|n't\b|\bzero\b|\bnil\b",
    re.I,
)
# After the term: "SI: denied", "suicidal ideation was denied", "SI/HI negative".
POST_NEGATION = re.compile(
    r"^(?:[\s,:/()–-]|\b(?:and|or|nor|was|were|is|are|has|have|been|both|all|any|currently|today|thoughts?|"
    r"ideation|intent|plans?|behaviou?rs?|urges?|screen(?:ing)?|reported as|history|attempts?|events?|"
    r"she|he|they|client|patient|when asked)\b)*"
    r"\b(?:denied|negative|none|absent|not (?:present|endorsed|reported|elicited|disclosed|expressed|indicated|noted)|"
    r"ruled out)\b",
    re.I,
)
# Words that carry a cue over to the term it governs ("denies any current thoughts of self-harm").
FILLER = re.compile(
    r"^(?:a|an|the|any|and|or|nor|of|to|for|about|in|current(?:ly)?|active|passive|recent(?:ly)?|acute|ongoing|"
    r"further|new|thoughts?|ideas?|urges?|feelings?|intent|plans?|history|lifetime|prior|previous(?:ly)?|past|ever|"
    r"been|being|had|has|have|suicidal|homicidal|chronic|specific|such|her|his|their|"
    r"significant|evidence|signs?|symptoms?)$",
    re.I,
)
NEGATION_SCOPE = 3  # words other than fillers between a cue and the term it denies
# An affirmation between a cue and a term ends the cue's scope ("Without a plan, she reported active SI").
AFFIRMS = re.compile(
    r"^(?:report\w*|endors\w*|disclos\w*|describ\w*|admit\w*|acknowledg\w*|express\w*|voic\w*|present\w*|"
    r"experienc\w*|positive|having|continues?|continuing|shared|reveal\w*|confirm\w*|notes?|noted|states?|stated|"
    r"mentioned|described)$",
    re.I,
)
OTHERS = (  # people whose risk is not the client's
    r"mother|father|mom|dad|brother|sister|son|daughter|friend|cousin|uncle|aunt|grand\w+|parent|sibling|peer|"
    r"classmate|cowork\w*|roommate|relative|husband|wife|boyfriend|girlfriend|spouse|partner|neighbou?r"
)
# Before the term: a hypothetical, teaching, a plan, or someone else's event, not a finding of the client.
NOT_A_FINDING = re.compile(
    r"\bif\b|\bin case\b|\bin the event\b|\bunless\b|\bshould\b|\bwhat to do\b|\bhow to\b|\bwhen to\b|"
    r"\bwarning signs?\b|\beducat\w*|\bpsychoeducation\b|\bdiscuss\w*|\breview\w*|\binstruct\w*|\bencourag\w*|"
    r"\bwill\b|\bgoals?\b|\btargets?\b|\bplan(?:s|ned)? to\b|\bprevent\w*|\brisk factors?\b|\bprotective factors?\b|"
    r"\bscreen(?:ed|ing)? for\b|\bassess(?:ed|ing|ment)? (?:for|of)\b|\basked about\b|\bmonitor\w*|\bwatch for\b|"
    rf"\b(?:{OTHERS}|family history|family member)s?(?:'s)?\b",
    re.I,
)
# "the suicide of her friend"
SOMEONE_ELSES = re.compile(rf"^\W*(?:attempts? |ideation )?(?:of|by) (?:her|his|their|a|the) (?:{OTHERS})", re.I)
# "never told anyone about her suicide attempt": the possessive says the event happened
PRESUPPOSED = re.compile(
    r"\b(?:her|his|their)\s+(?:(?:recent|last|prior|previous|first|past|\d{4})\s+)?(?:risk\s*)*$", re.I
)
SCREEN_POSITIVE = re.compile(r"\bpositive\b|\bendorse[sd]?\b|\belevated\b|\bflagged\b", re.I)
CLIENT = re.compile(r"\b(?:client|patient|she|he|they|her own|his own)\b", re.I)
# Anywhere in the clause: not asked, or not known.
UNKNOWN = re.compile(
    r"\bpossibl[ey]\b|\bunclear\b|\buncertain\b|\bquestionabl[ey]\b|\bmay\b|\bmight\b|\brule out\b|\br/o\b|"
    r"\bvague(?:ly)?\b|\bsuspect\w*|\bpotential(?:ly)?\b|\bunknown\b|\bunable to (?:assess|determine|screen)\b|"
    r"\bnot (?:been )?(?:assessed|asked|screened|evaluated|addressed|explored|documented|known|completed|"
    r"discussed|administered|reviewed|asked about)\b|"
    r"\b(?:did|does|was|were)(?:n't| not) (?:ask|assess|screen|inquire|address|explore)\w*|\bdeferred\b|"
    r"\bnot sure\b|\bunsure\b|\bwhether\b|\bto be (?:re)?(?:assess|monitor|screen|review|evaluat)\w*|\bwill be\b|"
    r"\bside effects?\b|\bwarnings?\b|"
    r"\b(?:not|n't|declined|refused)\s+(?:want\w* )?(?:to )?(?:talk|discuss|elaborate|answer|share|go into)\b",
    re.I,
)
EVER = re.compile(
    r"\bever\b|\bnever\b|\blifetime\b|\bhistory\b|\bhx\b|\bprior\b|\bprevious(?:ly)?\b|\bat any (?:time|point)\b|"
    r"\bpast\b(?!\s+(?:\d+|few|several|couple|one|two|three|four|six|week|month|day|year|session|\w+ "
    r"(?:weeks?|months?|days?)))|\bin (?:her|his|their) life\b",
    re.I,
)
WORD = re.compile(r"[\w'/-]+")


def read_risk(sentence: str) -> str:
    """'affirmed', 'denied_now', 'denied_ever' or 'other': what a sentence says of the client's risk (an
    affirmation anywhere wins: "Denies SI but reports HI" reports a risk)."""
    return risk_kinds(sentence)[0]


def risk_kinds(sentence: str) -> tuple[str, set[str]]:
    """The reading of a sentence and the kinds of risk it affirms or denies (attempt, suicide, self-harm,
    homicide, overdose; any, screen: every kind)."""
    text = RISK_RESOURCE.sub(" resource ", sentence)
    found: dict[str, set[str]] = {"affirmed": set(), "denied_ever": set(), "denied_now": set()}
    for clause in _clauses(text):
        for state, kind in _read_clause(clause):
            found[state].add(kind)
    for state in ("affirmed", "denied_ever", "denied_now"):
        if found[state]:
            return state, found[state]
    return "other", set()


def _clauses(text: str) -> list[str]:
    out: list[str] = []
    for part in CLAUSE_BREAK.split(text):
        # "despite denying intent, client endorses SI": a concessive clause ends at its comma
        out += part.split(",", 1) if re.match(r"\W*(?:while|despite|although|though)\b", part, re.I) else [part]
    return out


def _read_clause(clause: str) -> list[tuple[str, str]]:
    clause = PSEUDO_NEGATION.sub(" so ", clause)
    double = DOUBLE_NEGATION.search(clause)
    if double:  # "it is not true that she has never self-harmed": the two cancel
        rest = clause[double.end() :]
        clause = clause[: double.start()] + PRE_NEGATION.sub(" so ", rest, count=1)
    terms = list(RISK_TERM.finditer(clause))
    if not terms or UNKNOWN.search(RISK_TERM.sub(" ", clause)):
        return []
    out = []
    ever = bool(EVER.search(clause))
    for t in terms:
        kind = next(k for k, v in t.groupdict().items() if v).replace("_", "-")
        before, after = RISK_TERM.sub(" risk ", clause[: t.start()]), clause[t.end() :]
        if POST_NEGATION.match(after):
            out.append(("denied_ever" if ever else "denied_now", kind))
        elif _hedged(before) or SOMEONE_ELSES.match(after):
            continue
        elif _negated(before) and not PRESUPPOSED.search(before):
            out.append(("denied_ever" if ever else "denied_now", kind))
        elif kind != "screen" or SCREEN_POSITIVE.search(clause):
            out.append(("affirmed", kind))
    return out


def _negated(before: str) -> bool:
    """Whether a negation cue governs the end of `before` (the words up to a term): few words between,
    and no affirmation of a subject of its own ("without a plan, she reported active SI")."""
    cues = list(PRE_NEGATION.finditer(before))
    if not cues:
        return False
    tokens = WORD.findall(before[cues[-1].end() :])
    words = [(i, w) for i, w in enumerate(tokens) if not FILLER.match(w) and w.lower() != "risk"]
    if len(words) > NEGATION_SCOPE:
        return False
    lead = len(list(itertools.takewhile(lambda x: AFFIRMS.match(x[1]), words)))  # "denies having experienced"
    return not any(
        AFFIRMS.match(w) and (i == 0 or tokens[i - 1].lower() not in ("or", "nor"))  # "no record or report of"
        for i, w in words[lead:]
    )


def _hedged(before: str) -> bool:
    """Whether a hypothetical, a teaching or someone else's event governs the term (no client between)."""
    cues = list(NOT_A_FINDING.finditer(before))
    if not cues:
        return False
    between = before[cues[-1].end() :]
    return not CLIENT.search(between) and not any(AFFIRMS.match(w) for w in WORD.findall(between))
