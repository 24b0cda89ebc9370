"""The course of care over a range, computed once for both engines and the checks: per measure the
first, lowest, highest and latest score, the recent trend, reliable change and relapse; each goal's
status where its criterion is measurable; the last contact and whether care lapsed.

Every statement here is a fact derived from dated chart items, with the items it rests on, so a
draft can say it and a check can verify it. Where a rule cannot decide, it says so ("not
measurable from the scores") instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from .models import Assessment, Note, Plan
from .scoring import INSTRUMENTS, Change, change

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "twelve": 12}
NEXT_SESSION = re.compile(
    r"\b(?:next|follow[- ]up)\s+(?:session|appointment|visit)\s+in\s+(\w+)\s+(day|week|month)s?\b", re.I
)
GRACE_DAYS = 14  # a session a little late is not overdue
LAPSE_DAYS = 42  # six weeks without a session: care has lapsed, not a session slipped


@dataclass(frozen=True)
class MeasureCourse:
    """One measure over the range: its administrations and what they show."""

    instrument: str
    scores: tuple[Assessment, ...]  # in range, oldest first

    @property
    def spec(self):
        return INSTRUMENTS[self.instrument]

    def _better(self, a: Assessment, b: Assessment) -> bool:
        return a.total_score < b.total_score if self.spec.higher_is_worse else a.total_score > b.total_score

    @property
    def first(self) -> Assessment:
        return self.scores[0]

    @property
    def latest(self) -> Assessment:
        return self.scores[-1]

    @property
    def lowest(self) -> Assessment:
        """The best score (the lowest, for measures where higher is worse); the first one on ties."""
        best = self.scores[0]
        for a in self.scores[1:]:
            if self._better(a, best):
                best = a
        return best

    @property
    def highest(self) -> Assessment:
        worst = self.scores[0]
        for a in self.scores[1:]:
            if self._better(worst, a):
                worst = a
        return worst

    @property
    def change(self) -> Change:
        return change(self.instrument, self.first.total_score, self.latest.total_score)

    def _worse_by(self, later: Assessment, earlier: Assessment) -> int:
        d = later.total_score - earlier.total_score
        return d if self.spec.higher_is_worse else -d

    @property
    def relapse(self) -> tuple[Assessment, Assessment] | None:
        """(low point, peak after it) when a reliable improvement (from any earlier score to the low
        point) was followed by reliable worsening from it; the largest such rise."""
        rc = self.spec.reliable_change
        if rc is None or len(self.scores) < 3:
            return None
        best: tuple[Assessment, Assessment] | None = None
        for i, low in enumerate(self.scores[1:-1], 1):
            if max(self._worse_by(earlier, low) for earlier in self.scores[:i]) < rc:
                continue  # no reliable improvement reached this point
            peak = max(self.scores[i + 1 :], key=lambda a: self._worse_by(a, low))
            rise = self._worse_by(peak, low)
            if rise >= rc and (best is None or rise > self._worse_by(best[1], best[0])):
                best = (low, peak)
        return best

    @property
    def trend(self) -> str:
        """Over the last three administrations: improving, worsening or stable ('single' for one score)."""
        if len(self.scores) < 2:
            return "single"
        window = self.scores[-3:]
        worse = self._worse_by(window[-1], window[0])
        rc = self.spec.reliable_change
        if rc is None:
            return "worsening" if worse > 0 else "improving" if worse < 0 else "stable"
        return "worsening" if worse >= rc else "improving" if -worse >= rc else "stable"

    @property
    def in_clinical_range_throughout(self) -> bool:
        cutoff = self.spec.cutoff
        return cutoff is not None and all(a.total_score >= cutoff for a in self.scores)

    def change_words(self) -> str:
        """First to latest, with the thresholds that make the label true."""
        spec, ch = self.spec, self.change
        a, b = self.first.total_score, self.latest.total_score
        if ch.reliable is None:
            return f"{ch.describe()} ({spec.code} has no established reliable-change threshold)"
        diff = f"{abs(b - a)} point{'s' if abs(b - a) != 1 else ''}"
        if ch.direction == "unchanged" or not ch.reliable:
            return f"no reliable change ({diff}; reliable change is {spec.reliable_change} or more)"
        words = f"{ch.describe()} ({diff}; reliable change is {spec.reliable_change} or more"
        if ch.clinically_significant:
            words += f", and from at or above the cut-off of {spec.cutoff} to below it"
        elif spec.cutoff is not None and ch.direction == "improved" and b >= spec.cutoff:
            words += f"; still at or above the cut-off of {spec.cutoff}"
        return words + ")"

    def sentence(self) -> str:
        """The course in one paragraph a supervisor reads at a glance."""
        fmt = lambda a: f"{a.total_score} ({a.severity}) on {a.administered_on.isoformat()}"  # noqa: E731
        if len(self.scores) == 1:
            return f"{self.instrument}: one administration in range, {fmt(self.first)}; change is not assessable."
        parts = [f"{self.instrument}: first {fmt(self.first)}"]
        low, high = self.lowest, self.highest
        if low not in (self.first, self.latest):
            parts.append(f"lowest {fmt(low)}")
        if high not in (self.first, self.latest):
            parts.append(f"highest {fmt(high)}")
        parts.append(f"latest {fmt(self.latest)}")
        return "; ".join(parts) + ". " + self.remarks()

    def remarks(self) -> str:
        """What the course shows beyond its scores (for a draft that tabulates them): the change with
        its thresholds, relapse, the last three scores, the clinical range."""
        spec = self.spec
        a, b = self.first.severity, self.latest.severity
        bands = f"{a} at first and latest" if a == b else f"from {a} to {b}"
        text = (
            f"{bands[0].upper()}{bands[1:]}: {self.change_words()}."
            if len(self.scores) > 1
            else "Change is not assessable from one administration."
        )
        relapse = self.relapse
        if relapse:
            lo, peak = relapse
            text += (
                f" Relapse: after improving to {lo.total_score} ({lo.administered_on.isoformat()}), the score "
                f"rose reliably to {peak.total_score} ({peak.administered_on.isoformat()})."
            )
        if len(self.scores) >= 3:
            last3 = ", ".join(str(a.total_score) for a in self.scores[-3:])
            words = self.trend if self.trend != "stable" else "no reliable change"
            text += f" Last three scores ({last3}): {words}."
        if self.in_clinical_range_throughout:
            text += f" Every score in range was at or above the cut-off of {spec.cutoff}."
        elif spec.cutoff is not None and self.first.total_score < spec.cutoff <= self.latest.total_score:
            text += f" The score rose from below the cut-off of {spec.cutoff} to at or above it."
        return text


def measures(assessments: tuple[Assessment, ...] | list[Assessment]) -> list[MeasureCourse]:
    """Per instrument in range, the most often given (the primary measure) first."""
    by: dict[str, list[Assessment]] = {}
    for a in sorted(assessments, key=lambda a: (a.administered_on, a.id)):
        by.setdefault(a.instrument, []).append(a)
    return [MeasureCourse(i, tuple(s)) for i, s in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


# -- goals -----------------------------------------------------------------------------------------

INSTRUMENT_NAMES = "|".join(sorted((re.escape(i) for i in INSTRUMENTS), key=len, reverse=True))
CRITERION = re.compile(
    rf"(?P<inst>{INSTRUMENT_NAMES})\b[^.;]{{0,40}}?\b(?P<op>below|under|less than|at or below)\s+"
    rf"(?P<n>\d+)",
    re.I,
)
IN_BAND = re.compile(rf"(?P<inst>{INSTRUMENT_NAMES})\b[^.;]{{0,20}}?\bin the (?P<band>minimal|mild) range", re.I)
CONSECUTIVE = re.compile(r"\b(two|three|2|3)\s+consecutive|\btwice\b", re.I)


def _band_top(instrument: str, band: str) -> int | None:
    """The lowest score above the named band (scores below it are in that band or lower)."""
    bands = INSTRUMENTS[instrument].bands
    lows = [low for low, label in bands if label == band]
    higher = [low for low, _ in bands if lows and low > lows[0]]
    return higher[0] if higher else None


def criterion(goal: str) -> tuple[str, int, int] | None:
    """(instrument, threshold, administrations in a row) of a goal whose criterion is a score:
    met when that many consecutive scores are below the threshold."""
    if m := CRITERION.search(goal):
        inst, threshold = m.group("inst").upper(), int(m.group("n")) + (m.group("op").lower() == "at or below")
    elif m := IN_BAND.search(goal):
        inst = m.group("inst").upper()
        top = _band_top(inst, m.group("band").lower())
        if top is None:
            return None
        threshold = top
    else:
        return None
    c = CONSECUTIVE.search(goal)
    word = c.group(0).lower() if c else ""
    need = 1 if not c else 2 if word == "twice" else WORDS.get(c.group(1).lower()) or int(c.group(1))
    return inst, threshold, need


@dataclass(frozen=True)
class GoalStatus:
    goal: str
    plan: Plan
    status: str  # "met", "met, not sustained", "not met", "not measurable"
    evidence: tuple[Assessment, ...]  # the scores the status rests on
    since: date | None = None  # when the plan versions that carry the goal began

    def sentence(self) -> str:
        if self.status == "not measurable":
            return f"{self.goal}: no score criterion, so not judged from the scores (see the session notes)."
        scores = ", ".join(f"{a.instrument} {a.total_score} on {a.administered_on.isoformat()}" for a in self.evidence)
        if self.status.startswith("not yet met"):
            return f"{self.goal}: not yet met ({scores}; {self.status.removeprefix('not yet met ').strip('()')})."
        return f"{self.goal}: {self.status} ({scores})."


def goal_status(
    goal: str, plan: Plan, scores: list[Assessment], since: date | None = None, range_start: date | None = None
) -> GoalStatus:
    """The goal's status from the scores after it was set (`since`: when the plan versions that
    carry it began; a score on that day is the baseline it was set against, not progress)."""
    found = criterion(goal)
    after = [a for a in scores if since is None or a.administered_on > since]
    band = re.search(r"\bin the (minimal|mild) range\b", goal, re.I)
    if not found and band and after:  # "mood and worry in the mild range": every measure's latest score
        last_of = {a.instrument: a for a in after}
        tops = {i: _band_top(i, band.group(1).lower()) for i in last_of}
        if all(t is not None for t in tops.values()):
            below = all(a.total_score < (tops[i] or 0) for i, a in last_of.items())
            status = "met at the latest scores" if below else "not met at the latest scores"
            return GoalStatus(goal, plan, status, tuple(last_of.values()))
    series = [a for a in after if found and a.instrument == found[0]]
    if not found or not series:
        return GoalStatus(goal, plan, "not measurable", ())
    _, threshold, need = found
    run: list[Assessment] = []
    met: list[Assessment] | None = None
    for a in series:
        run = run + [a] if a.total_score < threshold else []
        if len(run) >= need and met is None:
            met = run[-need:]
    latest = series[-1]
    if met is None:
        if latest.total_score < threshold:  # below, but not yet for long enough
            return GoalStatus(goal, plan, f"not yet met ({need} in a row below {threshold} are needed)", tuple(run))
        return GoalStatus(goal, plan, "not met", (latest,))
    when = f"met by {met[-1].administered_on.isoformat()}"
    if range_start is not None and met[-1].administered_on < range_start:
        when = "met before this range"
    if latest.total_score < threshold:
        return GoalStatus(goal, plan, when, tuple(met))
    return GoalStatus(goal, plan, f"{when}, not sustained", (*met, latest))


def goals(plans: tuple[Plan, ...], scores: list[Assessment]) -> tuple[list[GoalStatus], list[GoalStatus]]:
    """(the current plan's goals, goals of earlier plan versions that the current plan no longer has)."""
    if not plans:
        return [], []
    current = plans[-1]

    def since(goal: str, upto: int) -> date:
        """When the unbroken run of plan versions ending at plans[upto] that carry the goal began."""
        start = upto
        while start > 0 and goal in plans[start - 1].goals:
            start -= 1
        return plans[start].effective_from

    first_day = min(p.effective_from for p in plans)
    now = [
        replace(goal_status(g, current, scores, since(g, len(plans) - 1), first_day), since=since(g, len(plans) - 1))
        for g in current.goals
    ]
    earlier: dict[str, tuple[Plan, int]] = {}
    for i, p in enumerate(plans[:-1]):
        for g in p.goals:
            if g not in current.goals:
                earlier[g] = (p, i)
    return now, [
        replace(goal_status(g, p, scores, since(g, i), first_day), since=since(g, i)) for g, (p, i) in earlier.items()
    ]


# -- contact -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    last: Note | None  # the most recent signed session in range
    planned_days: int | None  # the interval the last note planned ("next session in four weeks")
    as_of: date  # the end of the range

    @property
    def due(self) -> date | None:
        return self.last.note_date + timedelta(days=self.planned_days) if self.last and self.planned_days else None

    @property
    def overdue(self) -> bool:
        """The planned next session is past due (with grace) and not documented."""
        if self.last is None:
            return False
        return (self.as_of - self.last.note_date).days > (self.planned_days or 30) + GRACE_DAYS

    @property
    def lapsed(self) -> bool:
        """Overdue, and for longer than six weeks: care has lapsed rather than a session slipped."""
        return self.overdue and self.last is not None and (self.as_of - self.last.note_date).days > LAPSE_DAYS

    def sentence(self) -> str:
        if self.last is None:
            return "No signed session is documented in this range."
        text = f"Last documented session: {self.last.note_date.isoformat()}."
        if self.due:
            text += f" The next session was planned for about {self.due.isoformat()}."
        weeks = (self.as_of - self.last.note_date).days // 7
        if self.lapsed:
            text += (
                f" No session is documented after that through {self.as_of.isoformat()} ({weeks} weeks): "
                "care appears to have lapsed."
            )
        elif self.overdue:
            text += f" That session is not documented through {self.as_of.isoformat()}."
        return text


def contact(progress: tuple[Note, ...], as_of: date) -> Contact:
    last = progress[-1] if progress else None
    days = None
    if last:
        m = NEXT_SESSION.search(last.text)
        if m:
            n = WORDS.get(m.group(1).lower()) or (int(m.group(1)) if m.group(1).isdigit() else None)
            if n:
                days = n * {"day": 1, "week": 7, "month": 30}[m.group(2).lower()]
    return Contact(last, days, as_of)


def derived_numbers(sel) -> tuple[set[str], set[str]]:
    """(numbers, ISO dates) a draft may state that the course of care derives from the chart rather
    than copies from one item: thresholds, point changes, counts, planned and elapsed intervals."""
    numbers: set[str] = set()
    dates: set[str] = set()
    for m in measures(sel.assessments):
        spec = m.spec
        numbers |= {str(x) for x in (spec.cutoff, spec.reliable_change) if x is not None}
        numbers.add(str(abs(m.latest.total_score - m.first.total_score)))
    for plan in sel.plans:
        for g in plan.goals:
            if found := criterion(g):
                numbers |= {str(found[1]), str(found[2])}
    numbers.add(str(max(len(sel.plans) - 1, 0)))
    numbers |= {str(e.count) for e in sel.excluded}
    c = contact(sel.progress_notes, sel.range.end)
    if c.due:
        dates.add(c.due.isoformat())
    if c.last:
        numbers.add(str((c.as_of - c.last.note_date).days // 7))
    return numbers, dates


STOP = frozenset(
    "about after again also and any are at be been before being both but by can client each for "
    "from has have her his into its least more most not of on once one only or other over per such "
    "than that the their them then there these they this those three through times to two under "
    "until use using very was were when which while who will with within without".split()
)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in STOP}


def goal_evidence(goal: str, notes: tuple[Note, ...], sentences_of) -> tuple[Note, str] | None:
    """The most recent note sentence about a goal that has no score criterion: one that shares at
    least two word stems and two fifths of the goal's, so the draft can quote what the chart says."""
    wanted = _stems(goal)
    if len(wanted) < 2:
        return None
    for note in reversed(notes):
        for s in reversed(sentences_of(note)):
            shared = wanted & _stems(s)
            if len(shared) >= 2 and len(shared) >= 0.4 * len(wanted):
                return note, s
    return None
