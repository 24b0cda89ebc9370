"""The course of care over a range, computed once for both engines and the checks: per measure the
first, lowest, highest and latest score, the recent trend, reliable change and relapse; each goal's
status where its criterion is measurable; the last contact and whether care lapsed.

Every statement here is a fact derived from dated chart items, with the items it rests on, so a
draft can say it and a check can verify it. Where a rule cannot decide, it says so ("not
measurable from the scores") instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property, lru_cache

from .models import Assessment, Note, Plan
from .risk import ITEM_SIGNALS, dependence_answers
from .scoring import INSTRUMENTS, Change, change
from .text import sentences

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "twelve": 12}
NEXT_SESSION = re.compile(
    r"\b(?:next|follow[- ]up)\s+(?:session|appointment|visit)\s+in\s+(\w+)\s+(day|week|month)s?\b", re.I
)
# The same, for the database's regular expressions (no capture): the notes before a range that paced care.
NEXT_SESSION_SQL = r"\b(?:next|follow[- ]up)\s+(?:session|appointment|visit)\s+in\b"
GRACE_DAYS = 14  # a session a little late is not overdue
LAPSE_DAYS = 42  # six weeks without a session: care has lapsed, not a session slipped
CARRIED_NOTES = 4  # a sentence word for word in this many notes may be carried forward rather than current


def months(start: date, end: date) -> str:
    """A span as a reader says it: 'about five weeks', 'about six months'."""
    days = (end - start).days
    if days < 60:
        weeks = max(1, round(days / 7))
        return f"about {weeks} week{'s' if weeks != 1 else ''}"
    n = round(days / 30.4)
    return f"about {n} months"


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

    @cached_property  # a course never changes (frozen); several sections and checks ask
    def relapse(self) -> tuple[Assessment, Assessment] | None:
        """(low point, peak after it) when a reliable improvement (from any earlier score to the low
        point) was followed by reliable worsening from it; the largest such rise (the first low point
        and the first peak of equal rises). One pass each way: a long treatment has hundreds of scores."""
        rc = self.spec.reliable_change
        if rc is None or len(self.scores) < 3:
            return None
        bad = [a.total_score if self.spec.higher_is_worse else -a.total_score for a in self.scores]
        worst_after: list[int] = [0] * len(bad)  # index of the worst score after i (the first of equals)
        for i in range(len(bad) - 2, -1, -1):
            j = worst_after[i + 1] if i + 1 < len(bad) - 1 else i + 1
            worst_after[i] = i + 1 if bad[i + 1] >= bad[j] else j
        best, best_rise, worst_before = None, 0, bad[0]
        for i in range(1, len(bad) - 1):
            if worst_before - bad[i] >= rc:  # a reliable improvement reached this point
                peak = worst_after[i]
                rise = bad[peak] - bad[i]
                if rise >= rc and (best is None or rise > best_rise):
                    best, best_rise = (self.scores[i], self.scores[peak]), rise
            worst_before = max(worst_before, bad[i])
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

    def change_words(self, thresholds: bool = True) -> str:
        """First to latest, with the thresholds that make the label true; without the reliable-change threshold
        where the text states it once for all (the offline draft's thresholds line), the points and cut-off kept."""
        spec, ch = self.spec, self.change
        a, b = self.first.total_score, self.latest.total_score
        if ch.reliable is None:
            return (
                f"{ch.describe()} ({spec.code} has no established reliable-change threshold)"
                if thresholds
                else ch.describe()
            )
        diff = f"{abs(b - a)} point{'s' if abs(b - a) != 1 else ''}"
        rc = f"; reliable change is {spec.reliable_change} or more" if thresholds else ""
        if ch.direction == "unchanged" or not ch.reliable:
            return f"no reliable change ({diff}{rc})"
        words = f"{ch.describe()} ({diff}{rc}"
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

    def relapse_run(self) -> tuple[int, int] | None:
        """(first, last) indexes of the unbroken run of scores at or above the cut-off around the
        relapse's peak: how long the relapse lasted."""
        cutoff, relapse = self.spec.cutoff, self.relapse
        if cutoff is None or relapse is None or relapse[1].total_score < cutoff:
            return None
        start = end = self.scores.index(relapse[1])
        while start > 0 and self.scores[start - 1].total_score >= cutoff:
            start -= 1
        while end < len(self.scores) - 1 and self.scores[end + 1].total_score >= cutoff:
            end += 1
        return start, end

    def relapse_length(self) -> str:
        """How long the relapse lasted, and when the score was below the cut-off again (a relapse of six
        months reads unlike one of a fortnight)."""
        run = self.relapse_run()
        if run is None:
            return ""
        start, end = run
        first_, last_ = self.scores[start], self.scores[end]
        if start == end:
            text = f" It was at or above the cut-off of {self.spec.cutoff} at that administration only"
        else:
            text = (
                f" It was at or above the cut-off of {self.spec.cutoff} from {first_.administered_on.isoformat()} to "
                f"{last_.administered_on.isoformat()} ({end - start + 1} administrations"
                f", {months(first_.administered_on, last_.administered_on)})"
            )
        if end == len(self.scores) - 1:
            return text + ", and still at the latest."
        back = self.scores[end + 1]
        text += f"; below it again at {back.total_score} on {back.administered_on.isoformat()}"
        if back is self.latest and self.above_until_latest():
            text += ", the latest score: not yet sustained"
        again = next((a for a in self.scores[end + 2 :] if a.total_score >= (self.spec.cutoff or 0)), None)
        if again:  # the run ended, but not for good
            text += f", and at or above it again at {again.total_score} on {again.administered_on.isoformat()}"
        return text + "."

    def above_until_latest(self) -> int:
        """The administrations at or above the cut-off right before a latest score below it (three or
        more, else 0): one score under the line after months above it is not yet a response."""
        cutoff = self.spec.cutoff
        if cutoff is None or self.latest.total_score >= cutoff:
            return 0
        above = 0
        for a in reversed(self.scores[:-1]):
            if a.total_score < cutoff:
                break
            above += 1
        return above if above >= 3 else 0

    def remarks(self, thresholds: bool = True) -> str:
        """What the course shows beyond its scores (for a draft that tabulates them): the change with
        its thresholds, relapse, the last three scores, the clinical range."""
        spec = self.spec
        a, b = self.first.severity, self.latest.severity
        x, y = self.first.total_score, self.latest.total_score  # the table has them; the bands are said here
        bands = f"{x} ({a}) to {y} ({b})" if len(self.scores) > 1 else f"{x} ({a}) at the one administration"
        text = (
            f"{bands}: {self.change_words(thresholds)}."
            if len(self.scores) > 1
            else f"{bands}; change is not assessable from one score."
        )
        run = self.relapse_run()
        if (above := self.above_until_latest()) and not (run and run[1] == len(self.scores) - 2):
            text += (
                f" Only the latest score is below the cut-off of {spec.cutoff}, after {above} administrations at or "
                "above it: not yet sustained."
            )
        relapse = self.relapse
        if relapse:
            lo, peak = relapse
            text += (
                f" Relapse: after improving to {lo.total_score} ({lo.administered_on.isoformat()}), the score "
                f"rose reliably to {peak.total_score} ({peak.administered_on.isoformat()})."
            )
            text += self.relapse_length()
        if len(self.scores) > 3:  # with three, the last three are the first to latest said above
            last3 = ", ".join(str(a.total_score) for a in self.scores[-3:])
            words = self.trend if self.trend != "stable" else "no reliable change"
            if spec.cutoff is not None and all(a.total_score < spec.cutoff for a in self.scores[-3:]):
                words += f", each below the cut-off of {spec.cutoff}"  # a steady remission, not a stall
            elif words == "no reliable change" and self.change.reliable is False and not relapse:
                words = ""  # "no reliable change" from first to latest, said above: the last three add nothing
            if words:
                text += f" Last three scores ({last3}): {words}."
        if self.in_clinical_range_throughout and len(self.scores) > 1:
            text += f" Every score in range was at or above the cut-off of {spec.cutoff}."
        elif spec.cutoff is not None and self.first.total_score < spec.cutoff <= self.latest.total_score:
            text += f" The score rose from below the cut-off of {spec.cutoff} to at or above it."
        return text


@dataclass(frozen=True)
class Episode:
    """One measure over the whole episode of care: the scores before the range and those in it. A
    range shorter than the treatment hides where the client started, a remission and relapse before
    it, and non-response over years; this says them."""

    instrument: str
    before: tuple[Assessment, ...]  # oldest first
    within: tuple[Assessment, ...]

    @property
    def whole(self) -> MeasureCourse:
        return MeasureCourse(self.instrument, self.before + self.within)

    def sentence(self, thresholds: bool = True) -> str | None:
        if not self.before or not self.within:
            return None
        whole, spec = self.whole, self.whole.spec
        a, b = whole.first, whole.latest
        bands = f"{a.severity} at both" if a.severity == b.severity else f"from {a.severity} to {b.severity}"
        text = (
            f"{self.instrument} over the whole episode, {a.total_score} ({a.administered_on.isoformat()}, the first "
            f"administration) to {b.total_score} ({b.administered_on.isoformat()}), {bands}: {whole.change_words(thresholds)}."
        )
        cutoff = spec.cutoff
        if cutoff is not None and whole.in_clinical_range_throughout:
            text += (
                f" All {len(whole.scores)} administrations, the first included, were at or above the cut-off of {cutoff}: "
                "the score has not fallen below it in this episode."
            )
        elif cutoff is not None and all(a.total_score >= cutoff for a in self.within):
            below = [a for a in self.before if a.total_score < cutoff]
            if below:
                last = below[-1]
                when = (
                    f"below the cut-off of {cutoff} only at the first administration ({last.total_score} on "
                    if below == [whole.first]
                    else f"last below the cut-off of {cutoff} at {last.total_score} (on "
                )
                text += (
                    f" It was {when}{last.administered_on.isoformat()}), and at or above it at every "
                    "administration since, this range included."
                )
        relapse = whole.relapse
        if relapse and relapse[0].administered_on < self.within[0].administered_on and not self.within_relapse:
            lo, peak = relapse
            when = (
                "before this range"
                if peak.administered_on < self.within[0].administered_on
                else "across the range start"
            )
            text += (
                f" Relapse {when}: after improving to {lo.total_score} "
                f"({lo.administered_on.isoformat()}), the score rose reliably to {peak.total_score} "
                f"({peak.administered_on.isoformat()})."
            )
        return text

    @property
    def cited(self) -> tuple[Assessment, ...]:
        """The scores before the range that the sentence names (the sources it rests on)."""
        if not self.sentence():
            return ()
        whole, cutoff = self.whole, self.whole.spec.cutoff
        named = [whole.first]
        if cutoff is not None and all(a.total_score >= cutoff for a in self.within):
            named += [a for a in self.before if a.total_score < cutoff][-1:]
        if (r := whole.relapse) and r[0].administered_on < self.within[0].administered_on and not self.within_relapse:
            named += list(r)
        return tuple(a for a in dict.fromkeys(named) if a in self.before)

    @property
    def within_relapse(self) -> bool:
        return MeasureCourse(self.instrument, self.within).relapse is not None

    @property
    def never_responded(self) -> bool:
        """At or above the cut-off at every administration of an episode of at least six months."""
        whole = self.whole
        return (
            bool(self.before)
            and whole.in_clinical_range_throughout
            and (whole.latest.administered_on - whole.first.administered_on).days >= 182
        )


def episodes(history, assessments, diagnoses=()) -> list[Episode]:
    """Per measure given in range (primary first), its course since the first administration."""
    return [
        Episode(
            m.instrument,
            tuple(a for a in sorted(history, key=lambda a: (a.administered_on, a.id)) if a.instrument == m.instrument),
            m.scores,
        )
        for m in measures(assessments, diagnoses)
    ]


# The diagnoses each measure tracks: a GAD-7 below its cut-off says nothing of an ADHD diagnosis.
MEASURES_OF = {
    "PHQ-9": ("F32", "F33", "F34"),
    "GAD-7": ("F41",),
    "PCL-5": ("F43.1",),
    "AUDIT": ("F10",),
}


def primary_diagnosis(diagnoses, end: date | None = None):
    """The first behavioral-health diagnosis (an F-code) still active at `end`, or None."""
    return next(
        (d for d in diagnoses if d.code.startswith("F") and not (d.resolved and (end is None or d.resolved <= end))),
        None,
    )


def _above(a: Assessment) -> bool:
    cutoff = INSTRUMENTS[a.instrument].cutoff if a.instrument in INSTRUMENTS else None
    return cutoff is not None and a.total_score >= cutoff


def measures(assessments: tuple[Assessment, ...] | list[Assessment], diagnoses=()) -> list[MeasureCourse]:
    """Per instrument in range, the primary measure first: the one that tracks the primary diagnosis (AUDIT for
    an alcohol use disorder, though PHQ-9 was given more often), else the most often given, and of those given
    as often, one whose latest score is at or above its cut-off (PHQ-9 13 before GAD-7 7 of the same day)."""
    by: dict[str, list[Assessment]] = {}
    for a in sorted(assessments, key=lambda a: (a.administered_on, a.id)):
        by.setdefault(a.instrument, []).append(a)
    d = primary_diagnosis(diagnoses)
    tracks = {i for i, codes in MEASURES_OF.items() if d is not None and d.code.startswith(codes)}
    return [
        MeasureCourse(i, tuple(s))
        for i, s in sorted(by.items(), key=lambda kv: (kv[0] not in tracks, -len(kv[1]), not _above(kv[1][-1]), kv[0]))
    ]


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


DEFINED_BAND = re.compile(
    rf"\b(?:in|to|within) the (?P<band>minimal|mild) range \((?P<inst>{INSTRUMENT_NAMES}) (?:below|under) (?P<n>\d+)\)",
    re.I,
)


def band_definitions(plans) -> dict[tuple[str, str], int]:
    """What the plans themselves call a band ("the mild range (GAD-7 below 8)"): a later goal to "maintain GAD-7
    in the mild range" means the same threshold, not the instrument's published band."""
    return {
        (m.group("inst").upper(), m.group("band").lower()): int(m.group("n"))
        for p in plans
        for g in p.goals
        for m in DEFINED_BAND.finditer(g)
    }


def criterion(goal: str, defined: dict[tuple[str, str], int] | None = None) -> tuple[str, int, int] | None:
    """(instrument, threshold, administrations in a row) of a goal whose criterion is a score:
    met when that many consecutive scores are below the threshold. A band the goal names without a number
    takes the plans' own definition of it (`defined`, from band_definitions) before the published one."""
    if m := CRITERION.search(goal):
        inst, threshold = m.group("inst").upper(), int(m.group("n")) + (m.group("op").lower() == "at or below")
    elif m := IN_BAND.search(goal):
        inst = m.group("inst").upper()
        top = (defined or {}).get((inst, m.group("band").lower())) or _band_top(inst, m.group("band").lower())
        if top is None:
            return None
        threshold = top
    else:
        return None
    c = CONSECUTIVE.search(goal)
    word = c.group(0).lower() if c else ""
    need = 1 if not c else 2 if word == "twice" else WORDS.get(c.group(1).lower()) or int(c.group(1))
    return inst, threshold, need


MAINTAIN = re.compile(r"\b(?:maintain|sustain|keep)\b", re.I)
NOT_ASSESSED = "not assessable yet"  # a score criterion, and no score since the goal was set
EVERY = "met at every administration"  # a goal to maintain a score, held throughout


@dataclass(frozen=True)
class GoalStatus:
    goal: str
    plan: Plan
    status: str  # "met ...", "met ..., not sustained", "not met", "not yet met (...)", NOT_ASSESSED, "not measurable"
    evidence: tuple[Assessment, ...]  # the scores the status rests on
    since: date | None = None  # when the plan versions that carry the goal began
    until: date | None = None  # when they ended, for a goal the current plan no longer has
    earlier: str = ""  # the goal met under earlier plan versions, before it was set again
    earlier_evidence: tuple[Assessment, ...] = ()

    def sentence(self) -> str:
        if self.status == "not measurable":
            return f"{self.goal}: no score measures it, and no note in this range reports on it."
        if self.status == NOT_ASSESSED:
            scores = ", ".join(f"{a.instrument} {a.total_score}" for a in self.evidence)
            return (
                f"{self.goal}: not assessable yet: no score since the goal was set on "
                f"{self.since.isoformat() if self.since else self.evidence[-1].administered_on.isoformat()} "
                f"(the scores it was set against: {scores} on {self.evidence[-1].administered_on.isoformat()})."
            )
        scores = ", ".join(f"{a.instrument} {a.total_score} on {a.administered_on.isoformat()}" for a in self.evidence)
        if self.status.startswith("not yet met"):
            # a goal the plan dropped is not "yet" to be met: it was not met while the plan had it
            head = "not met while it was in the plan" if self.until else "not yet met"
            text = f"{self.goal}: {head} ({scores}; {self.status.removeprefix('not yet met ').strip('()')})."
        elif (
            self.status.startswith(EVERY) and len(self.evidence) > 3 and len({a.instrument for a in self.evidence}) == 1
        ):
            # a maintenance goal held at many administrations: their span, the highest and the latest, not each one
            hi, last = max(self.evidence, key=lambda a: a.total_score), self.evidence[-1]
            below = self.status.rsplit("(", 1)[-1].rstrip(")")
            text = (
                f"{self.goal}: met, {below} at all {len(self.evidence)} administrations "
                + (
                    f"after the plan set it on {self.since.isoformat()}"
                    if self.since
                    else "while the goal was in the plan"
                )
                + f", from {self.evidence[0].administered_on.isoformat()} to {last.administered_on.isoformat()} "
                f"(highest {hi.instrument} {hi.total_score} on {hi.administered_on.isoformat()}; latest "
                f"{last.total_score} on {last.administered_on.isoformat()})."
            )
        else:
            text = f"{self.goal}: {self.status} ({scores})."
        return text + (f" {self.earlier}" if self.earlier else "")


def goal_status(
    goal: str,
    plan: Plan,
    scores: list[Assessment],
    since: date | None = None,
    range_start: date | None = None,
    until: date | None = None,
    defined: dict[tuple[str, str], int] | None = None,
) -> GoalStatus:
    """The goal's status from the scores while it was in the plan (after `since`, when the plan
    versions that carry it began: a score on that day is the baseline it was set against, not
    progress; up to `until`, when the plan dropped it). A goal to maintain a score must hold at
    every administration of that time, not at one."""
    found = criterion(goal, defined)
    after = [
        a
        for a in scores
        if (since is None or a.administered_on > since) and (until is None or a.administered_on <= until)
    ]
    set_against = [a for a in scores if since is not None and a.administered_on <= since]
    band = re.search(r"\bin the (minimal|mild) range\b", goal, re.I)
    if not found and band:  # "mood and worry in the mild range": every measure's latest score
        last_of = {a.instrument: a for a in after or set_against}
        tops = {i: _band_top(i, band.group(1).lower()) for i in last_of}
        if last_of and all(t is not None for t in tops.values()):
            if not after:
                return GoalStatus(goal, plan, NOT_ASSESSED, tuple(last_of.values()))
            below = all(a.total_score < (tops[i] or 0) for i, a in last_of.items())
            status = "met at the latest scores" if below else "not met at the latest scores"
            return GoalStatus(goal, plan, status, tuple(last_of.values()))
    series = [a for a in after if found and a.instrument == found[0]]
    if found and not series:
        baseline = [a for a in set_against if a.instrument == found[0]][-1:]
        return GoalStatus(goal, plan, NOT_ASSESSED if baseline else "not measurable", tuple(baseline))
    if not found or not series:
        return GoalStatus(goal, plan, "not measurable", ())
    _, threshold, need = found
    if MAINTAIN.search(goal):
        above = [a for a in series if a.total_score >= threshold]
        if above:
            return GoalStatus(
                goal, plan, f"not met: at or above {threshold} while the goal was in the plan", tuple(above)
            )
        return GoalStatus(goal, plan, f"{EVERY} while the goal was in the plan (below {threshold})", tuple(series))
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


def goals(
    plans: tuple[Plan, ...], scores: list[Assessment], before: tuple[Plan, ...] = ()
) -> tuple[list[GoalStatus], list[GoalStatus]]:
    """(the current plan's goals, goals of earlier plan versions that the current plan no longer has).
    Each is judged over the unbroken run of plan versions that carries it, counting the versions
    `before` the range (a goal set before it was set then); a goal set again after a gap also says
    whether it was met in its earlier run."""
    if not plans:
        return [], []
    versions = (*before, *plans)
    current = versions[-1]
    defined = band_definitions(versions)
    first_day = min(p.effective_from for p in plans)

    def runs(goal: str) -> list[tuple[int, int]]:
        """(first, last) plan indexes of each unbroken run of versions carrying the goal."""
        out: list[tuple[int, int]] = []
        for i, p in enumerate(versions):
            if goal in p.goals:
                if out and out[-1][1] == i - 1:
                    out[-1] = (out[-1][0], i)
                else:
                    out.append((i, i))
        return out

    def judged(goal: str, start: int, end: int) -> GoalStatus:
        since = versions[start].effective_from
        # a goal the next version dropped is judged up to that version's first day: a score at that review
        # was given under the plan that carried the goal (the next version is set against it)
        until = versions[end + 1].effective_from if end < len(versions) - 1 else None
        status = goal_status(goal, versions[end], scores, since, first_day, until, defined)
        status = replace(status, since=since, until=until)
        earlier_runs = runs(goal)[:-1] if runs(goal)[-1] == (start, end) else []
        for s, e in reversed(earlier_runs):
            prior = goal_status(
                goal,
                versions[e],
                scores,
                versions[s].effective_from,
                first_day,
                versions[e + 1].effective_from,
                defined,
            )
            if prior.status.startswith("met") and prior.evidence:
                status = replace(
                    status,
                    earlier=(
                        f"It had been met earlier, by {prior.evidence[-1].administered_on.isoformat()} "
                        f"({prior.evidence[-1].instrument} {prior.evidence[-1].total_score}), under the plan versions "
                        f"from {versions[s].effective_from.isoformat()}; the plan of {since.isoformat()} set it again."
                    ),
                    earlier_evidence=prior.evidence[-1:],
                )
                break
        return status

    now = [judged(g, *runs(g)[-1]) for g in current.goals]
    earlier: dict[str, tuple[int, int]] = {}
    for p in plans[:-1]:  # only the versions in effect during the range list goals of the range
        for g in p.goals:
            if g not in current.goals:
                earlier[g] = runs(g)[-1]
    return now, [judged(g, s, e) for g, (s, e) in earlier.items()]


def context_plans(sel) -> list[Plan]:
    """The plan versions before the range that carried a goal of the range: where it was set, a
    source of the draft like the scores before the range."""
    now, earlier = goals_of(sel)
    judged = {g.goal for g in (*now, *earlier)}
    return [p for p in sel.plan_history if judged & set(p.goals)]


def context_scores(sel) -> list[Assessment]:
    """The scores before the range that a draft names: the whole episode's course and the goals
    judged from when they were set. They are sources of the draft like the items in range."""
    before = {a.id for a in sel.history}
    named = [a for e in episodes(sel.history, sel.assessments, sel.diagnoses) for a in e.cited]
    now, earlier = goals_of(sel)
    named += [a for g in (*now, *earlier) for a in (*g.evidence, *g.earlier_evidence)]
    # an item answer that points to risk, given in range, is said with its first such answer before the range
    named += [h[0] for sig in ITEM_SIGNALS if sig.hits(sel.assessments) and (h := sig.hits(sel.history))]
    # a change of session frequency before the range is said with the primary measure's score at the time
    paced: tuple[Note, ...] = getattr(sel, "paced", ())
    primary = measures(sel.assessments, sel.diagnoses)[:1]
    if primary and paced:
        scores = [a for a in sel.history if a.instrument == primary[0].instrument]
        named += [x for n in paced if (x := score_on(scores, n.note_date))]
    return sorted({a.id: a for a in named if a.id in before}.values(), key=lambda a: (a.administered_on, a.id))


@lru_cache(maxsize=64)
def goals_of(sel) -> tuple[tuple[GoalStatus, ...], tuple[GoalStatus, ...]]:
    """The goals of a selection's plans, judged on every score of the episode (a goal set before the
    range is judged from when it was set). Worked out once per selection: both engines, the source
    list and several checks ask, and a long treatment has hundreds of scores and plan versions."""
    scores = {a.id: a for a in (*sel.history, *sel.baseline, *sel.assessments)}
    now, earlier = goals(sel.plans, sorted(scores.values(), key=lambda a: (a.administered_on, a.id)), sel.plan_history)
    return tuple(now), tuple(earlier)


# -- contact -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    last: Note | None  # the most recent signed session in range
    planned_days: int | None  # the interval the last note planned ("next session in four weeks")
    as_of: date  # the end of the range
    unsigned: tuple[date, ...] = ()  # sessions after it whose progress notes are unsigned

    @property
    def seen(self) -> date | None:
        """The last day the client was seen: the last signed session, or a later unsigned one."""
        days = [*([self.last.note_date] if self.last else []), *self.unsigned]
        return max(days) if days else None

    @property
    def due(self) -> date | None:
        if self.unsigned:  # the next session an unsigned note planned is not read
            return None
        return self.last.note_date + timedelta(days=self.planned_days) if self.last and self.planned_days else None

    @property
    def overdue(self) -> bool:
        """The planned next session is past due (with grace) and not documented."""
        if self.last is None or self.seen is None:
            return False
        if self.unsigned:  # the interval an unsigned note planned is unknown: a month's
            return (self.as_of - self.seen).days > 30 + GRACE_DAYS
        return (self.as_of - self.seen).days > (self.planned_days or 30) + GRACE_DAYS

    @property
    def missed(self) -> tuple[date, ...]:
        """The days the planned sessions after the last one came due, through the end of the range, while
        none is documented (weekly sessions: each week's), once the first is overdue."""
        if not self.overdue or self.unsigned or not self.due or not self.planned_days:
            return ()
        k = (self.as_of - self.due).days // self.planned_days
        return tuple(self.due + timedelta(days=self.planned_days * i) for i in range(k + 1))

    @property
    def lapsed(self) -> bool:
        """Overdue, and for longer than six weeks: care has lapsed rather than a session slipped."""
        return self.overdue and self.seen is not None and (self.as_of - self.seen).days > LAPSE_DAYS

    def sentence(self, dated: bool = True) -> str:
        """The last contact and what followed it; `dated=False` leaves out the last session's date when the
        text beside it has just given it (the rest, possibly empty)."""
        if self.last is None:
            return "No signed session is documented in this range."
        text = f"Last documented session: {self.last.note_date.isoformat()}." if dated or self.unsigned else ""
        if self.unsigned:
            days = ", ".join(d.isoformat() for d in self.unsigned)
            text = (
                f"Last session with a signed note: {self.last.note_date.isoformat()}. Later sessions have unsigned "
                f"progress notes, not used in this summary ({days}): sign them so the summary can include them."
            )
        elif self.due:
            text += f" The next session was planned for about {self.due.isoformat()}."
        text = text.strip()
        seen = self.seen or self.last.note_date
        weeks = (self.as_of - seen).days // 7
        if self.lapsed:
            text += (
                f" No session is documented after {seen.isoformat() if self.unsigned else 'that'} through "
                f"{self.as_of.isoformat()} ({weeks} weeks): care appears to have lapsed."
            )
        elif self.overdue and self.unsigned:
            text += f" No session is documented after {seen.isoformat()} through {self.as_of.isoformat()}."
        elif len(self.missed) >= 3:  # three sessions came due: more than one that slipped
            days = ", ".join(d.isoformat() for d in self.missed[:-1]) + f" and {self.missed[-1].isoformat()}"
            text += (
                f" The sessions due about {days} are not documented: a possible dropout; outreach and a risk check "
                "are due before any closure."
            )
        elif self.overdue:
            text += f" That session is not documented through {self.as_of.isoformat()}."
        return text.strip()


def last_contact(sel) -> Contact:
    """The selection's last contact: its last signed session, and the unsigned sessions after it."""
    progress = sel.progress_notes
    later = progress[-1].note_date if progress else None
    unsigned = tuple(sorted(d for d in getattr(sel, "unsigned_on", ()) if later is None or d > later))
    return replace(contact(progress, sel.range.end), unsigned=unsigned)


def contact(progress: tuple[Note, ...], as_of: date) -> Contact:
    last = progress[-1] if progress else None
    return Contact(last, planned_interval(last) if last else None, as_of)


def planned_interval(note: Note) -> int | None:
    """The days to the next session a note plans ("Next session in four weeks": 28)."""
    m = NEXT_SESSION.search(note.text)
    n = m and (WORDS.get(m.group(1).lower()) or (int(m.group(1)) if m.group(1).isdigit() else None))
    return n * {"day": 1, "week": 7, "month": 30}[m.group(2).lower()] if m and n else None


def pacing(progress: Iterable[Note]) -> list[tuple[Note, int]]:
    """The note that opened each run of sessions planned at one interval, with the interval in days:
    how care was paced (weekly, then every two weeks, then every four)."""
    runs: list[tuple[Note, int]] = []
    for n in progress:
        days = planned_interval(n)
        if days and (not runs or runs[-1][1] != days):
            runs.append((n, days))
    return runs


def score_on(scores: Iterable[Assessment], day: date) -> Assessment | None:
    """The latest of the scores given on or before a day (oldest first)."""
    return next((a for a in reversed(list(scores)) if a.administered_on <= day), None)


def cutoff_run(scores: tuple[Assessment, ...], cutoff: int) -> tuple[tuple[Assessment, ...], tuple[Assessment, ...]]:
    """(the latest unbroken run of scores at or above the cut-off that ends at the latest score or the one before
    it, the scores below the cut-off after the last one at or above it): what a formulation says of response."""
    above = [a.total_score >= cutoff for a in scores]
    end = len(scores) - (0 if above[-1:] == [True] else 1)
    start = end
    while start > 0 and above[start - 1]:
        start -= 1
    tail_from = max((i + 1 for i, up in enumerate(above) if up), default=0)
    return tuple(scores[start:end]) if end > 0 else (), tuple(scores[tail_from:])


def derived_numbers(sel) -> tuple[set[str], set[str]]:
    """(numbers, ISO dates) a draft may state that the course of care derives from the chart rather
    than copies from one item: thresholds, point changes, counts, planned and elapsed intervals."""
    numbers: set[str] = set()
    dates: set[str] = set()
    for m in measures(sel.assessments):
        spec = m.spec
        numbers |= {str(x) for x in (spec.cutoff, spec.reliable_change) if x is not None}
        numbers.add(str(abs(m.latest.total_score - m.first.total_score)))
        numbers.add(str(m.above_until_latest()))
        if run := m.relapse_run():  # its length: administrations, and weeks or months
            numbers |= {
                str(run[1] - run[0] + 1),
                *re.findall(r"\d+", months(m.scores[run[0]].administered_on, m.scores[run[1]].administered_on)),
            }
    for e in episodes(getattr(sel, "history", ()), sel.assessments, sel.diagnoses):
        whole = e.whole
        numbers |= {str(abs(whole.latest.total_score - whole.first.total_score)), str(len(whole.scores))}
        numbers.add(str(len(dependence_answers(whole.scores))))  # AUDIT's dependence answers, counted
        if whole.spec.cutoff is not None and whole.scores:  # a formulation's run at or above the cut-off
            above, below = cutoff_run(whole.scores, whole.spec.cutoff)
            numbers |= {str(len(above)), str(len(below))}
            i = whole.scores.index(above[0]) if above else 0
            ends = (*above[:1], *above[-1:], *whole.scores[i - 1 : i], *below[:1])
            dates |= {a.administered_on.isoformat() for a in ends}
    defined = band_definitions((*sel.plan_history, *sel.plans))
    for plan in sel.plans:
        for g in plan.goals:
            if found := criterion(g, defined):
                numbers |= {str(found[1]), str(found[2])}
    now, earlier = goals_of(sel)  # a goal held at every administration is told by their count
    numbers |= {str(len(g.evidence)) for g in (*now, *earlier) if g.status.startswith(EVERY)}
    numbers.add(str(max(len(sel.plans) - 1, 0)))
    numbers |= {str(e.count) for e in sel.excluded}
    seen: dict[str, int] = {}  # a sentence carried from note to note is said with the count of its notes
    for n in sel.progress_notes:
        for key in {re.sub(r"\W+", " ", re.sub(r"^[\w ]{1,12}: ", "", x).lower()).strip() for x in sentences(n.text)}:
            seen[key] = seen.get(key, 0) + 1
    numbers |= {str(k) for k in range(CARRIED_NOTES, max(seen.values(), default=0) + 1)}
    c = last_contact(sel)
    if c.due:
        dates.add(c.due.isoformat())
    dates |= {d.isoformat() for d in c.missed}
    if c.last:
        numbers.add(str((c.as_of - c.last.note_date).days // 7))
    return numbers, dates


STOP = frozenset(
    "about after again also and any are at be been before being both but by can client each for "
    "from has have her his into its least more most not of on once one only or other over per such "
    "than that the their them then there these they this those three through times to two under "
    "until use using very was were when which while who will with within without".split()
)

# What a goal without a score criterion is about, and the words a note uses when it speaks of that:
# "Resume driving on routes avoided since the event" is answered by "avoiding the route where the
# collision happened" and by "driving short distances with distress", which share few of its words.
WORK = re.compile(
    r"\bwork\b|\bjobs?\b|\bshifts?\b|\bdeadlines?\b|\bmeetings?\b|\bworkdays?\b|\bon time\b|\bassignments?\b", re.I
)
# Attendance at work or school: what a note says of days attended or missed, not of work in general.
ATTENDANCE = re.compile(
    r"\battend\w*|\bmiss(?:ed|es|ing)? (?:\w+ ){0,2}(?:work|days?|shifts?|school|classes)\b|\bsick days?\b|"
    r"\babsen\w*|\bcall(?:ed|s|ing)? in sick\b|\b(?:back|returned) (?:at|to) work\b|\bfull (?:work ?)?(?:days?|weeks?)\b",
    re.I,
)
# Coping strategies (for cravings, for panic): what a note says of a strategy used, not of the craving itself.
COPING = re.compile(
    r"\bcoping\b|\bstrateg\w*|\burge[- ]surf\w*|\bwalk\w*|\bcall list\b|\bdistract\w*|\bdrink[- ]refusal\b|"
    r"\bgrounding\b|\bbreathing\b",
    re.I,
)
CRAVINGS = re.compile(r"\bcravings?\b", re.I)
TOPICS = (
    re.compile(r"\bsleep|\basleep|nightmares?|insomnia|\bnights?\b|\bwak(?:e|ing)\b", re.I),
    re.compile(r"\bdriv\w*|\broutes?\b|\bhighway\b", re.I),
    ATTENDANCE,
    WORK,
    re.compile(r"\bactivit\w*|\bwalk\w*|\bfriends?\b|\bsocial\b|\benjoy\w*|\bhobb\w*", re.I),
    re.compile(r"\bdrink\w*|\balcohol\w*|\bbeers?\b|\bwine\b|\bagreed limit\b|\bsober\w*", re.I),
    CRAVINGS,
    re.compile(r"\bplanner\b|\bplanning routine\b|\borgani[sz]ational\b|\breminders?\b", re.I),
    re.compile(r"\broutine\b|\bmeals?\b", re.I),
    re.compile(r"\brelapse[- ]prevention\b|\bwarning signs\b|\bmaintaining gains\b", re.I),
    re.compile(r"\banniversar\w*", re.I),
    re.compile(r"\bsafety plan\b|\bwarning signs\b", re.I),
)
SAFETY_PLAN_WORDS = re.compile(r"\bsafety plan\b|C-SSRS|\bsuicid", re.I)
AVOIDANCE = re.compile(r"\bavoid\w*|\bescape\b|\bexposure\b", re.I)  # a topic only of goals naming no other
NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|ten|twelve)"
AT_LEAST = re.compile(rf"\bat least {NUMBER} ((?:[\w-]+ ){{0,1}}[\w-]+?)s?\b(?: per| a| each| on)", re.I)
NO_MORE = re.compile(rf"\bno more than {NUMBER} (?:[\w-]+ )?([\w-]+?)s?\b", re.I)
NUMBER_WORDS = {**WORDS, "seven": 7, "ten": 10}


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in STOP}


@dataclass(frozen=True)
class GoalEvidence:
    """What the latest note about a goal without a score criterion says, and, where the goal counts
    something ("at least four alcohol-free days per week"), the latest count the notes give and
    whether it falls short."""

    note: Note
    sentence: str
    shortfall: str = ""  # "three alcohol-free days, where the goal asks for at least four"
    counted: Note | None = None  # the note of that count
    count_given: bool = False  # a note from the quoted one on gives the count the goal asks for


def counted_noun(goal: str) -> str | None:
    """What a goal counts ('hours' of 'sleep at least six hours on most nights'), or None."""
    m = AT_LEAST.search(goal) or NO_MORE.search(goal)
    return f"{m[2]}s" if m else None


def _counts(goal: str, sentence: str) -> tuple[bool, str]:
    """(whether the sentence counts what the goal counts, the shortfall if its count is below the
    goal's "at least N X" or above its "no more than N X")."""
    found = False
    for m in AT_LEAST.finditer(goal):
        want, noun = _number(m[1]), m[2].lower()
        for n in re.finditer(rf"\b{NUMBER} {re.escape(noun)}s?\b", sentence, re.I):
            found = True
            if _number(n[1]) < want:
                return True, f"{n[0]}, where the goal asks for at least {m[1]}"
    for m in NO_MORE.finditer(goal):
        limit, noun = _number(m[1]), m[2].lower()
        for n in re.finditer(rf"\b{NUMBER}(?: or more)? (?:[\w-]+ )?{re.escape(noun)}s?\b", sentence, re.I):
            found = True
            if _number(n[1]) > limit:
                return True, f"{n[0]}, where the goal allows no more than {m[1]}"
    return found, ""


def goal_topics(goal: str) -> list[re.Pattern]:
    """The goal's topics; avoidance is one only when the goal leads with it ("Re-engage in avoided
    situations (driving, meetings)"), not when it qualifies another ("Resume driving on routes avoided")."""
    found = [(m.start(), t) for t in TOPICS if (m := t.search(goal))]
    if any(t is ATTENDANCE for _, t in found):  # "attendance at work" is answered by days attended or missed
        found = [(at, t) for at, t in found if t is not WORK]
    m = re.search(r"\bcoping\b|\bstrateg", goal, re.I)
    if m and not re.search(r"relapse[- ]prevention|safety plan", goal, re.I):  # told by the strategies used
        found = [(at, t) for at, t in found if t is not CRAVINGS] + [(m.start(), COPING)]
    if (m := AVOIDANCE.search(goal)) and all(m.start() < at for at, _ in found):
        found.append((m.start(), AVOIDANCE))
    return [t for _, t in sorted(found, key=lambda x: x[0])]


def goal_evidence(goal: str, notes: tuple[Note, ...], sentences_of) -> GoalEvidence | None:
    """The most recent note sentence about a goal that has no score criterion, so the draft can quote
    what the chart says now (a setback as much as a success): a sentence on the goal's topic (TOPICS),
    the one naming most of the goal's topics in the latest note that has one; for a goal of no listed
    topic, one sharing at least two word stems and two fifths of the goal's. With it, the latest count
    of what the goal counts, when that count falls short."""
    topics = goal_topics(goal)
    wanted = _stems(goal)
    quoted: tuple[Note, str] | None = None
    crisis = not SAFETY_PLAN_WORDS.search(goal)  # a crisis safety plan is no evidence for another goal
    for note in reversed(notes):
        found = [x for x in sentences_of(note) if not (crisis and SAFETY_PLAN_WORDS.search(x))]
        if topics:
            # most topics named; then a sentence giving the count the goal asks for; then the later one
            best = max(
                ((sum(bool(t.search(x)) for t in topics), _counts(goal, x)[0], i, x) for i, x in enumerate(found)),
                default=None,
            )
            if best and best[0]:
                said = best[3]
                # a goal of two topics ("maintain reduced drinking and strengthen the relapse-prevention
                # plan") is answered by a sentence on each, when the note has one on the other
                missing = [t for t in topics if not t.search(said)]
                other = next((x for x in found if x != said and any(t.search(x) for t in missing)), None)
                if other:
                    said = " ".join(x for x in found if x in (said, other))  # in the note's order
                quoted = note, said
                break
            continue
        hit = next((x for x in reversed(found) if _shares(wanted, x)), None)
        if hit:
            quoted = note, hit
            break
    if quoted is None:
        return None
    for note in reversed(notes):  # the latest count of what the goal counts
        if note.note_date < quoted[0].note_date:
            break  # a count older than the latest note on the topic is not the goal's state now
        for x in sentences_of(note):
            counts, short = _counts(goal, x)
            if counts:
                return GoalEvidence(*quoted, short, note if short else None, True)
    return GoalEvidence(*quoted)


def _shares(wanted: set[str], sentence: str) -> bool:
    shared = wanted & _stems(sentence)
    return len(wanted) >= 2 and len(shared) >= 2 and len(shared) >= 0.4 * len(wanted)
