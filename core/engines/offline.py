"""The offline engine: a deterministic, rule-based draft built from structured chart data and
sentences taken verbatim from signed notes. Nothing leaves the machine."""

from __future__ import annotations

import itertools
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import cached_property

from .. import course, keep, prose, risk
from ..errors import RefineNotSupported
from ..models import Assessment, Draft, Generation, Note
from ..privacy import mask
from ..safety import neutralize_markdown
from ..sources import Selection, plural
from ..text import MEDICATION, RISK, addresses_a_model, attribute, joined_lines, paragraphs, sentences
from .base import SECTIONS, TextSink, purpose_kind

PROMPT_VERSION = "offline-2"
LABEL = "Rule-based draft (offline engine, no AI model)"
PROGRESS = re.compile(r"progress toward goals|Goals largely met|Symptoms have increased|Treatment goals reviewed")
FOCUS = re.compile(r"^(?:Session focus|Interventions|Procedures):\s*", re.IGNORECASE)
LABELS = {
    "S": "subjective",
    "D": "subjective",
    "B": "subjective",
    "O": "objective",
    "A": "assessment",
    "I": "intervention",
    "R": "response",
    "P": "plan",
}

REFINE_HELP = (
    "The rule-based engine understands: 'shorter', 'more detail', 'bullet points', 'paragraphs', "
    "and 'focus on <section>' (for example 'focus on risk'). For other instructions, edit the text "
    "directly or use the AI engine."
)


# The part of a SOAP / DAP / BIRP note each section of a prose note reads as (first match wins:
# an "Assessment and Plan" is an assessment; the plan a draft recommends reads it too).
PART_OF = (
    ("assessment", "assessment"),
    ("plan", "plan"),
    ("diagnoses", "assessment"),
    ("status", "assessment"),
    ("intervention", "intervention"),
    ("response", "response"),
    ("objective", "objective"),
    ("mental_status", "objective"),
    ("identifying", "subjective"),
    ("complaint", "subjective"),
    ("history", "subjective"),
)


def note_sections(note: Note) -> dict[str, list[str]]:
    """Sentences of a note by SOAP / DAP / BIRP part. A note in headed sections (an H&P, a consult,
    an imported note with Markdown headings) gives each section to the part its header names, and
    'other' for history, medications and the like; headers are never sentences, list items are."""
    r = prose.reading(note.text)
    if r is not None:
        parts: dict[str, list[str]] = defaultdict(list)
        for sec in r.sections:
            part = first((p for kind, p in PART_OF if kind in sec.kinds), "other" if sec.header else "subjective")
            parts[part] += sec.joined
        return parts
    return _labelled_parts(note.text)


def _labelled_parts(text: str) -> dict[str, list[str]]:
    parts: dict[str, list[str]] = defaultdict(list)
    listing = None  # the part whose last sentence introduces a list ("The following were done:")
    for line in joined_lines(text):
        m = re.match(r"^([SOAPDBIR]):\s*(.*)$", line.strip())
        label, body = (LABELS[m.group(1)], m.group(2)) if m else ("subjective", line)
        item = re.match(r"^\s*[-*]\s+(.*?)[.;]?\s*$", body)
        if item and listing:  # the list and its introduction read as one sentence
            head = parts[listing][-1].rstrip(".")
            parts[listing][-1] = f"{head}{' ' if head.endswith(':') else '; '}{item.group(1)}."
            continue
        if item:  # a list item on its own reads as a sentence
            body = item.group(1) + ("" if item.group(1).endswith(("!", "?", ":")) else ".")
        found = sentences(body)
        parts[label] += found
        listing = label if found and found[-1].endswith(":") else None
    return parts


def note_sentences(note: Note) -> list[str]:
    """All sentences of a note in order, without their SOAP / DAP / BIRP labels."""
    return [s for part in note_sections(note).values() for s in part]


def spacing(days: int) -> str:
    """A session interval in words (a number no chart item states would read as an unsupported fact)."""
    weeks = round(days / 7)
    names = {
        2: "every two weeks",
        3: "every three weeks",
        4: "every four weeks",
        6: "every six weeks",
        8: "every eight weeks",
    }
    return "weekly" if weeks <= 1 else names.get(weeks, "every few weeks")


GOALS_MET = re.compile(r"\bgoals?\b[^.;]{0,60}\b(?:met|achieved|attained)\b", re.I)
GOALS_NOT_MET = re.compile(r"\b(?:not|partially|partly)\s+(?:yet\s+)?(?:been\s+)?(?:met|achieved|attained)\b", re.I)
# Words of a diagnosis's description that name no problem of their own.
GENERIC_WORDS = {"problems", "problem", "related", "other", "specified", "unspecified", "circumstances", "relationship"}
EVENT_KINDS = (  # what a documented risk event was, most serious first, in the words a brief names it by
    (re.compile(r"\battempt(?:ed)? suicide|\bsuicide attempt", re.I), "a suicide attempt"),
    (re.compile(r"overdos", re.I), "an overdose"),
    (re.compile(r"involuntar|72-hour hold", re.I), "an involuntary hold"),
    (re.compile(r"\bself-harm|\bcut (?:her|him|them)self", re.I), "self-harm"),
    (re.compile(r"passive (?:suicidal )?ideation", re.I), "passive suicidal ideation"),
    (re.compile(r"suicid", re.I), "suicidal ideation"),
    (re.compile(r"homicid", re.I), "homicidal ideation"),
    (re.compile(r"partner|domestic|\b(?:hit|pushed|choked|threatened) by", re.I), "intimate-partner violence"),
)


def event_kinds(events) -> str:
    """'passive suicidal ideation and an overdose': the kinds of the documented risk events, named."""
    named = [words for pattern, words in EVENT_KINDS if any(pattern.search(f.sentence) for f in events)]
    if "passive suicidal ideation" in named and "suicidal ideation" in named:
        named.remove("suicidal ideation")
    if not named:
        return "a risk event"
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def met_for_good(g: course.GoalStatus) -> bool:
    """A goal met by its score criterion and not lost again."""
    return g.status.startswith("met") and "not sustained" not in g.status


def usable(sentence: str) -> bool:
    return not addresses_a_model(sentence) and len(sentence.split()) >= 4


RENEWED = re.compile(
    r" After [\d-]+, the plan was renewed \(([^)]+)\) without a change to its goals or interventions\."
)


def said_once(questions: list[str]) -> list[str]:
    """The same unchanged renewals told beside two questions (AUDIT's rise and PHQ-9's): in full at the first,
    by reference at the next."""
    seen: set[str] = set()
    out = []
    for q in questions:
        m = RENEWED.search(q)
        if m and m[1] in seen:
            q = q.replace(m[0], " The same renewals left the plan unchanged.")
        elif m:
            seen.add(m[1])
        out.append(q)
    return out


def lowered(name: str) -> str:
    """An intervention's name inside a sentence: "Cognitive processing therapy (CPT)" -> "cognitive processing
    therapy (CPT)"; an acronym first ("CBT for insomnia") stays as written."""
    head = name.split(" ", 1)[0]
    return name if head.isupper() and len(head) > 1 else name[:1].lower() + name[1:]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def by_note(stated: list[tuple[Note, str]], named) -> str:
    """Statements grouped under the note that makes them, as list lines."""
    groups: dict[str, list[str]] = {}
    for n, x in stated:
        groups.setdefault(named(n), []).append(f"- {x}")
    return "\n".join(f"In {name}:\n" + "\n".join(lines) for name, lines in groups.items())


def planned_as(documented: str, planned: str) -> bool:
    """Whether a session's focus names a plan's intervention ('Cognitive behavioral therapy' for 'Cognitive behavioral
    therapy (cognitive restructuring)')."""
    a, b = documented.lower(), planned.split(" (")[0].lower()
    return a.startswith(b) or b.startswith(a)


def first(seq, default=None):
    return next(iter(seq), default)


# What a session note says when it speaks of what an item answer points to (risk.ITEM_SIGNALS, by name).
ITEM_WORDS = {
    "blackouts": r"black ?outs?|unable to remember|memory loss",
    "an alcohol-related injury": r"injur|\bhurt\b|accident",
    "risk-taking": r"reckless|risk-taking|\brisky\b|speeding|self-destructive|impulsiv",
}
# The rank of a consultation question: risk first, then the primary measure's course, then the rest.
RISK_FIRST, PRIMARY, SECONDARY, OTHER, LAST = range(5)
SLOW_RESPONSE_DAYS = 84
PRESSING = 3  # the questions a consultation leads with; the others follow as a list to check


class OfflineEngine:
    name = "offline"
    model = "rules-v1"
    label = LABEL
    prompt_version = PROMPT_VERSION

    def generate(self, selection: Selection, on_text: TextSink | None = None) -> Draft:
        started = time.perf_counter()
        text = Writer(selection).write()
        return self._draft(selection, text, started, on_text)

    def refine(
        self, selection: Selection, current_text: str, instruction: str, on_text: TextSink | None = None
    ) -> Draft:
        started = time.perf_counter()
        text = refine_text(selection, current_text, instruction)
        return self._draft(selection, text, started, on_text)

    def _draft(self, selection: Selection, text: str, started: float, on_text: TextSink | None) -> Draft:
        # Chart text and the clinician's edits pass through verbatim; neither may render remote content.
        text = neutralize_markdown(text)
        if on_text:
            for block in paragraphs(text):
                on_text(block + "\n\n")
        return Draft(
            text,
            attribute(text, selection.items),
            Generation(
                engine=self.name,
                model=self.model,
                prompt_version=PROMPT_VERSION,
                generated_at=datetime.now(UTC).replace(tzinfo=None),
                duration_ms=round((time.perf_counter() - started) * 1000),
                label=self.label,
            ),
        )


MSE = re.compile(
    r"\b(?:affect|mood (?:appeared|was observed)|oriented|speech (?:was|is)|thought process|appeared|euthymic|"
    r"eye contact|psychomotor|grooming|insight|judg(?:e)?ment|well[- ]groomed|cooperative)\b",
    re.I,
)
THEMES = re.compile(
    r"\b(?:alcohol|drink(?:s|ing)?|beers?|wine|cannabis|marijuana|opioids?|pills|anniversary|invite the partner|"
    r"partner to (?:part of|join)|family session|couples? session|eviction|custody|pregnan\w*|court date|"
    r"return(?:ing)? to work)\b",
    re.I,
)
CLINICIAN_DID = re.compile(
    r"(?:Discussed|Reviewed|Practiced|Scheduled|Introduced|Explored|Assigned|Taught|Provided|Conducted|Worked)\b"
)
# Goals met by a plan the clinician and client build: the clinician's review and hand-over of it is the evidence.
PLAN_GOAL = re.compile(r"\bsafety plan\b|\brelapse[- ]prevention\b", re.I)
SAFETY_GOAL = re.compile(
    r"\b(?:maintain|stay|remain|keep)\w* safe(?:ty)?\b|\breport(?:s|ing)? (?:suicidal )?ideation\b", re.I
)
IMPROVING_CLAIM = re.compile(r"\b(?:decreas|improv|reduc|lower)\w*", re.I)
MAX_THEMES = 6
# A strategy used to a good effect, as a session note records it (what_worked)
WORKED = re.compile(
    r"\bmore quickly\b|\bwhen (?:the |a )?[\w' -]+ (?:is|was|are) used\b|\bto get past\b|\bable to postpone\b"
    r"|\b(?:using|used) (?:it|(?:a|the) [\w-]+(?: [\w-]+)?) (?:to|during)\b|\buntil distress reduced\b|\bdistress that settles\b",
    re.I,
)
GENERIC_SKILL = re.compile(r"\bthe skills?\b|\b(?:using|use of) (?:coping )?skills\b", re.I)
# Tests a note plans or follows up (labs, drug screens, an ECG), and the words a note gives their result in.
TESTS = re.compile(
    r"\b(?:liver function|liver enzymes|blood (?:work|tests?)|labs?\b|laboratory|lipids?|thyroid|TSH|A1c|"
    r"urine drug (?:screen|test)|toxicology|ECG|EKG|(?:lithium|drug|valproate) levels?)",
    re.I,
)
TEST_PLANNED = re.compile(r"\bfollow[- ]up\b|\border(?:ed)?\b|\brefer|\brepeat\b|\bcheck\b|\bdue\b|\btesting\b", re.I)
TEST_RESULT = re.compile(
    r"\bresults?\b|\bnormal\b|\bwithin (?:normal )?limits\b|\belevated\b|\bnegative\b|\bpositive\b", re.I
)
MEASURES_OF = course.MEASURES_OF
# What a measure's rise to its cut-off asks to be assessed, and the coded diagnoses that already account for it
# (an adjustment disorder's depressed or anxious mood, the anxiety of PTSD)
DISORDER_OF = {
    "PHQ-9": ("a depressive disorder", ("F31", "F32", "F33", "F34", "F43.2")),
    "GAD-7": ("an anxiety disorder", ("F40", "F41", "F42", "F43.1", "F43.2")),
    "PCL-5": ("PTSD", ("F43.1",)),
}
TREATED = re.compile(r"\b(?:stimulant|antidepressant|psychotropic)?\s?medication\b", re.I)
PRESCRIBER = re.compile(r"\bprescriber\b|\bpsychiatrist\b|\bmedication (?:review|management)\b", re.I)
# The words a treatment plan uses when it addresses a diagnosis of that family (a goal, a problem, an intervention).
ADDRESSED = {
    "F32": r"depress|\bmood\b|behavioral activation|PHQ-9",
    "F33": r"depress|\bmood\b|behavioral activation|PHQ-9",
    "F34": r"depress|\bmood\b|behavioral activation|PHQ-9",
    "F41": r"anxi|worry|panic|GAD-7",
    "F43.1": r"PTSD|trauma|PCL-5",
    "F10": r"alcohol|drink|AUDIT",
}
# A coded disorder a measure's scores cannot show the remission of: GAD-7 asks about worry and tension, not panic
# attacks (their frequency, or the Panic Disorder Severity Scale, does).
NOT_MEASURED_BY = {"GAD-7": {"F41.0": ("panic attacks", r"\bpanic")}}
INSTRUMENT_IN_PLAN = re.compile(r"\b(C-SSRS)\b")  # a structured risk instrument a plan's intervention names
UNMEASURED = ("F90", "F40", "F42")  # ADHD, phobic and obsessive-compulsive disorders: no measure above tracks them
SUBSTANCE_RISK = re.compile(r"\bblackouts?\b|\boverdos\w*|\bDUI\b|\bdriving (?:after|while|under)\b", re.I)
NEGATED = re.compile(r"\b(?:no|denies|without|never)\b[^.;]{0,40}$", re.I)
DRIVES_FOR_WORK = re.compile(r"\bdrives for\b|\b(?:commercial|delivery|truck|bus|taxi) driv\w*", re.I)
SAFETY_SENSITIVE_WORK = re.compile(
    DRIVES_FOR_WORK.pattern
    + r"|\bworks? as an? (?:nurse|paramedic|physician|doctor|surgeon|pharmacist|pilot|electrician"
    r"|firefighter|police officer|(?:crane|forklift|machine) operator)\b",
    re.I,
)
# a note's sentence about use at work ("drinking after work" is about evenings, not work)
WORK = re.compile(r"(?<!after )(?<!from )\b(?:work|shifts?|job|on duty|patients?)\b", re.I)
USE = re.compile(r"\b(?:hungover|hangover|impaired|intoxicated|under the influence)\b", re.I)
SUBSTANCE = re.compile(r"\b(?:alcohol|drink(?:s|ing)?|beers?|wine|cannabis|marijuana|opioids?|pills)\b", re.I)


def moved(m: course.MeasureCourse) -> str:
    """How a measure moved from its first score to its latest, after the scores: its reliable change, or, for
    a measure with no reliable-change threshold that stayed in one zone, the zone (AUDIT 18 to 17 is no change
    a reader should read as lower, nor 16 to 17 as higher)."""
    if m.change.reliable is None and m.first.severity == m.latest.severity:
        return f", {m.latest.severity} at both"
    return f": {m.change.describe()}"


class Writer:
    """Builds each section of SPEC section 4 from one selection and the course of care computed from it."""

    def __init__(self, sel: Selection):
        self.sel = sel
        self.kind = purpose_kind(sel.purpose)
        self.progress = sel.progress_notes
        self.intake = first(n for n in sel.notes if n.note_type == "intake")
        self.earlier_intake = first(n for n in reversed(sel.carried) if n.note_type == "intake")
        self.measures = course.measures(sel.assessments, sel.diagnoses)
        self.episodes = {e.instrument: e for e in course.episodes(sel.history, sel.assessments, sel.diagnoses)}
        self.goal_now, self.goal_earlier = course.goals_of(sel)
        self.contact = course.last_contact(sel)
        self.risk_picture = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications, self.clean)
        # Plans in effect side by side (imported care plans), not versions of one plan.
        self.concurrent = any(p.status != "revised" for p in sel.plans[:-1])
        self.discharge_note = first(n for n in reversed(self.progress) if n.title == "Discharge session")
        self.lapsed = self.contact.lapsed and not self.discharge_note  # a planned discharge is no lapse
        self._evidence: dict[str, course.GoalEvidence | None] = {}
        # Notes written in headed sections (imported prose), read by their headers.
        self.prose = [(n, r) for n in sel.notes if (r := prose.reading(n.text)) is not None]
        self.latest_prose = prose.reading(self.progress[-1].text) if self.progress else None

    def clean(self, sentence: str) -> str:
        return mask(sentence, self.sel.client)

    def said(self, note: Note, limit: int = 2) -> list[str]:
        """What the client reported in a note: not scores (the structured data has them), not the
        clinician's observation of mental status."""
        return [
            self.clean(s)
            for s in note_sections(note)["subjective"]
            if usable(s) and "completed in session" not in s and not MSE.search(s) and not RISK.search(s)
        ][:limit]

    def observed(self, note: Note) -> str:
        """The clinician's observation of mental status in a note (appearance, affect, speech, thought process),
        without its risk screening: the Current status a colleague reads beside what the client said."""
        parts = note_sections(note)
        seen = [
            self.clean(s)
            for s in (*parts["objective"], *parts["subjective"])
            if MSE.search(s) and not RISK.search(s) and usable(s) and "completed in session" not in s
        ]
        return " ".join(dict.fromkeys(seen))

    def write(self) -> str:
        blocks: list[str] = []
        for title, method in zip(
            SECTIONS,
            (
                self.context,
                self.referral,
                self.diagnoses,
                self.goals,
                self.interventions,
                self.outcomes,
                self.risk,
                self.status,
                self.recommendations,
            ),
            strict=True,
        ):
            blocks.append(f"## {title}")
            blocks += method() or ["Not documented in the sources for this range."]
        return "\n\n".join(blocks) + "\n"

    # -- sections -------------------------------------------------------------------------------

    def context(self) -> list[str]:
        c, rng = self.sel.client, self.sel.range
        who = (  # a discharge summary may be written of care that ended long ago
            f"The client was {c.age_on(rng.end)} years old at the end of this range"
            if self.kind == "discharge"
            else f"The client is {c.age_on(rng.end)} years old"
        )
        who += f" (pronouns {c.pronouns})." if c.pronouns else "."
        span = f"This summary covers {rng.start.isoformat()} to {rng.end.isoformat()}. "
        if self.progress:
            first_day, last_day = self.progress[0].note_date.isoformat(), self.progress[-1].note_date.isoformat()
            span += f"Sessions attended with signed progress notes: {len(self.progress)}, " + (
                f"on {first_day}." if first_day == last_day else f"from {first_day} to {last_day}."
            )
        else:
            span += "No signed progress note is dated in this range."
        if self.intake:
            span += f" Intake assessment completed {self.intake.note_date.isoformat()}."
        elif self.earlier_intake:
            span += f" Intake assessment completed {self.earlier_intake.note_date.isoformat()}, before this range."
        unsigned = self.sel.excluded_count("unsigned")
        if unsigned:
            span += f" Not used: {plural(unsigned, 'unsigned note')} in this range."
        blocks = [f"{who} {span}", *self.social(), *self.brief(), *self.formulation(), *self.disagreements()]
        if self.lapsed or (len(self.contact.missed) >= 3 and not self.discharge_note):  # what a reader must know first
            blocks.insert(0, self.contact.sentence())
        if self.sel.purpose:
            blocks.append(f"Purpose of this summary: {self.sel.purpose}.")
        return blocks

    def brief(self) -> list[str]:
        """The case in one paragraph, before the sections that detail it: what is treated, the primary
        measure over the episode (its low point, relapse and where it stands against the cut-off), the risk
        with its dates, and what the purpose needs first (a handover's contacts, a discharge's reason)."""
        said = [
            s
            for s in (
                self.brief_verdict(),  # a purpose the chart does not fit is the first thing a reader needs
                self.brief_diagnosis(),
                self.brief_course(),
                self.brief_worsening(),
                self.brief_risk(),
                self.brief_purpose(),
            )
            if s
        ]
        return ["In brief: " + " ".join(said)] if said else []

    def formulation(self) -> list[str]:
        """What a supervisor writes after reading the chart: how the primary measure has responded over the
        episode (the run at or above its cut-off that matters now), the care given meanwhile when the response
        is poor (the session frequency, a plan renewed unchanged, no medication), and what to do first. Each
        action is one the questions below ask in full; nothing is recommended that no rule found."""
        if self.brief_verdict():  # a closed case or a discharge not ready: the verdict is the recommendation
            return []
        said = [x for x in (self.response(), self.care_meanwhile(), self.first_actions()) if x]
        return ["Formulation: " + " ".join(said)] if said else []

    @cached_property
    def runs_at_cutoff(self) -> tuple[course.MeasureCourse, tuple[Assessment, ...], tuple[Assessment, ...]] | None:
        """(primary measure, its episode scores, the latest run of them at or above the cut-off, ending at the
        latest score or just before it): None when the measure has no cut-off or fewer than two scores."""
        m = self.measures[0] if self.measures else None
        if m is None or m.spec.cutoff is None or not m.spec.higher_is_worse:
            return None
        scores = self.episode_scores(m)
        if len(scores) < 2:
            return None
        return m, scores, course.cutoff_run(scores, m.spec.cutoff)[0]

    @cached_property
    def slow_response(self) -> bool:
        """At or above the cut-off for twelve weeks or more up to the latest score: long enough that the care
        itself is in question (response to psychotherapy or medication is judged after some eight to twelve weeks)."""
        if self.runs_at_cutoff is None or not self.runs_at_cutoff[2]:
            return False
        _, scores, run = self.runs_at_cutoff
        return (scores[-1].administered_on - run[0].administered_on).days >= SLOW_RESPONSE_DAYS

    def response(self) -> str | None:
        """'Partial response, not yet sustained: PHQ-9 was at or above the cut-off of 10 at 12 administrations
        from 2025-04-08 to 2026-05-19, and below it only at the latest, 9 (2026-06-16).'"""
        if self.runs_at_cutoff is None:
            return None
        m, scores, run = self.runs_at_cutoff
        cutoff, latest, name = m.spec.cutoff, scores[-1], m.instrument
        at = lambda a: f"{a.total_score} ({a.administered_on.isoformat()})"  # noqa: E731
        day = lambda a: a.administered_on.isoformat()  # noqa: E731
        whole = self.episodes[name].whole if name in self.episodes else m
        if len(run) == len(scores) and whole.change.direction == "worsened" and whole.change.reliable:
            text = (
                f"Reliable worsening: {name} rose from {at(scores[0])} to {at(latest)}, at or above the cut-off of "
                f"{cutoff} at all {len(scores)} administrations"
            )
        elif len(run) == len(scores):
            label = (
                "No response so far"
                if self.slow_response
                else f"Too early to judge the response ({course.months(scores[0].administered_on, latest.administered_on)} of scores)"
            )
            text = (
                f"{label}: {name} has been at or above the cut-off of {cutoff} at all "
                f"{len(scores)} administrations since the first, {at(scores[0])}; latest {at(latest)}"
            )
        elif run and run[-1] is latest:
            low = scores[scores.index(run[0]) - 1]
            text = f"Not in remission: {name} was below the cut-off of {cutoff} at {at(low)}, and " + (
                f"is at or above it again at the latest, {at(latest)}"
                if len(run) == 1
                else f"has been at or above it since {day(run[0])}, at {len(run)} administrations; latest {at(latest)}"
            )
        elif run:
            text = (
                f"Partial response, not yet sustained: {name} was at or above the cut-off of {cutoff} "
                + (
                    f"on {day(run[0])}"
                    if len(run) == 1
                    else f"at {len(run)} administrations from {day(run[0])} to {day(run[-1])}"
                )
                + f", and is below it only at the latest, {at(latest)}"
            )
        else:  # the last two scores or more below the cut-off
            tail = course.cutoff_run(scores, cutoff)[1] if any(a.total_score >= cutoff for a in scores) else ()
            text = (
                f"Response by the scores: {name} has been below the cut-off of {cutoff} at the last {len(tail)} "
                f"administrations, since {day(tail[0])}; latest {at(latest)}"
                if tail
                else f"{name} has been below the cut-off of {cutoff} at every administration since the first, "
                f"{at(scores[0])}; latest {at(latest)}"
            )
        events = (*self.risk_picture.earlier_events, *self.risk_picture.events)
        if run and (during := [f for f in events if day(run[0]) <= f.day <= day(run[-1])]):
            days = ", ".join(dict.fromkeys(f.day for f in during))
            text += f". {cap(event_kinds(during))} was documented during that time ({days})"
        return text + "."

    def care_meanwhile(self) -> str | None:
        """Beside a poor response, the care it had: the planned session frequency, a plan renewed without a change
        to its goals or interventions, no medication on file (the levers a supervisor looks at)."""
        if self.runs_at_cutoff is None or not self.slow_response:
            return None
        _, _, run = self.runs_at_cutoff
        parts = []
        if self.planned_runs:
            day, interval = self.planned_runs[-1]
            when = f"{day.isoformat()} (before this range)" if day < self.sel.range.start else day.isoformat()
            parts.append(f"sessions have been planned {spacing(interval)} since {when}")
        content = lambda p: (p.problems, p.goals, p.objectives, p.interventions)  # noqa: E731
        before = [p for p in self.sel.plans if p.effective_from <= run[0].administered_on]
        after = [p for p in self.sel.plans if p.effective_from > run[0].administered_on]
        if before and after and all(content(p) == content(before[-1]) for p in after):
            parts.append(
                f"the plan was renewed without a change to its goals or interventions "
                f"({', '.join(p.effective_from.isoformat() for p in after)})"
            )
        if not (self.sel.medications or self.stated_medications() or self.medication_question()):
            parts.append("no medication is on file")
        if not parts:
            return None
        return "Meanwhile " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + "."

    def first_actions(self) -> str | None:
        """'Recommended first: re-engage the client; review the safety plan (last documented 2025-12-02); review
        the intensity or modality of care, and whether a medication evaluation is indicated.' The actions the
        course's questions ask for, most pressing first; for a transfer, addressed to the receiving provider."""
        if self.discharge_note:  # the discharge plan is what comes next
            return None
        r, actions = self.risk_picture, []
        if self.lapsed and self.contact.seen:
            actions.append(f"re-engage the client (no session since {self.contact.seen.isoformat()})")
        recent = [f for f in r.events if self.progress and (self.progress[-1].note_date - f.note.note_date).days < 90]
        if recent:  # a risk event of the last three months of care: what a reader must act on first
            actions.append(f"review the risk assessment and safety monitoring (risk event {recent[-1].day})")
        if self.safety_plan_question():
            actions.append(f"review the safety plan (last documented {r.safety_plan[-1].day})")
        if self.withdrawal_question():
            actions.append("assess withdrawal risk before any reduction in drinking")
        if self.dependence_question():
            actions.append("assess for alcohol dependence")
        if self.runs_at_cutoff and self.slow_response:  # a poor response: the levers of care
            m = self.runs_at_cutoff[0]
            what = (
                "the diagnosis, the modality or the intensity of care"
                if self.episodes[m.instrument].never_responded
                else "the modality or the intensity of care"
            )
            if self.frequency_question():
                what += " (the session frequency was reduced while the score was at or above the cut-off)"
            if not (self.sel.medications or self.stated_medications() or self.medication_question()):
                what += ", and whether a medication evaluation is indicated"
            elif self.medication_question():
                what += ", and the medication with the prescriber"
            actions.append("review " + what)
        if work := self.substance_risk[1]:
            actions.append("assess " + work.split(" no session note in this range asks ", 1)[-1].split(":")[0])
        if not actions:
            return None
        lead = "For the receiving provider, first: " if self.kind == "transfer" else "Recommended first: "
        return lead + "; ".join(actions) + "."

    def brief_verdict(self) -> str | None:
        """Where the chart does not fit the purpose, that first: a transfer or consultation of a case closed more
        than a month before, a discharge drafted while the client still attends (with what the scores ask)."""
        c, d = self.contact, self.discharge_note
        if d is not None:
            if d is self.progress[-1] and (self.sel.range.end - d.note_date).days > 31:
                ended = f"Care ended with a planned discharge on {d.note_date.isoformat()}"
                if self.kind == "transfer":
                    return ended + ", with no session since: there is no active care to transfer."
                if self.kind == "consultation":
                    return ended + ", with no session since: this consultation looks back on a closed case."
            return None
        if self.kind == "discharge" and c.seen and not self.lapsed and len(c.missed) < 3:
            return (
                f"Not ready as a discharge summary: no discharge is documented, and the client was still attending "
                f"(last session {c.seen.isoformat()}"
                + (f", next planned for about {c.due.isoformat()}" if c.due else "")
                + "); it needs a discharge session and an aftercare plan."
                + self.scores_ask(numbers=False)
            )
        return None

    @cached_property
    def worsened(self) -> list[course.MeasureCourse]:
        """The measures that worsened over the range: reliable deterioration, a rise into a higher zone for a
        measure with no reliable-change threshold (AUDIT), or a relapse still at or above the cut-off."""
        out = []
        for m in self.measures:
            if len(m.scores) < 2:
                continue
            c, cutoff = m.change, m.spec.cutoff
            rose = c.direction == "worsened" and (
                c.reliable or (c.reliable is None and m.first.severity != m.latest.severity)
            )
            relapsed = m.relapse is not None and cutoff is not None and m.latest.total_score >= cutoff
            if rose or relapsed:
                out.append(m)
        return out

    def brief_worsening(self) -> str | None:
        """The synthesis a reader needs beside the scores: sessions spaced out while a score was rising (and the plan
        renewed unchanged), care reduced as the client got worse."""
        if not self.worsened:
            return None
        # each worsening from where it began: a relapse from its low point, a deterioration from the first score
        spans = [m.relapse or (m.first, m.latest) for m in self.worsened]
        since = min(lo.administered_on for lo, _ in spans)
        runs = self.planned_runs
        spaced = [  # a step-down while a score was on its way up, not after it had peaked
            (day, d)
            for (day, d), (_, before) in zip(runs[1:], runs, strict=False)
            if d > before and any(lo.administered_on < day <= hi.administered_on for lo, hi in spans)
        ]
        if not spaced:
            return None
        scores = " and ".join(
            f"{m.instrument} {lo.total_score} ({lo.administered_on.isoformat()}) to {hi.total_score} "
            f"({hi.administered_on.isoformat()})"
            for m, (lo, hi) in zip(self.worsened, spans, strict=True)
        )
        steps = " and ".join(f"{spacing(d)} from {day.isoformat()}" for day, d in spaced)
        unchanged = " and the plan was renewed unchanged" if self.unchanged_since(since) else ""
        return f"Care was reduced as the scores worsened ({scores}): sessions were spaced to {steps}{unchanged}."

    def brief_diagnosis(self) -> str | None:
        """Who came for what and how they are treated: the intake's reason for referral, the primary diagnosis
        and the interventions the session notes document most often."""
        d = course.primary_diagnosis(self.sel.diagnoses, self.sel.range.end)
        intake = self.intake or self.earlier_intake
        if d is None:
            return None
        since = f" since the intake of {intake.note_date.isoformat()}" if intake else ""
        text = f"treated{since} for {d.code} {d.description}"
        used = sorted(self.documented_interventions.items(), key=lambda kv: -len(kv[1]))[:2]
        if used:
            # "X as well as grounding and sleep skills", not "X and Y and Z"
            names = [lowered(name) for name, _ in used]
            text += ", with " + (" as well as " if any(" and " in n for n in names[1:]) else " and ").join(names)
        referred = first(
            self.clean(s).split(":", 1)[1].strip().rstrip(".")
            for s in (sentences(intake.text) if intake else [])
            if s.startswith("Reason for referral:") and usable(s)
        )
        return f"{referred}; {text}." if referred else cap(text) + "."

    def brief_course(self) -> str | None:
        if not self.measures:
            return None
        m = self.measures[0]
        first_, latest, cutoff = m.first, m.latest, m.spec.cutoff
        at = lambda a: f"{a.total_score} ({a.administered_on.isoformat()})"  # noqa: E731
        if len(m.scores) == 1:
            same_day = [x.latest for x in self.measures[1:] if x.latest.administered_on == latest.administered_on]
            text = f"{m.instrument} was {at(latest)}, the one administration in this range" + "".join(
                f", with {x.instrument} {x.total_score} the same day" for x in same_day
            )
        elif m.relapse:
            lo, peak = m.relapse
            text = (
                f"{m.instrument} improved from {at(first_)} to {at(lo)}, rose again to {at(peak)} and was "
                f"{at(latest)} at the latest administration"
            )
        elif m.change.reliable is None and first_.severity != latest.severity:  # no reliable-change threshold
            text = f"{m.instrument} went from {at(first_)} to {at(latest)}, from {first_.severity} to {latest.severity}"
        else:
            text = f"{m.instrument} went from {at(first_)} to {at(latest)}{moved(m)}"
        e = self.episodes[m.instrument]
        if e.before:  # the range starts after the episode did: where the client started
            whole = e.whole
            text += (  # a sentence of its own, the measure named: the range's scores are not its pair
                f". Over the whole episode, {m.instrument} went from {at(whole.first)} to "
                f"{whole.latest.total_score}{moved(whole)}"
            )
            r = whole.relapse
            if r and r[0].administered_on < e.within[0].administered_on and not e.within_relapse:
                when = (
                    "before this range"
                    if r[1].administered_on < e.within[0].administered_on
                    else "across the range start"
                )
                text += f", with a relapse {when} from {at(r[0])} to {at(r[1])}"
        if cutoff is not None and len(m.scores) > 1:
            if m.in_clinical_range_throughout:
                text += f". Every score in range was at or above the cut-off of {cutoff}"
            elif latest.total_score >= cutoff:
                text += f". The latest is at or above the cut-off of {cutoff}"
            elif m.above_until_latest():
                text += f". Only the latest is below the cut-off of {cutoff}: not yet sustained"
            else:
                text += f". The latest is below the cut-off of {cutoff}"
            stalled = m.change.reliable is not False or m.relapse  # not "no reliable change" said twice
            if len(m.scores) > 3 and m.trend == "stable" and latest.total_score >= cutoff and stalled:
                last3 = ", ".join(str(a.total_score) for a in m.scores[-3:])
                text += f"; last three scores ({last3}): no reliable change"
        return text + "."

    def brief_risk(self) -> str:
        """Risk with its dates (the events are told under Risk and safety)."""
        r, parts = self.risk_picture, []
        days = lambda fs: ", ".join(dict.fromkeys(f.day for f in fs))  # noqa: E731
        if r.events:
            parts.append(f"{event_kinds(r.events)} documented in this range ({days(r.events[-3:])})")
        elif r.earlier_events:
            parts.append(
                f"{event_kinds(r.earlier_events)} documented before this range ({days(r.earlier_events[-2:])})"
            )
        if r.self_harm:
            told = ", ".join(a.administered_on.isoformat() for a in r.self_harm[-3:])
            parts.append(f"the self-harm item of the PHQ-9 positive in this range ({told})")
        if hark := [a for a in r.ipv_screens if a.total_score >= 1]:
            parts.append(f"a positive intimate-partner violence screen ({hark[-1].administered_on.isoformat()})")
        if r.safety_plan:
            parts.append(f"a written safety plan, last documented {r.safety_plan[-1].day}")
        if r.means:
            parts.append(f"means-safety steps ({r.means[-1].day})")
        for sig, hits in r.items:
            a = hits[-1]
            now = [x for x in self.sel.assessments if x.instrument == sig.instrument and x.items][-1:]
            since = (  # where the answer stands now, when it fell below the level that points to risk
                f"; latest answer {sig.answer(now[0])}, {now[0].administered_on.isoformat()}"
                if now and now[0] not in hits
                else ""
            )
            parts.append(f"{sig.name} ({sig.instrument} {a.administered_on.isoformat()}: {sig.answer(a)}{since})")
        if r.controlled:
            parts.append("controlled medication on file (" + ", ".join(sorted({m.name for m in r.controlled})) + ")")
        screen = r.latest_screen
        if screen and risk.NEGATIVE_SCREEN.search(screen.sentence) and not risk.POSITIVE.search(screen.sentence):
            parts.append(f"the latest risk screening ({screen.day}) was negative")
        if not parts:
            return "No risk screening or risk event is documented in this range."
        # what is found, never that nothing else is: a scale's "Suicide Ideation: 18" is no event by these rules
        return "Risk: " + "; ".join(parts) + "."

    def brief_purpose(self) -> str | None:
        """What the purpose needs first: the handover's contact and medications, the reason a case ends."""
        c = self.contact
        if self.brief_verdict():  # said first
            return None
        if self.discharge_note:
            return f"Care ended with a planned discharge on {self.discharge_note.note_date.isoformat()}."
        if self.kind == "transfer" and c.seen and not self.lapsed:
            meds = sorted({m.name for m in self.sel.medications})
            return (
                f"For the receiving clinician: last session {c.seen.isoformat()}"
                + (f", next planned for about {c.due.isoformat()}" if c.due else "")
                + ("; medications on file: " + ", ".join(meds) if meds else "; no prescription is on file")
                + "."
            )
        return None

    def social(self) -> list[str]:
        """The living and work situation the intake records (who is at home, work): the context of risk
        and of the goals."""
        intake = self.intake or self.earlier_intake
        said = [self.clean(s) for s in sentences(intake.text) if s.startswith("Social history")] if intake else []
        if not said or not usable(said[0]):
            return []
        body = said[0].split(":", 1)[1].strip()
        return [f"Social situation at intake ({intake.note_date.isoformat()}): {body}"]

    def referral(self) -> list[str]:
        intake = self.intake or self.earlier_intake
        if intake:
            lines = [
                self.clean(s)
                for s in sentences(intake.text)
                if s.startswith(("Reason for referral", "Presenting concerns", "History")) and usable(s)
            ]
            if lines:
                when = intake.note_date.isoformat() + ("" if intake is self.intake else ", before this range")
                return [f"From the intake assessment ({when}): " + " ".join(lines)]
        for n, r in self.prose:  # a note's own chief complaint or reason for consultation
            said = [self.clean(s) for s in r.complaint if not addresses_a_model(s)][:4]
            if said:
                return [f"From {self.named(n)}: " + " ".join(said)]
        # Never a session's line as "presenting concerns": that is the state at that session, not the referral.
        return ["No intake assessment is on file, so the reason for referral is not documented here."]

    def diagnoses(self) -> list[str]:
        lines = []
        end = self.sel.range.end
        for d in self.sel.diagnoses:
            status = f"resolved {d.resolved.isoformat()}" if d.resolved and d.resolved <= end else "active"
            lines.append(f"- {d.code} {d.description} ({d.code_system}); onset {d.onset.isoformat()}; {status}.")
        for d in self.sel.resolved_before:  # what was treated and got better, after what remains
            lines.append(
                f"- {d.code} {d.description} ({d.code_system}); onset {d.onset.isoformat()}; resolved "
                f"{d.resolved.isoformat() if d.resolved else ''}, before this range."
            )
        blocks = ["\n".join(lines)] if lines else []
        stated = self.uncoded()
        if stated:
            blocks.append(
                (
                    "Stated in the notes but not among the coded diagnoses (confirm which is right):\n"
                    if lines
                    else "No coded diagnosis is on file for this range. Stated in the notes (not coded):\n"
                )
                + by_note(stated, self.named)
            )
        return blocks

    def named(self, n: Note) -> str:
        """A note as a reader finds it in the chart: its title and date."""
        return f"the note \u201c{self.clean(n.title)}\u201d of {n.note_date.isoformat()}"

    def uncoded(self) -> list[tuple[Note, str]]:
        """Diagnoses the notes state that no coded diagnosis of the range names."""
        coded = {w for d in self.sel.diagnoses for w in prose.key_words(d.description)}
        seen: dict[str, tuple[Note, str]] = {}
        for n, r in self.prose:
            for x in r.diagnoses:
                if not (prose.key_words(x) & coded) and not addresses_a_model(x):
                    seen.setdefault(x.lower(), (n, self.clean(x)))
        return list(seen.values())

    def disagreements(self) -> list[str]:
        """Where a note's description of the client differs from the chart's record: said, not chosen."""
        c, out = self.sel.client, []
        for n, r in self.prose:
            age, real = r.stated_age(), c.age_on(n.note_date)
            if age is not None and abs(age - real) > 1:
                out.append(
                    f"{cap(self.named(n))} describes the client as {age} years old; the date of birth in "
                    f"the chart gives {real} on that date. Check which is right."
                )
            sex = r.stated_sex()
            gender = (c.gender or "").lower()
            if sex and gender in ("male", "female") and sex != gender:
                out.append(
                    f"{cap(self.named(n))} describes the client as {sex}; the chart records {c.gender}. "
                    "Check which is right."
                )
        return out

    def goals(self) -> list[str]:
        if not self.sel.plans:
            return []
        plan = self.sel.plans[-1]
        period = f"in effect from {plan.effective_from.isoformat()}" + (
            f" to {plan.effective_to.isoformat()}" if plan.effective_to else ""
        )
        if plan.goals:
            blocks = [
                f"Current treatment plan ({plan.status}, {period}). Goals and their status:",
                "\n".join(f"{i}. {self.goal_line(g)}" for i, g in enumerate(self.goal_now, 1)),
            ]
        else:  # imported care plans often state only what they address
            blocks = [
                f"Current treatment plan ({plan.status}, {period}), for {', '.join(plan.problems)}. "
                "No goals are recorded in this plan."
            ]
        if self.goal_earlier:
            blocks.append(
                "Goals of earlier plan versions in this range that the current plan no longer lists:\n"
                + "\n".join(
                    f"- {self.goal_line(g)} (in the plan from {(g.since or g.plan.effective_from).isoformat()})"
                    for g in self.goal_earlier
                )
            )
        if self.concurrent:
            blocks.append(
                "Other treatment plans in effect during the range: "
                + "; ".join(
                    f"for {', '.join(p.problems)} ({p.status}, from {p.effective_from.isoformat()})"
                    for p in self.sel.plans[:-1]
                )
                + "."
            )
        elif len(self.sel.plans) > 1:
            pairs = list(zip(self.sel.plans, self.sel.plans[1:]))
            changed = [
                b
                for a, b in pairs
                if (a.problems, a.goals, a.objectives, a.interventions)
                != (b.problems, b.goals, b.objectives, b.interventions)
            ]
            days = ", ".join(b.effective_from.isoformat() for b in changed)
            if changed and len(changed) < len(pairs):
                blocks.append(f"The plan's content changed on {days}; its other reviews renewed it unchanged.")
            elif changed:
                blocks.append(f"The plan's content changed at each review ({days}).")
            else:
                blocks.append("The plan was renewed unchanged at each review in the range.")
        progress = [
            (n, s)
            for n in self.progress
            for part, ss in note_sections(n).items()
            if part != "plan"
            for s in ss
            if PROGRESS.search(s)
        ]
        if progress:
            n, s = progress[-1]
            line = f"Most recent progress rating in a note ({n.note_date.isoformat()}): {self.clean(s)}"
            primary = self.measures[0] if self.measures else None
            if primary and len(primary.scores) > 1 and IMPROVING_CLAIM.search(s):
                line += self.rating_against_scores(primary)
            blocks.append(line)
        return blocks

    def rating_against_scores(self, m: course.MeasureCourse) -> str:
        """What the primary measure says of a note's 'symptoms are decreasing': not shown, shown without
        reliable change, or contradicted by the latest score rising back to the cut-off."""
        first_, latest = m.first, m.latest
        span = (
            f"{m.instrument} {first_.total_score} on {first_.administered_on.isoformat()} and "
            f"{latest.total_score} on {latest.administered_on.isoformat()}, {m.change_words()}"
        )
        if m.change.direction != "improved" or m.trend == "worsening":
            return f" The scores do not show this: {span}."
        cutoff = m.spec.cutoff
        # no threshold to judge a point or two by: the zone did not change
        stayed = m.change.reliable is None and first_.severity == latest.severity
        if stayed and cutoff is not None and latest.total_score >= cutoff:
            return (
                f" The scores do not show this: {m.instrument} {first_.total_score} on "
                f"{first_.administered_on.isoformat()} and {latest.total_score} on "
                f"{latest.administered_on.isoformat()}, {latest.severity} at both, at or above the cut-off of {cutoff}."
            )
        if m.change.reliable is False:  # the thresholds are under Measurement-based outcomes
            return (
                f" The scores fell without reliable change: {m.instrument} {first_.total_score} on "
                f"{first_.administered_on.isoformat()} and {latest.total_score} on {latest.administered_on.isoformat()}."
            )
        before = m.scores[-2]
        if m.spec.higher_is_worse and cutoff is not None and before.total_score < latest.total_score >= cutoff:
            return (
                f" The latest score rose: {m.instrument} {before.total_score} on {before.administered_on.isoformat()}, "
                f"{latest.total_score} on {latest.administered_on.isoformat()}, at or above the cut-off of {cutoff}."
            )
        return ""

    def note_evidence(self, g: course.GoalStatus) -> course.GoalEvidence | None:
        """For a goal without a score criterion: what the latest note about it says (read once per goal:
        the goal line, the hand-over and the discharge tally all ask)."""
        if g.status != "not measurable":
            return None
        if g.goal not in self._evidence:
            self._evidence[g.goal] = self._find_evidence(g)
        return self._evidence[g.goal]

    def _find_evidence(self, g: course.GoalStatus) -> course.GoalEvidence | None:
        # what the client reported or did; for the safety plan, also the clinician's review of it
        built = bool(PLAN_GOAL.search(g.goal))
        parts = ("subjective", "response") + (("objective", "assessment", "plan", "intervention") if built else ())
        return course.goal_evidence(
            g.goal,
            self.goal_notes(g),
            lambda n: [
                s
                for part, ss in note_sections(n).items()
                if part in parts
                for s in ss
                if usable(s)
                and not MSE.search(s)
                and (built or not CLINICIAN_DID.match(s))
                and not PROGRESS.search(s)
                and not s.startswith("Next session")
            ],
        )

    def goal_notes(self, g: course.GoalStatus) -> tuple[Note, ...]:
        """The sessions written while a plan carrying the goal was in force: only they report on it."""
        return tuple(
            n
            for n in self.progress
            if (g.since is None or n.note_date >= g.since) and (g.until is None or n.note_date <= g.until)
        )

    def unmet(self, g: course.GoalStatus) -> bool:
        """Not met by its scores, or short of its count at the latest note about it (unless three sessions or
        more came after that note, silent on the result: then its status now is not documented)."""
        if g.status.startswith("not met") or "not sustained" in g.status:
            return True
        found = self.note_evidence(g)
        return bool(found and found.shortfall and self.sessions_after(g, found) < 3)

    def silent_goals(self) -> list[str]:
        """Current goals whose latest report is followed by three sessions or more that do not report on them
        (silent, or working on the goal without its result), with that report's date: to ask about."""
        return [
            f"{g.goal} (last reported {found.note.note_date.isoformat()})"
            for g in self.goal_now
            if (found := self.note_evidence(g))
            and self.sessions_after(g, found) >= 3
            and self.screened_since(g, found) is None
        ]

    def silent_since(self, g: course.GoalStatus, found: course.GoalEvidence) -> bool:
        """Three or more sessions since the note quoted for a goal, none of them reporting on it, nor
        working on it, nor (for a goal of staying safe) screening the risk it is about."""
        return (
            self.sessions_after(g, found) >= 3
            and self.worked_on(g, found) is None
            and self.screened_since(g, found) is None
        )

    def screened_since(self, g: course.GoalStatus, found: course.GoalEvidence) -> str | None:
        """For a goal of staying safe, the risk screenings of the sessions after its quoted note, when every one
        was negative and no risk event or positive self-harm item came after it: the goal's state since."""
        if not SAFETY_GOAL.search(g.goal):
            return None
        r, since = self.risk_picture, found.note.note_date
        days = sorted({f.note.note_date for f in r.screens if f.note.note_date > since})
        if not days or any(f.note.note_date > since for f in r.events):
            return None
        if any(a.administered_on > since for a in r.self_harm):
            return None
        return (
            f" Since then every risk screening was negative (latest {days[-1].isoformat()}), with no risk event; "
            "the written safety plan is not documented as reviewed again."
        )

    def screened_in(self, g: course.GoalStatus) -> str | None:
        """For a goal of staying safe that no note reports on: the risk screenings of the sessions while it was in
        the plan, when each was negative and no risk event or positive self-harm item came in that time."""
        if not SAFETY_GOAL.search(g.goal):
            return None
        notes = {n.id for n in self.goal_notes(g)}
        r = self.risk_picture
        days = sorted({f.note.note_date for f in r.screens if f.note.id in notes})
        if not days or any(f.note.id in notes for f in r.events) or r.self_harm:
            return None
        span = (
            f"on {days[0].isoformat()}" if len(days) == 1 else f"from {days[0].isoformat()} to {days[-1].isoformat()}"
        )
        return f"every risk screening {span} was negative, with no risk event."

    def sessions_after(self, g: course.GoalStatus, found: course.GoalEvidence) -> int:
        return sum(n.note_date > found.note.note_date for n in self.goal_notes(g))

    def worked_on(self, g: course.GoalStatus, found: course.GoalEvidence) -> tuple[Note, str] | None:
        """The latest session after the quoted report whose clinician's work names the goal's topic ("Built
        a fear hierarchy for driving and meetings"): the goal is worked on, its result not reported."""
        topics = course.goal_topics(g.goal)
        if not topics:
            return None
        for n in reversed(self.goal_notes(g)):
            if n.note_date <= found.note.note_date:
                return None
            for x in note_sentences(n):
                if (
                    any(t.search(x) for t in topics)
                    and usable(x)
                    and not (MSE.search(x) or PROGRESS.search(x) or FOCUS.match(x) or x.startswith("Next session"))
                ):
                    return n, x
        return None

    def goal_line(self, g: course.GoalStatus) -> str:
        """A goal with its score status, or for a goal without a score criterion what the latest
        note about it says, quoted."""
        found = self.note_evidence(g)
        if found is None and g.status == "not measurable" and (safe := self.screened_in(g)):
            return (
                f"{g.goal}: judged from the notes; no note in this range reports on the written safety plan, and {safe}"
            )
        if found is None:
            return g.sentence()
        text = (
            f"{g.goal}: judged from the notes; the latest note about it ({found.note.note_date.isoformat()}): "
            f"{self.clean(found.sentence)}"
        )
        goals = [*self.goal_now, *self.goal_earlier]
        before = goals[: goals.index(g)] if g in goals else []
        if not any((e := self.note_evidence(x)) and e.sentence == found.sentence for x in before):
            text += self.carried(self.clean(found.sentence), found.note)  # flagged at the first goal that quotes it
        if found.shortfall and found.counted:
            at = (
                "that note"
                if found.counted is found.note
                else f"the latest count ({found.counted.note_date.isoformat()})"
            )
            text += f" Not met at {at}: {found.shortfall}."
        elif not found.count_given and (noun := course.counted_noun(g.goal)):
            text += f" No note from then on gives the number of {noun} the goal asks for."
        if screened := self.screened_since(g, found):
            text += screened
        elif self.silent_since(g, found):  # a quote from months ago is not the goal's state now
            text += (
                f" No later note reports on it: its status since {found.note.note_date.isoformat()} is not documented."
            )
        elif (worked := self.worked_on(g, found)) and self.sessions_after(g, found) >= 3:
            text += (
                f" Later sessions worked on it without a report of the result (latest {worked[0].note_date.isoformat()}: "
                f"{self.clean(worked[1]).rstrip('.')})."
            )
        return text

    def interventions(self) -> list[str]:
        blocks = []
        # Versions of one plan: the latest says what is in use; plans side by side: all of them do.
        plans = list(reversed(self.sel.plans)) if self.concurrent else self.sel.plans[-1:]
        interventions = list(dict.fromkeys(i for p in plans for i in p.interventions))
        seen = self.documented_interventions
        when = lambda dates: (  # noqa: E731
            f"documented in sessions from {dates[0]} to {dates[-1]}"
            if len(dates) > 1
            else f"documented in the session of {dates[0]}"
        )
        planned, named = [], set()
        for i in interventions:  # each planned intervention with the sessions that name it, or that none does
            name = first(n for n in seen if planned_as(n, i))
            if name is not None:
                named.add(name)
                planned.append(f"- {i}: {when(seen[name])}")
            elif gap := self.undelivered(i):
                planned.append(f"- {gap}")
            else:
                planned.append(f"- {i}")
        others = [f"- {name}: {when(dates)}" for name, dates in seen.items() if name not in named]
        if planned:
            blocks.append(
                f"Interventions in the treatment plan{'s' if self.concurrent else ''}, with the sessions that name "
                "them:\n" + "\n".join(planned)
            )
        if others:
            blocks.append(
                ("Also documented in the session notes:\n" if planned else "Documented in the session notes:\n")
                + "\n".join(others)
            )
        blocks += self.course_by_phase()
        if frequency := self.frequency():
            blocks.append(frequency)
        if worked := self.what_worked():
            blocks.append("What the session notes record as working:\n" + "\n".join(worked))
        blocks += self.substance_use()
        medications = self.medications()
        if medications:
            blocks.append("Medications on file in this range:\n" + medications)
        elif coordinated := self.prescriber_coordination():
            blocks.append(coordinated)
        stated = self.stated_medications()
        if stated:
            blocks.append(
                "Medications as the notes state them, each as written"
                + (", where no prescription above names them:\n" if medications else ":\n")
                + by_note(stated, self.named)
            )
        for n, r in self.prose:
            told = [self.clean(s) for s in r.course if usable(s) or s == "(…)"] if r.headed else []
            if told:
                blocks.append(f"Course as told in {self.named(n)}: " + " ".join(told))
        return blocks

    def undelivered(self, planned: str) -> str | None:
        """A plan's intervention that no session note of the range names as its focus (measurement-based care is
        delivered by the scores: None); a structured risk instrument it names, with the last note that records it."""
        if planned.lower().startswith("measurement-based care") and self.measures:
            return None
        line = f"{planned}: named in no session note of this range"
        if tool := INSTRUMENT_IN_PLAN.search(planned):
            notes = [n for n in (*self.sel.carried_risk, *self.sel.notes) if re.search(tool[1], n.text, re.I)]
            last = max((n.note_date for n in notes), default=None)
            line += (
                f"; {tool[1]} on file up to {last.isoformat()}"
                + (" (before this range)" if last < self.sel.range.start else "")
                if last
                else "; none on file"
            )
        return line

    @cached_property
    def documented_interventions(self) -> dict[str, list[str]]:
        """Each intervention a session note names as its focus, with the dates of those sessions."""
        seen: dict[str, list[str]] = {}
        for n in self.progress:
            for s in note_sentences(n):
                if FOCUS.match(s):
                    body = FOCUS.sub("", s).rstrip(".")
                    for name in body.split("; " if "; " in body else ", "):
                        seen.setdefault(name.strip(), []).append(n.note_date.isoformat())
        return seen

    def stated_medications(self) -> list[tuple[Note, str]]:
        """Medications the notes state where no prescription names them, each with where the note
        says it ("Discharge medications: Klonopin 1 mg t.i.d. p.r.n.", "Plan: ...", "History: ...")."""
        prescribed = {m.name.split()[0].lower() for m in self.sel.medications}
        seen: dict[str, tuple[Note, str]] = {}
        for n, r in self.prose:
            for label, x in r.medication_lines:
                if not any(re.search(rf"\b{re.escape(p)}\b", x, re.I) for p in prescribed) and not addresses_a_model(x):
                    seen.setdefault(x.lower(), (n, self.clean(f"{label}: {x}" if r.headed else x)))
        return list(seen.values())

    @cached_property
    def pending(self) -> list[tuple[str, str, list[date]]]:
        """A test the notes plan or follow up (liver function, a drug screen), each once with the days of the
        notes that mention it, when no later sentence gives its result: (the test as named, the sentence, the days)."""
        planned: dict[str, tuple[str, list[date]]] = {}
        resulted: dict[str, date] = {}
        for n in self.progress:
            for x in (x for ss in note_sections(n).values() for x in ss):
                for t in TESTS.finditer(x):
                    key = t.group(0).lower()
                    if TEST_RESULT.search(x):
                        resulted[key] = n.note_date
                    elif TEST_PLANNED.search(x) and usable(x):
                        planned.setdefault(key, (self.clean(x), []))[1].append(n.note_date)
        return [(k, x, days) for k, (x, days) in planned.items() if not (k in resulted and resulted[k] >= days[-1])]

    def pending_tests(self) -> list[str]:
        """The pending tests as dated lines, with how many notes mention one when it recurs."""
        out = []
        for _, sentence, days in self.pending:
            when = f"{days[0].isoformat()}" + (f" to {days[-1].isoformat()}" if days[-1] != days[0] else "")
            if len(days) >= course.CARRIED_NOTES:
                when += f", in {len(days)} notes"
            out.append(f"- {when}: {sentence}")
        return out

    def pending_test_question(self) -> str | None:
        """A test followed up in note after note for three months or more with no result: whether it was done."""
        long = [(k, d) for k, _, d in self.pending if len(d) >= course.CARRIED_NOTES and (d[-1] - d[0]).days >= 90]
        if not long:
            return None
        test, days = long[0]
        test = {"liver function": "liver function testing", "liver enzymes": "liver enzyme testing"}.get(test, test)
        return (
            f"Follow-up of {test} is in {len(days)} notes from {days[0].isoformat()} to {days[-1].isoformat()}, with "
            "no result on file: was it done, and what did it show?"
        )

    def prescriber_coordination(self) -> str:
        """With no prescription in the sources, the sessions that coordinate with a prescriber (a medication
        the chart does not list): said so the clinician reconciles it."""
        if self.sel.medications:
            return ""
        found = [
            (n, s)
            for n in self.progress
            for s in note_sentences(n)
            if PRESCRIBER.search(s) and not FOCUS.match(s) and usable(s)
        ]
        if not found:
            return ""
        notes = list(dict.fromkeys(n for n, _ in found))
        when = (
            f"sessions from {notes[0].note_date.isoformat()} to {notes[-1].note_date.isoformat()}"
            if len(notes) > 1
            else f"the session of {notes[0].note_date.isoformat()}"
        )
        intake = self.intake or self.earlier_intake
        treated = [
            self.clean(x)
            for x in (sentences(intake.text) if intake else [])
            if (m := TREATED.search(x)) and not NEGATED.search(x[: m.start()])
        ]
        return (
            f"No prescription is on file, while the notes coordinate with a prescriber ({when}; latest: "
            f"{self.clean(found[-1][1]).rstrip('.')})."
            + (
                f" The intake ({intake.note_date.isoformat()}) records: {' '.join(treated)}"
                if intake and treated
                else ""
            )
        )

    def intake_medications(self) -> tuple[Note, list[str]] | None:
        """The intake's sentences that name a medication (past or current treatment), for a chart whose
        sources hold no prescription: what a receiving provider must reconcile."""
        intake = self.intake or self.earlier_intake
        if intake is None or self.sel.medications:
            return None
        said = [
            self.clean(re.sub(r"^[A-Z][\w ]{0,30}:\s+", "", s))  # without its label ("History: ")
            for s in sentences(intake.text)
            if MEDICATION.search(s) and usable(s)
        ]
        return (intake, said) if said else None

    def medication_question(self) -> str | None:
        """Earlier medication at intake, none prescribed now, and the primary measure at or above its
        cut-off without reliable improvement (or after a relapse): a prescriber review is the question."""
        told, m = self.intake_medications(), self.measures[0] if self.measures else None
        if not told or m is None or m.spec.cutoff is None or m.latest.total_score < m.spec.cutoff:
            return None
        if m.change.direction == "improved" and m.change.reliable and not m.relapse:
            return None
        names = sorted({x.group(0).lower() for s in told[1] for x in MEDICATION.finditer(s)})
        return (
            f"The intake records earlier treatment with {', '.join(names)} and no prescription is on file, "
            f"while {m.instrument} is {m.latest.total_score} ({m.latest.administered_on.isoformat()}), at or above "
            f"the cut-off of {m.spec.cutoff}: is a prescriber review indicated?"
        )

    def themes(self) -> tuple[list[str], list[str]]:
        """What long notes carry beyond the template's parts, each sentence once however often notes repeat
        it, with the dates of the notes that carry it: (substance use, open items such as a planned session
        with others or a coming stressor). Past MAX_THEMES sentences of a kind, the first is kept with the
        latest ones, so the range's start and its end both show (a reduction in drinking that then
        escalated is not told by its first weeks)."""
        found: dict[str, tuple[str, list]] = {}  # sentence key -> (sentence, the notes that carry it)
        for n in self.progress:
            parts = note_sections(n)
            for s in (s for part, ss in parts.items() if part != "plan" for s in ss):  # plans are not findings
                if not THEMES.search(s) or not usable(s) or RISK.search(s) or PROGRESS.search(s):
                    continue
                found.setdefault(self.key(s), (s, []))[1].append(n)
        kinds: tuple[list, list] = ([], [])
        for s, notes in found.values():
            if not SUBSTANCE.search(s):
                kinds[1].append((s, notes))
            elif not CLINICIAN_DID.match(s):  # what the client reports; the skills practiced are interventions
                kinds[0].append((s, notes))
        return self.dated_lines(kinds[0]), self.dated_lines(kinds[1])

    def key(self, sentence: str) -> str:
        """A sentence as the draft says it, for telling repeats: "Tessa describes" and "Client describes" are one."""
        return re.sub(r"^the ", "", re.sub(r"\W+", " ", self.clean(sentence).lower()).strip())

    def course_by_phase(self) -> list[str]:
        """The primary measure's course in phases when it relapsed in range (the improvement to its low point,
        the relapse to its peak, and since), each with what the client reported at the last session of that
        phase: the story the scores and the notes tell together (driving again, then avoiding it again)."""
        m = self.measures[0] if self.measures else None
        if m is None or m.relapse is None or not self.progress:
            return []
        lo, hi = m.relapse
        cuts = [("Improvement", m.first, lo), ("Relapse", lo, hi)]
        if m.latest is not hi:
            cuts.append(("Since the peak", hi, m.latest))
        lines, told = [], set()
        for name, a, b in cuts:
            notes = [n for n in self.progress if a.administered_on < n.note_date <= b.administered_on]
            found = next(((n, x) for n in reversed(notes) for x in self.said(n, limit=1) if x not in told), None)
            line = f"- {name}: {m.instrument} {a.total_score} ({a.administered_on.isoformat()}) to {b.total_score} "
            line += f"({b.administered_on.isoformat()})"
            if found:
                told.add(found[1])
                line += f"; at the session of {found[0].note_date.isoformat()}: {found[1]}"
            lines.append(line + ("" if line.endswith(".") else "."))
        return [
            f"Course by phase ({m.instrument}), with what the client reported at the end of each:\n" + "\n".join(lines)
        ]

    def what_worked(self) -> list[str]:
        """What the session notes record as working, as dated lines: a strategy used to a good effect (falling asleep more
        quickly with the relaxation routine, a walk to get past a craving, grounding used during an intrusive
        memory, distress that settles in exposure), each once with its notes. A skill not named ("applied the
        skill"), substance use (its own block), risk, and what a goal already quotes are left out."""
        goals = self.goal_now + self.goal_earlier
        quoted = {self.key(e.sentence) for g in goals if g.status == "not measurable" and (e := self.note_evidence(g))}
        found: dict[str, tuple[str, list]] = {}
        for n in self.progress:
            for part, ss in note_sections(n).items():
                for s in ss:
                    if part == "plan" or not WORKED.search(s) or GENERIC_SKILL.search(s) or not usable(s):
                        continue
                    if SUBSTANCE.search(s) or RISK.search(s) or PROGRESS.search(s) or self.key(s) in quoted:
                        continue
                    found.setdefault(self.key(s), (s, []))[1].append(n)
        return self.dated_lines(list(found.values()), most=4)

    def dated_lines(self, entries: list, most: int = MAX_THEMES) -> list[str]:
        """Sentences, each with the notes that carry it, as dated lines: past `most`, the first is kept with the
        latest ones, and sentences carried by the same notes are one line (a paragraph copied note to note)."""
        if len(entries) > most:
            latest = sorted(entries[1:], key=lambda e: e[1][-1].note_date)[-(most - 1) :]
            entries = [e for e in entries if e is entries[0] or e in latest]
        # Sentences carried by the same notes, more than one of them: a paragraph copied from note to note,
        # said once with the notes it is in
        groups: dict[tuple[str, ...], tuple[list, list[str]]] = {}
        for s, notes in entries:
            groups.setdefault(tuple(n.id for n in notes), (notes, []))[1].append(self.clean(s))
        out = []
        for notes, said in groups.values():
            days = [n.note_date.isoformat() for n in notes]
            when = (
                days[0]
                if len(days) == 1
                else ", ".join(days)
                if len(days) <= 3
                else (f"{days[0]} to {days[-1]}, recurring")
            )
            if len(said) > 1 and len(days) > 1:
                when += " (the same paragraph is copied into each of these notes)"
            out.append(f"- {when}: {' '.join(said)}")
        return out

    def substance_use(self) -> list[str]:
        """Substance use the session notes document, with its diagnosis and the follow-through: when a
        note last mentions it, and whether a screen was given."""
        substance = self.themes()[0]
        if not substance:
            return []
        blocks = ["Substance use in the session notes:\n" + "\n".join(substance)]
        last = max(n.note_date for n in self.progress if SUBSTANCE.search(n.text))
        later = [n for n in self.progress if n.note_date > last]
        screened = [a for a in self.sel.assessments if a.instrument in ("AUDIT", "AUDIT-C", "DAST-10")]
        follow = []
        if len(later) >= 3:
            follow.append(f"no later note mentions substance use (last {last.isoformat()})")
        if not screened:
            follow.append("no substance-use screen (AUDIT, AUDIT-C, DAST-10) is on file in this range")
        for d in (d for d in self.sel.diagnoses if d.code.startswith(("F10", "F11", "F12", "F13", "F14", "F15"))):
            if d.resolved or follow:  # an active diagnosis alone is in Diagnoses already
                status = f"was marked resolved on {d.resolved.isoformat()}" if d.resolved else "is active"
                follow.insert(0, f"{d.code} {d.description} {status}")
        if follow:
            blocks.append("Follow-through: " + "; ".join(follow) + ".")
        return blocks

    def needs_rescreen(self) -> str | None:
        """Substance use documented, then neither screened nor mentioned again: what to ask about next."""
        if not self.themes()[0] or not self.progress:
            return None
        last = max(n.note_date for n in self.progress if SUBSTANCE.search(n.text))
        screened = any(a.instrument in ("AUDIT", "AUDIT-C", "DAST-10") for a in self.sel.assessments)
        if screened or sum(n.note_date > last for n in self.progress) < 3:
            return None
        return (
            f"Substance use was last documented on {last.isoformat()}, with no substance-use screen on file in this "
            "range: re-screen it (AUDIT-C)."
        )

    def medications(self) -> str:
        """One line per medication, however often it was prescribed again."""
        by_name: dict[str, list] = defaultdict(list)
        for m in self.sel.medications:
            by_name[m.name].append(m)
        lines = []
        for name, ms in by_name.items():
            dosage = first((m.dosage for m in reversed(ms) if m.dosage), None)
            starts = [m.start_date.isoformat() for m in ms]
            # No count of prescriptions: a number that no source item states is an unsupported fact.
            when = (
                f"prescribed {', '.join(starts)}"
                if len(starts) <= 3
                else f"first prescribed {starts[0]}, most recently {starts[-1]}"
            )
            latest = ms[-1]
            ended = f", ended {latest.end_date.isoformat()}" if latest.end_date else ""
            lines.append(f"- {name}{f' ({dosage})' if dosage else ''}: {when}; latest status {latest.status}{ended}.")
        return "\n".join(lines)

    def outcomes(self) -> list[str]:
        if not self.measures:
            return ["No scored measures were administered in this range."]
        rows = ["| Measure | First | Lowest | Highest | Latest | First to latest |", "|---|---|---|---|---|---|"]

        def cell(a) -> str:  # bands are in the course paragraph below: a wide table breaks the page
            return f"{a.total_score} ({a.administered_on.isoformat()})"

        for m in self.measures:
            if len(m.scores) == 1:
                rows.append(f"| {m.instrument} | {cell(m.first)} | – | – | {cell(m.first)} | one administration |")
                continue
            rows.append(
                f"| {m.instrument} | {cell(m.first)} | {cell(m.lowest)} | {cell(m.highest)} | {cell(m.latest)} | "
                f"{m.change.describe()} |"
            )
        blocks = ["\n".join(rows)]
        # the reliable-change thresholds once, in the thresholds line below, not in each measure's paragraph
        blocks += [f"{m.instrument}: {m.remarks(thresholds=False)}" for m in self.measures]
        episode = [line for m in self.measures if (line := self.episodes[m.instrument].sentence(thresholds=False))]
        if episode:
            blocks.append("Since the start of the episode, before this range:\n" + "\n".join(f"- {x}" for x in episode))
        baseline = [
            b
            for b in self.sel.baseline
            if any(b.instrument == m.instrument for m in self.measures) and not self.episodes[b.instrument].sentence()
        ]
        if baseline:
            blocks.append(
                "For context, most recent scores before the range: "
                + "; ".join(
                    f"{b.instrument} {b.total_score} ({b.severity}) on {b.administered_on.isoformat()}"
                    for b in baseline
                )
                + "."
            )
        published = {
            "PHQ-9": "NHS Talking Therapies",
            "GAD-7": "NHS Talking Therapies",
            "PCL-5": "National Center for PTSD",
        }
        by_source: dict[str, list[str]] = {}  # "PHQ-9 and GAD-7: NHS Talking Therapies", each source once
        for m in self.measures:
            if m.instrument in published:
                by_source.setdefault(published[m.instrument], []).append(m.instrument)
        # the reliable-change thresholds once for all measures, with the sources of the cut-offs
        rc = [(m.spec.reliable_change, m.instrument) for m in self.measures if m.spec.reliable_change]
        told = []
        if rc:  # "Reliable change is 6 points or more for PHQ-9 and 4 or more for GAD-7"
            each = [f"{n} {'points ' if i == 0 else ''}or more for {name}" for i, (n, name) in enumerate(rc)]
            told.append("Reliable change is " + (", ".join(each[:-1]) + " and " if len(each) > 1 else "") + each[-1])
        if any(m.instrument == "AUDIT" for m in self.measures):
            told.append("AUDIT has no established reliable-change threshold, so its zone changes are told")
        if told:
            blocks.append("; ".join(told) + ".")
        if by_source:
            used = [f"{' and '.join(names)}: {source}" for source, names in by_source.items()]
            blocks[-1] += " Thresholds as published (" + "; ".join(used) + ")."
        return blocks

    def risk(self) -> list[str]:
        r = self.risk_picture
        blocks = []
        if r.events:
            blocks.append(
                "Documented risk events in this range:\n" + "\n".join(f"- {f.day}: {f.sentence}" for f in r.events)
            )
        # A headed note's own risk statements are listed whole, so its "latest screen" (the last risk
        # sentence, often a plan step or a no-harm agreement) is not singled out as one.
        headed_latest = self.latest_prose is not None and self.latest_prose.headed
        shown = {f.sentence for f in r.events}
        if r.latest_screen and not headed_latest:
            shown.add(r.latest_screen.sentence)
        stated = False  # a prose note's own risk statements, listed: its screening is among them
        for n, reading_ in self.prose:  # everything a headed note says of risk, denials and context included
            if not reading_.headed:
                continue
            said = [x for x in dict.fromkeys(self.clean(x) for x in reading_.risk) if x not in shown]
            if said and n.note_date >= self.sel.range.start:
                blocks.append(f"As {self.named(n)} states it:\n" + "\n".join(f"- {x}" for x in said))
                stated = True
        if r.self_harm:
            lines = []
            for a in r.self_harm:
                line = f"- {risk.self_harm_told(a)}"
                if unmatched := r.unmatched(a):
                    line += (
                        f"; the note of that day records: {unmatched.sentence} The questionnaire and the note "
                        "disagree: ask about it at the next contact."
                    )
                lines.append(line + ("" if line.endswith(".") else "."))
            latest = first(a for a in reversed(self.sel.assessments) if risk.self_harm_answer(a) is not None)
            if latest and latest not in r.self_harm:
                lines.append(f"- Latest: {risk.self_harm_told(latest)}.")
            blocks.append(f"PHQ-9 item 9 ({risk.SELF_HARM_WORDS}) in this range, where above 0:\n" + "\n".join(lines))
        earlier_items = risk.self_harm_positive(self.sel.history)
        if r.earlier_events or earlier_items:
            blocks.append(
                "Risk history before this range, carried forward:\n"
                + "\n".join(
                    [f"- {f.day}: {f.sentence}" for f in r.earlier_events]
                    + [f"- {risk.said_self_harm(a)}." for a in earlier_items[-2:]]
                )
            )
        answered = [a for a in self.sel.assessments if risk.self_harm_answer(a) is not None]
        if earlier_items and answered and not r.self_harm:
            latest = answered[-1].administered_on.isoformat()
            blocks.append(
                f"PHQ-9 item 9 was 0 (not at all) at the one administration in this range ({latest})."
                if len(answered) == 1
                else f"PHQ-9 item 9 was 0 (not at all) at every administration in this range (latest {latest})."
            )
        if r.safety_plan:
            made, last = r.safety_plan[0], r.safety_plan[-1]
            lines = [f"- First documented {made.day}: {made.sentence}"]
            if last is not made:
                lines.append(f"- Most recently documented {last.day}: {last.sentence}")
            goal = first(g for g in self.goal_now if "safety plan" in g.goal.lower())
            if goal:
                lines.append(f"- The current treatment plan keeps the goal: {goal.goal}.")
            blocks.append("Safety plan:\n" + "\n".join(lines))
        if r.means:
            blocks.append("Means safety: " + "; ".join(f"{f.day}: {f.sentence}" for f in r.means))
        for a in r.ipv_screens:
            blocks.append(
                f"Intimate-partner violence screen (HARK) on {a.administered_on.isoformat()}: "
                f"{a.total_score} ({a.severity})."
            )
        if r.controlled:
            blocks.append(
                "Controlled medications on file: "
                + "; ".join(dict.fromkeys(f"{m.name}{f' ({m.dosage})' if m.dosage else ''}" for m in r.controlled))
                + "."
            )
        if r.items:
            blocks.append(
                "Item answers that point to risk, whatever the total:\n"
                + "\n".join(
                    f"- {sig.instrument} ({sig.words}): "
                    + "; ".join(sig.told(a) for a in hits)
                    + f": {sig.meaning}."
                    + self.implausible(hits if sig is risk.MORNING else [])
                    for sig, hits in r.items
                )
            )
        blocks += self.substance_risk[0]
        if r.latest_screen and not headed_latest:
            stale = ", before care lapsed; repeat it at the next contact" if self.lapsed else ""
            blocks.append(f"Most recent risk screening ({r.latest_screen.day}{stale}): {r.latest_screen.sentence}")
        elif blocks and not stated:
            blocks.append("No risk screening is documented in this range.")
        return blocks

    @staticmethod
    def implausible(morning: Iterable[Assessment]) -> str:
        """Morning drinking answered more often than AUDIT question 1 says the client drinks at all, said once
        for all the administrations where it is so, each with that first answer."""
        days = [
            f"{a.administered_on.isoformat()} (first question: {x})"
            for a in morning
            if (x := risk.implausible_morning(a))
        ]
        if not days:
            return ""
        on = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
        return (
            f" On {on}, this is more often than the first question says the client drinks at all: verify the answers "
            "with the client."
        )

    @cached_property
    def substance_risk(self) -> tuple[list[str], str | None]:
        """What the intake records of risk from substance use (blackouts, overdose, driving after use) and
        whether the client drives or works in a role where impairment endangers others (a nurse, an
        electrician); with the question when no session note asks about use and that work. Only with a
        substance use diagnosis in range."""
        intake = self.intake or self.earlier_intake
        if intake is None or not any(re.match(r"F1[0-9]", d.code) for d in self.sel.diagnoses):
            return [], None
        said = sentences(intake.text)
        risky = [
            self.clean(s) for s in said if any(not NEGATED.search(s[: m.start()]) for m in SUBSTANCE_RISK.finditer(s))
        ]
        told = f"Substance-related risk the intake records ({intake.note_date.isoformat()}): " + " ".join(risky)
        lines = [told] if risky else []
        role = first(m.group(0) for s in said if (m := SAFETY_SENSITIVE_WORK.search(s)))
        if role is None:
            return lines, None
        driving = bool(DRIVES_FOR_WORK.search(role))
        who = (
            "The client drives for work"
            if driving
            else f"The client {role.lower()}, a role where impairment endangers others"
        )
        asking = "about driving after drinking or use" if driving else "whether drinking or use affects work"
        asked = any(
            re.search(r"\bdriv", s, re.I) if driving else WORK.search(s) and (SUBSTANCE.search(s) or USE.search(s))
            for n in self.progress
            for s in note_sentences(n)
        )
        where = f" (social history, intake {intake.note_date.isoformat()})"
        if asked:
            return [*lines, who + where + "."], None
        code = first(d for d in self.sel.diagnoses if re.match(r"F1[0-9]", d.code))
        return (
            [*lines, f"{who}{where}; no session note in this range documents asking {asking}."],
            f"{who}, with {code.code} {code.description}, and no session note in this range asks {asking}: "
            "should it be assessed and documented?",
        )

    def status(self) -> list[str]:
        blocks = []
        if self.latest_prose is not None:
            n = self.progress[-1]
            now = [self.clean(s) for s in self.latest_prose.status if usable(s)]
            if now:
                blocks.append(f"As of {self.named(n)}: " + " ".join(now))
        elif self.progress:
            n = self.progress[-1]
            # what the goals already quote is not said again, unless the note says nothing else: then the
            # status says it itself rather than point to another section
            quoted = {self.clean(e.sentence) for e in self._evidence.values() if e and e.note is n}
            said = [x for x in self.said(n, limit=6) if x not in quoted][:2] or self.said(n)[:1]
            if said:
                which = "with a signed note " if self.contact.unsigned else ""  # later ones are unsigned
                line = f"At the most recent session {which}({n.note_date.isoformat()}): " + " ".join(said)
                # a goal's quote is flagged as carried forward where the goal quotes it, once
                line += self.copied(n) or next(filter(None, (self.carried(x, n) for x in said if x not in quoted)), "")
                blocks.append(line + (f" Observed: {observed}" if (observed := self.observed(n)) else ""))
        active = [d for d in self.sel.diagnoses if not d.resolved or d.resolved > self.sel.range.end]
        if active and len(active) < len(self.sel.diagnoses):  # else the Diagnoses section has said it
            blocks.append(
                "Active diagnoses at the end of the range: "
                + "; ".join(f"{d.code} {d.description}" for d in active)
                + "."
            )
        if self.discharge_note:
            if (self.sel.range.end - self.discharge_note.note_date).days > 31:
                blocks.append(
                    f"Discharged on {self.discharge_note.note_date.isoformat()}; no later session is "
                    f"documented through {self.sel.range.end.isoformat()}."
                )
        elif (
            self.progress and self.kind != "transfer" and not self.contact.lapsed
        ):  # said first, or in the transfer list
            dated = bool(blocks) and blocks[0].startswith("At the most recent session (")
            if dated and (rest := self.contact.sentence(dated=False)):  # the session's date is said just above
                blocks[0] += " " + rest
            elif not dated:
                blocks.append(self.contact.sentence())
        return blocks

    def carried(self, sentence: str, note: Note) -> str:
        """When a quoted sentence of `note` is word for word in four notes or more up to it: a line that may be
        carried forward from note to note rather than current, said so a reader checks it."""

        def key(x: str) -> str:  # "Sam describes" masked is "The client describes": the same words
            return re.sub(r"^(?:the )?client ", "", re.sub(r"\W+", " ", x.lower()).strip())

        said = {key(x) for x in sentences(sentence)}  # a quote of two sentences is carried when both are
        run = [
            n
            for n in self.progress
            if n.note_date <= note.note_date and said <= {key(self.clean(x)) for x in note_sentences(n)}
        ]
        if len(run) < course.CARRIED_NOTES:
            return ""
        return (
            f" The same words are in {len(run)} notes since {run[0].note_date.isoformat()}: possibly carried forward."
        )

    def copied(self, note: Note) -> str:
        """When the latest note's report is word for word the report of earlier notes: a line that may
        be carried forward rather than current, said so a reader confirms it."""
        key = lambda n: [re.sub(r"\W+", " ", x.lower()) for x in self.said(n)]  # noqa: E731
        mine, run = key(note), []
        for n in reversed(self.progress[:-1]):  # the unbroken run of notes before it that say the same
            if not mine or key(n) != mine:
                break
            run.append(n)
        if len(run) < 2:
            return ""
        return (
            f" The notes since {run[-1].note_date.isoformat()} report this in the same words: it may be carried "
            "forward from note to note; confirm it describes the client now."
        )

    def recommendations(self) -> list[str]:
        blocks = []
        if self.discharge_note:
            plan = [self.clean(s) for s in note_sections(self.discharge_note)["plan"] if usable(s)]
            blocks.append(f"Discharge plan ({self.discharge_note.note_date.isoformat()}): " + " ".join(plan))
        elif self.latest_prose is not None:
            n = self.progress[-1]
            plan = [self.clean(s) for s in self.latest_prose.plan if usable(s)]
            if plan:
                blocks.append(f"Plan in {self.named(n)}:\n" + "\n".join(f"- {x}" for x in plan))
        elif self.progress:
            n = self.progress[-1]
            plan = [self.clean(s) for s in note_sections(n)["plan"] if usable(s)]
            if plan:
                blocks.append(f"Plan at the most recent session ({n.note_date.isoformat()}): " + " ".join(plan))
        pending = self.pending_tests()
        if pending:
            blocks.append("Tests the notes follow up, with no result on file:\n" + "\n".join(pending))
        open_items = self.themes()[1]
        if open_items:
            blocks.append(
                "Open items from the session notes (planned sessions with others, coming stressors):\n"
                + "\n".join(open_items)
            )
        if self.kind == "consultation":
            qs = self.questions() or self.default_questions()
            blocks.append(
                "Questions for the consultation, from the course of care, most pressing first:\n"
                + "\n".join(f"{i}. {q}" for i, q in enumerate(qs[:PRESSING], 1))
            )
            if qs[PRESSING:]:
                blocks.append("Also open in the course of care:\n" + "\n".join(f"- {q}" for q in qs[PRESSING:]))
        elif self.kind == "transfer":
            blocks.append("For the receiving provider:\n" + "\n".join(f"- {x}" for x in self.handover()))
            if qs := self.course_questions():
                blocks.append(
                    "Questions the course of care leaves open, for the receiving provider:\n"
                    + "\n".join(f"- {q}" for q in qs)
                )
        elif self.kind == "discharge":
            blocks += self.discharge()
            withdrawal = [q for q in (self.withdrawal_question(),) if q]  # a medical question, before the rest
            if not self.discharge_note and (qs := withdrawal + self.course_questions()):  # what closing must settle
                blocks.append(
                    "Questions the course of care leaves open, to settle before the case is closed:\n"
                    + "\n".join(f"- {q}" for q in qs)
                )
        return blocks

    def handover(self) -> list[str]:
        items = []
        meds = sorted({m.name for m in self.sel.medications})
        stated = self.stated_medications()
        if meds:
            items.append("Medications on file: " + ", ".join(meds) + ".")
        elif stated:
            items.append(  # "on file" would claim a prescription the chart does not have
                "No prescription is on file for this range; the notes state: "
                + "; ".join(x.rstrip(".") for _, x in stated)
                + ". Confirm with the client and prescriber."
            )
        elif told := self.intake_medications():
            intake, said = told
            items.append(
                f"No prescription is on file for this range; the intake ({intake.note_date.isoformat()}) "
                f"records: {' '.join(said)} Confirm current medications with the client and prescriber."
            )
        elif coordinated := self.prescriber_coordination():
            items.append(f"{coordinated} Confirm the current medication with the client and the prescriber.")
        else:
            items.append("No medications are on file for this range; confirm with the client and prescriber.")
        closed = self.discharge_note and self.discharge_note is self.progress[-1]
        # a case closed more than a month before the range ends is no active care to hand over
        old_case = bool(closed and (self.sel.range.end - self.discharge_note.note_date).days > 31)
        items.append(
            f"Discharged at a planned discharge session on {self.discharge_note.note_date.isoformat()}; no later "
            "session is documented"
            + (
                f" through {self.sel.range.end.isoformat()}: there is no active care to transfer, and a new contact "
                "is a re-assessment."
                if old_case
                else "."
            )
            if closed
            else self.contact.sentence()
        )
        r = self.risk_picture
        if r.any_event or r.safety_plan:
            items.append(
                "Review the risk history and the written safety plan at the first appointment"
                + (f" (safety plan last documented {r.safety_plan[-1].day})" if r.safety_plan else "")
                + "."
            )
        open_goals = [g.goal for g in self.goal_now if self.unmet(g)]
        if open_goals:
            items.append("Goals not met at transfer: " + "; ".join(open_goals) + ".")
        if rescreen := self.needs_rescreen():
            items.append(rescreen)
        if q := self.withdrawal_question():
            items.append(q)
        if stepped := self.frequency_question():
            items.append(f"{stepped}: review the session frequency.")
        quiet = self.silent_goals()
        if quiet:
            items.append("Goals no recent note reports on, to ask about: " + "; ".join(quiet) + ".")
        if self.measures and (self.lapsed or old_case):
            items.append(
                "At the first contact, repeat "
                + ", ".join(m.instrument for m in self.measures)
                + " and a risk screen: the latest were given before "
                + ("care lapsed (" if self.lapsed else "the discharge (")
                + ", ".join(f"{m.instrument} {m.latest.administered_on.isoformat()}" for m in self.measures)
                + ")."
            )
        elif self.measures:
            items.append(
                "Continue measurement-based care with "
                + ", ".join(f"{m.instrument} (latest {m.latest.administered_on.isoformat()})" for m in self.measures)
                + "."
            )
        return items

    def discharge(self) -> list[str]:
        blocks = [x for x in (self.discharge_reason(),) if x]
        goals = self.goal_now + self.goal_earlier
        if goals:  # each goal's status is under Treatment goals: here, the tally over every plan version
            met = [g for g in goals if met_for_good(g)]
            scored = [g for g in goals if g.status != "not measurable"]
            short = [g.goal for g in goals if g.status == "not measurable" and self.unmet(g)]
            unmet = [g.goal for g in scored if g not in met and g.status != course.NOT_ASSESSED]
            blocks.append(
                (
                    ("Goals met by their score criterion: " + "; ".join(g.goal for g in met) + "." if met else "")
                    + (
                        (" Not met by it: " if met else "Goals not met by their score criterion: ")
                        + "; ".join(unmet)
                        + "."
                        if unmet
                        else ""
                    )
                    + (
                        " No score since it was set: "
                        + "; ".join(g.goal for g in scored if g.status == course.NOT_ASSESSED)
                        + "."
                        if any(g.status == course.NOT_ASSESSED for g in scored)
                        else ""
                    )
                    if scored
                    else "No goal of the plans of this range has a score criterion: each is judged from the notes "
                    "(see Treatment goals)."
                ).strip()
                + (f" Short of its count at the latest note about it: {'; '.join(short)}." if short else "")
            )
        if disagree := self.goals_said_met_against_scores():
            blocks.append(disagree)
        if status := self.diagnosis_at_discharge():
            blocks.append(status)
        attendance = f"Attendance: {plural(len(self.progress), 'session')} with signed progress notes"
        if self.sel.unsigned_on:
            attendance += f", {plural(len(self.sel.unsigned_on), 'session')} with unsigned ones (not used)"
        attendance += " in this range."
        if self.lapsed:
            attendance += (
                f" There was no planned discharge session: the last session was on "
                f"{self.contact.seen.isoformat()} and care appears to have lapsed (dropout)."
                if self.contact.seen
                else ""
            )
        blocks.append(attendance)
        dropped = self.lapsed or (len(self.contact.missed) >= 3 and not self.discharge_note)
        if dropped:
            blocks.append(
                "Aftercare: no discharge session or aftercare plan is documented in this range; "
                "outreach to the client and an aftercare plan are needed before closing the case."
            )
        elif not self.discharge_note and self.contact.seen:  # still attending (discharge_reason said any dropout)
            blocks.append(
                f"No discharge is documented: the last session was on {self.contact.seen.isoformat()}"
                + (f" and the next was planned for about {self.contact.due.isoformat()}" if self.contact.due else "")
                + ". Closing the case needs a planned discharge session and an aftercare plan."
                + self.scores_ask()
            )
        return blocks

    def scores_ask(self, numbers: bool = True) -> str:
        """What the scores ask of a case still open when a discharge is drafted: no measure that never fell below its
        cut-off, none that worsened, or else a change of treatment rather than discharge. Without the numbers in the
        brief, whose next sentences give them with their dates."""
        stuck = [m.instrument for m in self.measures if self.episodes[m.instrument].never_responded]
        if stuck:
            return (
                f" {' and '.join(stuck)} {'has' if len(stuck) == 1 else 'have'} not fallen below the cut-off "
                "since the first administration: a change of treatment, not discharge, is what the scores ask."
            )
        worse = [
            f"{m.instrument} ({lo.total_score} to {hi.total_score})"
            for m in self.worsened
            for lo, hi in [m.relapse or (m.first, m.latest)]
        ]
        if worse and not numbers:  # a relapse is no worsening from first to latest: the spans are below
            return (
                " As the scores below show, a change of treatment, its intensity or the level of care, not discharge, "
                "is what they ask."
            )
        if worse:
            return (
                f" {' and '.join(worse)} worsened over this range: a change of treatment, its intensity or the level "
                "of care, not discharge, is what the scores ask."
            )
        return ""

    def goals_said_met_against_scores(self) -> str | None:
        """The discharge note says the goals are met while a goal of the current plan, by its own score
        criterion, is not: the two a supervisor reconciles before a discharge summary is signed."""
        n = self.discharge_note
        said = first(s for s in note_sentences(n) if GOALS_MET.search(s) and not GOALS_NOT_MET.search(s)) if n else None
        if n is None or said is None:
            return None
        short = [
            g
            for g in self.goal_now
            if g.evidence and g.status not in ("not measurable", course.NOT_ASSESSED) and not met_for_good(g)
        ]  # fmt: skip
        if not short:
            return None
        g, a = short[0], short[0].evidence[-1]
        return (
            f"The discharge note ({n.note_date.isoformat()}) records the goals as met ({self.clean(said).rstrip('.')}), "
            f"while the goal '{g.goal}' is not met by its score criterion ({a.instrument} {a.total_score} on "
            f"{a.administered_on.isoformat()}): reconcile the two before signing."
        )

    def discharge_reason(self) -> str | None:
        """Why the case ends, as the chart shows it (a planned discharge session, a lapse, a possible dropout),
        and the primary measure at the last contact: the first lines of a discharge summary. None while the
        client still attends (the summary then says no discharge is documented)."""
        seen, m = self.contact.seen, self.measures[0] if self.measures else None
        if self.discharge_note:
            reason = (
                f"Reason for discharge: a planned discharge session on {self.discharge_note.note_date.isoformat()}."
            )
        elif self.lapsed and seen:
            reason = (
                f"No discharge or closure is documented: no session is documented after {seen.isoformat()}, and care "
                "appears to have lapsed (lost to follow-up)."
            )
        elif len(self.contact.missed) >= 3 and seen:
            reason = (
                f"No discharge or closure is documented: the sessions due since {seen.isoformat()} have no note "
                "(a possible dropout)."
            )
        else:
            return None
        if m is not None and m.spec.cutoff is not None:
            a = m.latest
            side = "below" if a.total_score < m.spec.cutoff else "at or above"
            reason += (
                f" Condition at the last administration: {m.instrument} {a.total_score} ({a.severity}) on "
                f"{a.administered_on.isoformat()}, {side} the cut-off of {m.spec.cutoff}."
            )
        return reason

    def default_questions(self) -> list[str]:
        """When the course raises no flag: what the stage of treatment asks."""
        primary = self.measures[0] if self.measures else None
        cutoff = primary.spec.cutoff if primary else None
        if self.discharge_note:
            return [
                f"Treatment ended with a planned discharge session on {self.discharge_note.note_date.isoformat()}: "
                "is the aftercare plan in place, and what would bring the client back to care?"
            ]
        if primary and cutoff is not None and primary.latest.total_score < cutoff:
            return [
                f"{primary.instrument} is below the cut-off of {cutoff} ({primary.latest.total_score} on "
                f"{primary.latest.administered_on.isoformat()}) with no relapse or risk event in this range: is "
                "the client ready to step down in frequency or plan the end of treatment?"
            ]
        return [
            "No relapse, deterioration, unmet score goal or risk event stands out in this range: which goal "
            "should the consultation focus on?"
        ]

    def episode_scores(self, m: course.MeasureCourse) -> tuple[Assessment, ...]:
        """A measure's scores over the whole episode: those before the range, then those in it."""
        e = self.episodes.get(m.instrument)
        return tuple(e.whole.scores) if e else tuple(m.scores)

    @cached_property
    def planned_runs(self) -> list[tuple[date, int]]:
        """(first day, interval in days) of each run of sessions the notes planned at one interval, over the
        episode: the notes before the range that changed the frequency, then the sessions in it."""
        return [(n.note_date, days) for n, days in course.pacing((*self.sel.paced, *self.progress))]

    def frequency(self) -> str | None:
        """The session frequency the notes planned and the days it changed; and when the primary measure
        relapsed after a step-down while the frequency stayed down, that it did (a transfer of a short
        range otherwise loses how care was paced)."""
        runs, start = self.planned_runs, self.sel.range.start
        if not runs:
            return None
        if len(runs) == 1 and runs[0][0] >= start:
            text = f"Session frequency planned in the notes: {spacing(runs[0][1])} throughout this range."
        else:
            steps = [f"{spacing(d)} from {day.isoformat()}" for day, d in runs]
            if (before := sum(day < start for day, _ in runs)) == len(runs):
                steps[-1] += " (before this range) and throughout this range"
            elif before:
                steps[before - 1] += " (before this range)"
            text = "Session frequency planned in the notes: " + "; ".join(steps) + "."
        if held := self.held_through_relapse():
            text += f" {held}."
        return text

    def held_through_relapse(self) -> str | None:
        """'Sessions stayed every four weeks while PHQ-9 rose to 18 (2025-11-20)': the primary measure relapsed
        to or above its cut-off after sessions were spaced out, and no note brought them closer again."""
        m = self.measures[0] if self.measures else None
        if m is None or m.relapse is None or m.spec.cutoff is None or m.relapse[1].total_score < m.spec.cutoff:
            return None
        lo, peak = m.relapse
        runs = self.planned_runs
        at = [d for day, d in runs if day <= peak.administered_on]
        if len(at) < 2 or at[-1] <= min(at[:-1]):  # not spaced out before the peak
            return None
        closer = [day for day, d in runs if lo.administered_on < day <= peak.administered_on and d < at[-1]]
        if closer:
            return None
        return (
            f"Sessions stayed {spacing(at[-1])} while {m.instrument} rose from {lo.total_score} "
            f"({lo.administered_on.isoformat()}) to {peak.total_score} ({peak.administered_on.isoformat()})"
        )

    def frequency_question(self) -> str | None:
        """The last time the planned interval between sessions grew while the primary measure was at
        or above its cut-off: the step-down a supervisor asks about (a consultation) and a receiving
        provider reviews (a transfer). Not when the latest score, after it, is below the cut-off: the
        client improved at the lower frequency."""
        if not self.measures or self.measures[0].spec.cutoff is None:
            return None
        m = self.measures[0]
        if m.latest.total_score < m.spec.cutoff:
            return None
        runs = self.planned_runs
        steps = [(day, old, new) for (_, old), (day, new) in zip(runs, runs[1:]) if new > old]
        scores = self.episode_scores(m)
        for day, old, new in reversed(steps):
            score = course.score_on(scores, day)
            if score is not None and m.spec.cutoff is not None and score.total_score >= m.spec.cutoff:
                when = f"{day.isoformat()}, before this range," if day < self.sel.range.start else day.isoformat()
                return (
                    f"From {when} sessions were planned {spacing(new)} instead of {spacing(old)}, "
                    f"while {m.instrument} was {score.total_score} ({score.administered_on.isoformat()}), at or "
                    f"above the cut-off of {m.spec.cutoff}"
                )
        return None

    def diagnosis_at_discharge(self) -> str | None:
        """Diagnoses still coded active while the primary measure has stayed below its cut-off at the last
        administrations: the status a discharge summary records (the chart never updated it)."""
        told = self.still_coded_active()
        if told is None:
            return None
        codes, measured, caveat = told
        if caveat:
            return (
                f"Diagnosis status at discharge: {codes}, with no change of status in the chart, while {measured}; "
                f"{caveat}: record the status at discharge from the course of the attacks, if that is the clinical "
                "judgment."
            )
        return (
            f"Diagnosis status at discharge: {codes}, with no change of status in the chart, while {measured}: record "
            "the status at discharge (for example, in partial or full remission) if that is the clinical judgment."
        )

    def remission_question(self) -> str | None:
        """A consultation or transfer of a case closed with a planned discharge, its diagnosis still coded active
        while the primary measure stayed below its cut-off: the status nobody recorded."""
        closed = self.discharge_note is not None and self.discharge_note is self.progress[-1]
        told = self.still_coded_active() if closed and self.kind != "discharge" else None
        if told is None:
            return None
        codes, measured, caveat = told
        ended = f"Care ended with a planned discharge on {self.discharge_note.note_date.isoformat()}, and {codes}"
        if caveat:
            return (
                f"{ended}, while {measured}; {caveat}: is there evidence on the attacks themselves (their frequency, "
                "or a panic measure such as the Panic Disorder Severity Scale) to record the status by?"
            )
        return f"{ended}, while {measured}: should the status be recorded (for example, in partial or full remission)?"

    def still_coded_active(self) -> tuple[str, str, str] | None:
        """('F41.0 Panic disorder is coded active', 'GAD-7 was below the cut-off of 8 at every administration since
        2025-07-02 (latest 2 on 2026-04-22)') when the primary measure's disorder is still coded active and the
        measure was below its cut-off at the last two administrations or more; third, what the measure cannot show of
        a coded disorder it does not measure (GAD-7 and panic attacks), with the last note that speaks of them."""
        m = self.measures[0] if self.measures else None
        if m is None or m.spec.cutoff is None:
            return None
        end = self.sel.range.end
        measured = MEASURES_OF.get(m.instrument, ())  # a score speaks only for the disorder it measures
        active = [
            d for d in self.sel.diagnoses if d.code.startswith(measured) and not (d.resolved and d.resolved <= end)
        ]
        # counted over the episode: "the last four" of the range must not hide the nine since the client got better
        cutoff = m.spec.cutoff
        run = list(itertools.takewhile(lambda a: a.total_score < cutoff, reversed(self.episode_scores(m))))
        if not active or len(run) < 2 or len(m.scores) < 2:
            return None
        codes = "; ".join(f"{d.code} {d.description}" for d in active)
        caveat = ""
        for code, (what, words) in NOT_MEASURED_BY.get(m.instrument, {}).items():
            if any(d.code.startswith(code) for d in active):
                told = [n for n in self.progress if re.search(words, n.text, re.I)]
                caveat = f"{m.instrument} measures generalized anxiety, not {what}, and " + (
                    f"no session note of this range speaks of them after {told[-1].note_date.isoformat()}"
                    if told
                    else "no session note of this range speaks of them"
                )
        return (
            f"{codes} {'is' if len(active) == 1 else 'are'} coded active",
            f"{m.instrument} was below the cut-off of {m.spec.cutoff} at every administration since "
            f"{run[-1].administered_on.isoformat()} (latest {m.latest.total_score} on "
            f"{m.latest.administered_on.isoformat()})",
            caveat,
        )

    def diagnosis_questions(self) -> list[str]:
        """Where the coded diagnosis and the course disagree, the diagnosis a supervisor revisits: an adjustment
        disorder still coded long after onset (its symptoms are expected to resolve within six months once the
        stressor ends); harmful use of alcohol while the latest AUDIT is in the zone of possible dependence; an
        alcohol diagnosis closed in the range with no screen since it was made."""
        end, qs = self.sel.range.end, []
        audit = [a for a in self.sel.assessments if a.instrument == "AUDIT"]
        for d in self.sel.diagnoses:
            active = not d.resolved or d.resolved > end
            if d.code.startswith("F43.2") and active and (end - d.onset).days > 365:
                qs.append(
                    f"{d.code} {d.description} has been the diagnosis since {d.onset.isoformat()}, more than a year: "
                    "does it still fit, or does the course point to another diagnosis?"
                )
            if d.code.startswith("F10.1") and active and audit and audit[-1].total_score >= 20:
                a = audit[-1]
                qs.append(
                    f"{d.code} {d.description} is the diagnosis, while AUDIT was {a.total_score} "
                    f"({a.severity}) on {a.administered_on.isoformat()}: does the diagnosis still fit the severity the "
                    "score suggests"
                    + (
                        "?"
                        if self.withdrawal_question()
                        else ", and is withdrawal risk assessed before any reduction goal?"
                    )
                    + " For this zone the WHO AUDIT manual advises referral to a specialist for diagnostic evaluation "
                    "and treatment."
                )
            if active and "Z55" <= d.code[:3] <= "Z65" and self.progress and not self.worked_on_code(d):
                qs.append(
                    f"{d.code} {d.description} is coded (since {d.onset.isoformat()}), and no session note or plan "
                    "of this range speaks of it: is it a focus of treatment, or no longer a current problem?"
                )
            closed = d.resolved if d.resolved and d.resolved <= end else None  # none resolved before the range
            if d.code.startswith("F10") and closed and not [a for a in audit if a.administered_on >= d.onset]:
                qs.append(
                    f"{d.code} {d.description} was marked resolved on {closed.isoformat()}, with no AUDIT since "
                    f"the diagnosis ({d.onset.isoformat()}): on what was it closed, and is a re-screen (AUDIT-C) due?"
                )
        return qs

    def unaddressed(self, d) -> tuple[str, bool] | None:
        """A diagnosis beside the primary one, active at the end of the range, that no goal, problem or
        intervention of the range's plans addresses (depression coded for months with an alcohol-only plan):
        treated, or to be reviewed? With the course of the measure that tracks it, when one was given, and
        whether that measure's latest score is at or above its cut-off (the question is then more pressing)."""
        end = self.sel.range.end
        active = [x for x in self.sel.diagnoses if x.code.startswith("F") and not (x.resolved and x.resolved <= end)]
        words = next((w for prefix, w in ADDRESSED.items() if d.code.startswith(prefix)), None)
        if not words or not self.sel.plans or d not in active[1:]:
            return None
        plans = " ".join(x for p in self.sel.plans for x in (*p.problems, *p.goals, *p.objectives, *p.interventions))
        if re.search(words, plans, re.I):
            return None
        m = next((m for m in self.measures if d.code.startswith(MEASURES_OF.get(m.instrument, ()))), None)
        above = bool(m and m.spec.cutoff is not None and m.latest.total_score >= m.spec.cutoff)
        scores = (
            f"; {m.instrument} went from {m.first.total_score} ({m.first.administered_on.isoformat()}) to "
            f"{m.latest.total_score} ({m.latest.administered_on.isoformat()})"
            + (f", at or above the cut-off of {m.spec.cutoff}" if above else "")
            if m and len(m.scores) > 1
            else ""
        )
        return (
            f"{d.code} {d.description} is coded active (since {d.onset.isoformat()}), and no goal or intervention of "
            f"the treatment plans in this range addresses it{scores}: should it be treated, or the diagnosis reviewed?",
            above,
        )

    def item_risk_questions(self) -> list[str]:
        """An item answer that points to harm (blackouts, an injury, risk-taking) that no session note of the range
        speaks of: what happened is asked, so the risk assessment covers it (morning drinking: withdrawal_question)."""
        out = []
        for sig, hits in self.risk_picture.items:
            words = ITEM_WORDS.get(sig.name)
            if sig is risk.MORNING or not words or any(re.search(words, n.text, re.I) for n in self.progress):
                continue
            earlier = sig.hits(getattr(self.sel, "history", ()))  # a recurring answer, not a one-off
            since = f", and before this range since {earlier[0].administered_on.isoformat()}" if earlier else ""
            told = [sig.told(a) for a in hits[-2:]]
            peak = max(hits, key=lambda a: a.items[sig.index] if a.items else 0)  # the earliest of the highest
            if (
                peak not in hits[-2:]
                and peak.items
                and peak.items[sig.index] > max(a.items[sig.index] for a in hits[-2:] if a.items)
            ):
                told.insert(0, f"highest {sig.told(peak)}")
            latest = [a for a in self.sel.assessments if a.instrument == sig.instrument and a.items][-1:]
            if latest and latest[0] not in hits:  # where the answer stands now
                told.append(f"latest answer {sig.answer(latest[0])}, {latest[0].administered_on.isoformat()}")
            out.append(
                f"{sig.instrument} recorded {sig.name} ({'; '.join(told)}{since}), and no "
                "session note in this range speaks of it: what happened, and does the risk assessment cover it?"
            )
        return out

    def withdrawal_question(self) -> str | None:
        """Morning drinking weekly or more on the AUDIT, and no note of the range that speaks of withdrawal: the
        medical assessment a reduction in drinking needs first."""
        r = self.risk_picture
        if not r.morning or any(re.search(r"withdraw", n.text, re.I) for n in self.progress):
            return None
        a = r.morning[-1]
        intake = self.intake or self.earlier_intake
        history = first(  # "no history of complicated withdrawal": the history, not an assessment of the risk now
            clause.strip().rstrip(".")
            for s in (sentences(intake.text) if intake else [])
            for clause in s.split(":", 1)[-1].split(";")
            if re.search(r"withdraw", clause, re.I)
        )
        return (
            f"AUDIT recorded morning drinking {risk.MORNING.told(a)}, and "
            + (
                f"the intake ({intake.note_date.isoformat()}) records '{history}' but no session note since speaks of "
                if intake and history
                else "no session note in this range speaks of "
            )
            + "withdrawal: has withdrawal risk been assessed (a medical evaluation before any reduction)?"
        )

    def dependence_question(self) -> str | None:
        """AUDIT's dependence questions (4, 5 and 6) answered above 'never' at two administrations or more while the
        coded diagnosis is alcohol abuse (F10.1x): the WHO AUDIT manual (Babor et al., 2001) reads points on them as
        dependence present or beginning, which a diagnosis of abuse excludes."""
        end = self.sel.range.end
        abuse = first(
            d for d in self.sel.diagnoses if d.code.startswith("F10.1") and not (d.resolved and d.resolved <= end)
        )
        audit = first(m for m in self.measures if m.instrument == "AUDIT")
        if abuse is None or audit is None:
            return None
        scored = [a for a in self.episode_scores(audit) if a.items and len(a.items) >= 6]
        hits = risk.dependence_answers(scored)
        if len(hits) < 2:
            return None
        a, items = hits[-1], hits[-1].items or ()
        answers = "; ".join(
            f"{words}: {risk.FREQUENCIES[items[i]]}" for i, words in risk.DEPENDENCE_QUESTIONS if items[i]
        )
        how_often = (
            f"at all {len(scored)} administrations"
            if len(hits) == len(scored)
            else f"at {len(hits)} of {len(scored)} administrations"
        )
        return (
            f"AUDIT's three dependence questions were answered above never {how_often} since "
            f"{scored[0].administered_on.isoformat()} (on {a.administered_on.isoformat()}, {answers}), which the "
            "WHO AUDIT manual reads as dependence present or beginning, while the coded diagnosis is "
            f"{abuse.code} {abuse.description}: should alcohol dependence be assessed?"
        )

    def worked_on_code(self, d) -> bool:
        """Whether a session note or a plan of the range speaks of a psychosocial code's problem ('partner' of
        Z63.0): the intake's diagnostic impression, which only names it, does not count."""
        words = [w[:6] for w in re.findall(r"[a-z]{5,}", d.description.lower()) if w not in GENERIC_WORDS]
        said = " ".join(
            [n.text for n in self.progress]
            + [x for p in self.sel.plans for x in (*p.problems, *p.goals, *p.objectives, *p.interventions)]
        ).lower()
        return not words or any(w in said for w in words)

    def safety_plan_question(self) -> str | None:
        """A safety plan last documented three months or more before the latest session while the primary
        measure is still at or above its cut-off: a review is due."""
        r, m = self.risk_picture, self.measures[0] if self.measures else None
        if not r.safety_plan or not self.progress or m is None or m.spec.cutoff is None:
            return None
        last, latest = r.safety_plan[-1], self.progress[-1].note_date
        since = [a for a in m.scores if a.administered_on > last.note.note_date and a.total_score >= m.spec.cutoff]
        if (latest - last.note.note_date).days < 90 or not since:
            return None
        peak = max(since, key=lambda a: a.total_score)
        return (
            f"The safety plan was last documented on {last.day}, and since then, through the latest session on "
            f"{latest.isoformat()}, {m.instrument} was at or above the cut-off of {m.spec.cutoff} (up to "
            f"{peak.total_score} on {peak.administered_on.isoformat()}): is a review of the safety plan due?"
        )

    def prevention_during(self, day: date) -> str:
        """A relapse-prevention goal in force when the score peaked that no note reports on: said beside the
        relapse (a supervisor asks what became of the prevention plan)."""
        for g in self.goal_now + self.goal_earlier:
            in_force = (g.since is None or g.since <= day) and (g.until is None or day <= g.until)
            if PLAN_GOAL.search(g.goal) and "safety plan" not in g.goal.lower() and in_force:
                if self.note_evidence(g) is None:
                    return (
                        f" The goal '{g.goal}' was in the plan when it rose"
                        + (f" (set {g.since.isoformat()})" if g.since else "")
                        + ", and no note reports on it."
                    )
        return ""

    def goal_question(self) -> str | None:
        """Current goals no note of the range reports on, or none since three sessions: are they worked on?
        (Not asked once care ended in a discharge.)"""
        if self.discharge_note:
            return None
        quiet = [g.goal for g in self.goal_now if g.status == "not measurable" and self.note_evidence(g) is None]
        quiet += self.silent_goals()
        if self.safety_plan_question():  # the safety plan's review is asked on its own
            quiet = [g for g in quiet if "safety plan" not in g.lower()]
        if not quiet:
            return None
        if len(quiet) == 1:
            return f"No recent note reports on the goal {quiet[0]}: is it still being worked on?"
        return "No recent note reports on the goals " + "; ".join(quiet) + ": are they still being worked on?"

    def unchanged_since(self, day: date) -> str:
        """Plan renewals after a worsening that changed nothing the plan contains: said beside the
        question the worsening raises (a supervisor asks why the plan stayed the same)."""
        content = lambda p: (p.problems, p.goals, p.objectives, p.interventions)  # noqa: E731
        before = [p for p in self.sel.plans if p.effective_from <= day]
        after = [p for p in self.sel.plans if p.effective_from > day]
        if not before or not after or any(content(p) != content(before[-1]) for p in after):
            return ""
        days = ", ".join(p.effective_from.isoformat() for p in after)
        return (
            f" After {day.isoformat()}, the plan was renewed ({days}) without a change to its goals or interventions."
        )

    def questions(self) -> list[str]:
        """The consultation's questions, most pressing first: risk, then the primary measure's course, then
        the rest (a stable sort: in each rank, the order they are found)."""
        qs = self.ranked_course_questions()
        ask = lambda rank, q: qs.append((rank, q))  # noqa: E731
        r = self.risk_picture
        review = self.safety_plan_question()  # asks about the plan with its dates: the question below in full
        if r.events:
            ask(
                RISK_FIRST,
                f"A risk event is documented in this range ({r.events[-1].day}): is the current safety "
                "monitoring sufficient?",
            )
        elif r.earlier_events and review:
            review = f"A risk event was documented before this range ({r.earlier_events[-1].day}). {review}"
        elif r.earlier_events:
            ask(
                RISK_FIRST,
                f"A risk event was documented before this range ({r.earlier_events[-1].day}): is the safety "
                "plan still current?",
            )
        if review:
            ask(RISK_FIRST, review)
        if q := self.goal_question():
            ask(OTHER, q)
        if self.lapsed and self.contact.seen:
            ask(
                RISK_FIRST,
                f"No session since {self.contact.seen.isoformat()}: how should the team re-engage the client?",
            )
        if q := self.frequency_question():
            ask(SECONDARY, f"{q}: is the session frequency right?")
        elif held := self.held_through_relapse():
            ask(OTHER, f"{held}: what would bring sessions closer if the score rises again?")
        if rescreen := self.needs_rescreen():
            ask(OTHER, rescreen.removesuffix(": re-screen it (AUDIT-C).") + ": should it be re-screened (AUDIT-C)?")
        if q := self.withdrawal_question():
            ask(PRIMARY, q)
        if self.sel.excluded_count("unsigned"):
            ask(
                LAST,
                "Some progress notes in this range are unsigned and were not used; the summary may be "
                "incomplete until they are signed.",
            )
        return said_once([q for _, q in sorted(qs, key=lambda x: x[0])])

    def course_questions(self) -> list[str]:
        """What the course of care leaves open (a relapse, no response, a goal lost, a self-harm answer
        not followed up, the medication and the diagnosis): asked at a consultation and handed over at a
        transfer, where the receiving provider inherits them; most pressing first."""
        return said_once([q for _, q in sorted(self.ranked_course_questions(), key=lambda x: x[0])])

    def ranked_course_questions(self) -> list[tuple[int, str]]:
        """The course's questions, each with its rank (RISK_FIRST to LAST), in the order they are found."""
        qs: list[tuple[int, str]] = []
        ask = lambda rank, q: qs.append((rank, q))  # noqa: E731
        prescriber = self.medication_question()
        for m in self.measures:
            if len(m.scores) < 2 and not (m is self.measures[0] and self.episodes[m.instrument].never_responded):
                continue
            rank = PRIMARY if m is self.measures[0] else SECONDARY
            relapse = m.relapse
            rise = ""
            if relapse:
                lo, peak = relapse
                rise = (
                    f"{m.instrument} rose from {lo.total_score} ({lo.administered_on.isoformat()}) to "
                    f"{peak.total_score} ({peak.administered_on.isoformat()}) after improving"
                )
            if m is self.measures[0] and self.episodes[m.instrument].never_responded:  # not a relapse from response
                e = self.episodes[m.instrument].whole
                ask(
                    rank,
                    f"{m.instrument} has been at or above the cut-off of {m.spec.cutoff} at every administration "
                    f"since the first ({e.first.total_score} on {e.first.administered_on.isoformat()}; latest "
                    f"{e.latest.total_score} on {e.latest.administered_on.isoformat()}): after this long without "
                    "response, should the diagnosis, the treatment modality or its intensity change"
                    + (
                        ""
                        if self.sel.medications or prescriber  # the prescriber review is its own question
                        else ", and is a medication evaluation indicated (none is on file)"
                    )
                    + "?"
                    + (
                        f" Within this range, {rise}." + self.unchanged_since(relapse[1].administered_on)
                        if relapse
                        else ""
                    ),
                )
            elif relapse:
                # still at or above the cut-off after the relapse, with no medication on file: the other lever
                untreated = (
                    m is self.measures[0]
                    and m.spec.cutoff is not None
                    and m.latest.total_score >= m.spec.cutoff
                    and not (self.sel.medications or prescriber)
                )
                ask(
                    rank,
                    f"{rise}: what drove the relapse, and is the current plan addressing it?"
                    + self.unchanged_since(relapse[1].administered_on)
                    + self.prevention_during(relapse[1].administered_on)
                    + (
                        f" With {m.instrument} still at {m.latest.total_score} ({m.latest.administered_on.isoformat()}) "
                        "and no medication on file, is a medication evaluation indicated?"
                        if untreated
                        else ""
                    ),
                )
            elif m.change.direction == "worsened" and m.change.reliable:
                ask(
                    rank,
                    f"{m.instrument} shows reliable deterioration over the range ({m.first.total_score} to "
                    f"{m.latest.total_score}): what changes to the treatment approach should be considered?"
                    + self.unchanged_since(m.first.administered_on)
                    + self.uncoded_disorder(m),
                )
            elif (
                m.change.direction == "worsened" and m.change.reliable is None and m.first.severity != m.latest.severity
            ):
                # no reliable-change threshold (AUDIT): a rise into a higher zone is the deterioration
                ask(
                    rank,
                    f"{m.instrument} rose from {m.first.total_score} ({m.first.severity}, "
                    f"{m.first.administered_on.isoformat()}) to {m.latest.total_score} ({m.latest.severity}, "
                    f"{m.latest.administered_on.isoformat()}): what changes to the treatment approach, or to its "
                    "intensity, should be considered?" + self.unchanged_since(m.first.administered_on),
                )
            elif (
                m.change.reliable is False
                and m.spec.cutoff is not None
                # the primary measure at or above its cut-off; another one well above it, not at its edge
                and m.latest.total_score
                >= m.spec.cutoff + (0 if m is self.measures[0] else m.spec.reliable_change or 0)
            ):
                ask(
                    rank,
                    f"{m.instrument} is at {m.latest.total_score}, at or above the cut-off of {m.spec.cutoff}, "
                    "without reliable change over the range: is the current approach the right fit, or should "
                    "intensity or modality change?" + self.uncoded_disorder(m),
                )
        relapsed = {m.instrument for m in self.measures if m.relapse}
        for g in self.goal_now:
            if "not sustained" in g.status and not {a.instrument for a in g.evidence} & relapsed:
                ask(SECONDARY, f"The goal '{g.goal}' was met earlier but is not met at the latest score: what changed?")
        for q in self.item_risk_questions():
            ask(RISK_FIRST, q)
        r = self.risk_picture
        for a in r.self_harm:
            if r.unmatched(a):
                ask(  # a self-harm answer not followed up
                    RISK_FIRST,
                    f"{risk.said_self_harm(a)}, while the note of that day records a negative risk screening: "
                    "was the answer followed up, and is a structured risk assessment needed?",
                )
        if prescriber:
            ask(SECONDARY, prescriber)
        r = self.risk_picture
        held = [f for f in r.means if re.search(r"\bmedication|\bpills?\b|\btablets?\b", f.sentence, re.I)]
        if held and not self.sel.medications:
            ask(
                RISK_FIRST,
                f"The means-safety step of {held[-1].day} concerns medication at home ({held[-1].sentence.rstrip('.')}) "
                "while no prescription is on file: which medications does the client have access to?",
            )
        if dependence := self.dependence_question():
            ask(SECONDARY, dependence)
        for q in self.diagnosis_questions():
            ask(OTHER, q)
        if remission := self.remission_question():
            ask(OTHER, remission)
        for d in self.sel.diagnoses:
            if told := self.unaddressed(d):  # an untreated disorder whose measure is in the clinical range: sooner
                ask(SECONDARY if told[1] else OTHER, told[0])
        if work := self.substance_risk[1]:  # pressing when the items show impairment (blackouts, morning drinking)
            ask(RISK_FIRST if r.items else SECONDARY, work)
        if unmeasured := self.measure_question():
            ask(OTHER, unmeasured)
        if test := self.pending_test_question():
            ask(SECONDARY, test)
        return qs

    def uncoded_disorder(self, m: course.MeasureCourse) -> str:
        """A measure that rose to or above its cut-off while no diagnosis it tracks is coded (PHQ-9 from 7 to 14
        beside an alcohol diagnosis): the assessment the rise asks for."""
        if m.instrument not in DISORDER_OF or m is self.measures[0]:  # the primary measure's fit: measure_question
            return ""
        disorder, codes = DISORDER_OF[m.instrument]
        cutoff, end = m.spec.cutoff, self.sel.range.end
        active = [d for d in self.sel.diagnoses if not (d.resolved and d.resolved <= end)]
        if (
            not active
            or any(d.code.startswith(codes) for d in active)
            or cutoff is None
            or m.latest.total_score < cutoff
        ):
            return ""
        named = "; ".join(f"{d.code} {d.description}" for d in active)
        which = f"diagnosis ({named}) does" if len(active) == 1 else f"diagnoses ({named}) do"
        return f" The coded {which} not account for it: is an assessment for {disorder} indicated?"

    def measure_question(self) -> str | None:
        """The primary diagnosis (the first active F-code) is tracked by none of the measures given in the
        range (ADHD followed only with GAD-7): the course the scores tell is not that of the diagnosis."""
        given = {m.instrument for m in self.measures}
        end = self.sel.range.end
        active = [d for d in self.sel.diagnoses if d.code.startswith("F") and not (d.resolved and d.resolved <= end)]
        if not given or not active:
            return None
        d = active[0]
        tracked = any(d.code.startswith(MEASURES_OF.get(i, ())) for i in given)
        known = d.code.startswith(tuple(c for codes in MEASURES_OF.values() for c in codes) + UNMEASURED)
        if tracked or not known:
            return None
        return (
            f"{d.code} {d.description} is the diagnosis, and the measures given in this range "
            f"({', '.join(sorted(given))}) do not track it: is a measure of it indicated?"
        )


# -- Update (refine) ----------------------------------------------------------------------------------


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """(heading line or '', blocks) in order."""
    out: list[tuple[str, list[str]]] = [("", [])]
    for block in paragraphs(text):
        if block.startswith("## "):
            out.append((block, []))
        else:
            out[-1][1].append(block)
    return [s for s in out if s[0] or s[1]]


def _join(sections: list[tuple[str, list[str]]]) -> str:
    return "\n\n".join("\n\n".join(([h] if h else []) + blocks) for h, blocks in sections) + "\n"


def _is_structured(block: str) -> bool:
    """Tables, lists (also a list led by one line of text) and headings."""
    return block.startswith(("|", "#")) or any(re.match(r"^(?:- |\d+\. )", line) for line in block.splitlines())


def refine_text(sel: Selection, current: str, instruction: str) -> str:
    """Apply one of the documented instructions to the clinician's current text (their edits kept)."""
    wanted = instruction.strip().lower().rstrip(".!")
    sections = _sections(current)
    if wanted in ("shorter", "make it shorter", "more concise", "concise", "shorten"):
        out = []
        for heading, blocks in sections:
            if heading in keep.WHOLE:  # risk and safety is never shortened
                out.append((heading, blocks))
                continue
            kept = []
            for b in blocks:
                if b.startswith("|") or (heading == keep.GOALS_HEADING and keep.GOAL_LINE.match(b.split("\n")[0])):
                    kept.append(b)  # the scores table, and the current goals, whole
                elif _is_structured(b):
                    kept.append("\n".join(b.splitlines()[:3]))
                else:
                    kept.append(first(sentences(b), b))
            out.append((heading, kept[:2] if heading else kept))
        return _join(out)
    if wanted in ("more detail", "more detailed", "longer", "expand", "add detail"):
        w = Writer(sel)
        lines = []
        for n in sel.progress_notes:
            said = w.said(n, 1)
            if said:
                lines.append(f"- {n.note_date.isoformat()}: {said[0]}")
        if not lines:
            raise RefineNotSupported("There are no further session details in the sources to add. " + REFINE_HELP)
        sections = [s for s in sections if s[0] != "## Session highlights"]
        return _join(sections + [("## Session highlights", ["\n".join(lines)])])
    if wanted in ("bullet points", "bullets", "use bullet points", "as bullet points"):

        def bullets(block: str) -> str:
            return "\n".join(
                line if re.match(r"^(?:- |\||#|\d+\. )", line) else "\n".join(f"- {s}" for s in sentences(line))
                for line in block.splitlines()
            )

        out = [(h, [bullets(b) for b in blocks]) for h, blocks in sections]
        return _join(out)
    if wanted in ("paragraphs", "prose", "as paragraphs"):
        out = [
            (h, [" ".join(line[2:] for line in b.splitlines()) if b.startswith("- ") else b for b in blocks])
            for h, blocks in sections
        ]
        return _join(out)
    m = re.match(r"^(?:focus on|emphasi[sz]e)\s+(?:the\s+)?(.+?)(?:\s+section)?$", wanted)
    if m:
        target = m.group(1)
        match = [i for i, (h, _) in enumerate(sections) if target in h.lower()]
        if not match:
            names = ", ".join(h[3:].lower() for h, _ in sections if h)
            raise RefineNotSupported(f"There is no section matching '{target}' in the draft. Sections: {names}.")
        i = match[0]
        head, blocks = sections.pop(i)
        if not head.endswith("(focus)"):
            head = f"{head} (focus)"
        insert_at = 1 if sections and sections[0][0] == "## Identifying context" else 0
        sections.insert(insert_at, (head, blocks))
        return _join(sections)
    raise RefineNotSupported(f"The rule-based engine cannot follow '{instruction.strip()}'. " + REFINE_HELP)
