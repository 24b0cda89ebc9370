"""Risk and safety as documented: events, the safety plan and means-safety steps, the latest
screening, intimate-partner violence screens and controlled medications, read from signed notes,
scores and prescriptions (those of the range, and the risk history carried into it).

A sentence is a risk event only when it reports a finding ("disclosed", "positive for", an
attempt); a denial or a negative screen is a screening result, never an event. What is not
documented is said to be not documented, never that it did not happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .models import Assessment, Medication, Note
from .prose import statements_of

TOPIC = re.compile(
    r"suicid|\bSI\b|SI/HI|self-harm|self harm|safety plan|C-SSRS|homicid|overdos|\battempt(?:ed)? suicide|"
    r"means[- ]safety|means restriction|firearm|holding (?:extra |the )?medication|involuntary|72-hour hold|"
    r"intimate partner|partner violence|domestic (?:violence|abuse)|(?<![\d-])988(?![\d-])",
    re.I,
)
# The same topics for the database's RE2 engine (no look-behind): a superset, read again with TOPIC.
TOPIC_SQL = (
    r"suicid|\bSI\b|SI/HI|self-harm|self harm|safety plan|C-SSRS|homicid|overdos|attempt|means[- ]safety|"
    r"means restriction|firearm|holding (?:extra |the )?medication|involuntary|hold|intimate partner|"
    r"partner violence|domestic|988"
)
POSITIVE = re.compile(
    r"\bdisclos|\bendorse|positive for|\breports? (?:passive |active )?(?:suicidal|homicidal)|\bsuicide attempt|"
    r"\battempted suicide|\boverdos|\bself-harm(?:ed)? (?:by|with|on)|\bcut (?:her|him|them)self|"
    r"involuntar(?:y|ily) (?:\w+ )?(?:hold|admi|commit|detain|detention|treatment|stay|court|basis|status)|"
    r"72-hour hold|\b(?:hit|pushed|choked|threatened) (?:by|the client)|afraid of (?:her|his|their) partner",
    re.I,
)
SAFETY_PLAN = re.compile(r"safety plan", re.I)
FAMILY = re.compile(r"^Family\b[^:]{0,40}:")  # a relative's history, as core.prose labels it: not the client's
# A statement that opens with a denial ("She denies previous suicide attempts"): a screening result.
DENIAL = re.compile(
    r"^(?:[A-Z][\w/ ]{0,40}: )?(?:(?:the )?(?:patient|client|she|he|they) )?"
    r"(?:denie[sd]|denying|never|has never|had no|no (?:history|prior|previous|past))\b",
    re.I,
)
MEANS = re.compile(r"means[- ]safety|means restriction|holding (?:extra |the )?medication|firearm|locked away", re.I)
CONTROLLED = re.compile(
    r"oxycodone|hydrocodone|morphine|fentanyl|tramadol|codeine|methadone|buprenorphine|tapentadol|hydromorphone|"
    r"meperidine|alprazolam|clonazepam|lorazepam|diazepam|temazepam|zolpidem|amphetamine|methylphenidate",
    re.I,
)


SELF_HARM_ITEM = 8  # PHQ-9 item 9, 0-based: "thoughts that you would be better off dead, or of hurting yourself"
SELF_HARM_WORDS = "thoughts of being better off dead or of self-harm"
ANSWERS = ("not at all", "several days", "more than half the days", "nearly every day")
NEGATIVE_SCREEN = re.compile(r"\bnegative\b|\bdenie[sd]\b|\bno safety concerns\b", re.I)


FREQUENCIES = ("never", "less than monthly", "monthly", "weekly", "daily or almost daily")  # AUDIT questions 3-8
YES_IN_YEAR = ("no", "", "yes, but not in the last year", "", "yes, during the last year")  # AUDIT questions 9-10
PCL_ANSWERS = ("not at all", "a little bit", "moderately", "quite a bit", "extremely")


@dataclass(frozen=True)
class ItemSignal:
    """One questionnaire item whose answer points to a risk whatever the total, by the instrument's own guide."""

    instrument: str
    index: int  # 0-based
    at_least: int
    name: str  # what it is called in a brief: "morning drinking"
    words: str  # what the item asks, shortened
    answers: tuple[str, ...]
    meaning: str

    def hits(self, assessments) -> tuple[Assessment, ...]:
        return tuple(
            a
            for a in assessments
            if a.instrument == self.instrument and a.items and len(a.items) > self.index
            and a.items[self.index] >= self.at_least
        )  # fmt: skip

    def answer(self, a: Assessment) -> str:
        return self.answers[a.items[self.index] if a.items else 0]

    def told(self, a: Assessment) -> str:
        """'daily or almost daily on 2026-04-23': an answer with its words and date."""
        return f"{self.answer(a)} on {a.administered_on.isoformat()}"


DRINKING = (
    "never",
    "monthly or less",
    "two to four times a month",
    "two or three times a week",
    "four or more times a week",
)


def implausible_morning(a: Assessment) -> str | None:
    """A morning-drinking answer more frequent than the AUDIT's own first question says the client drinks at all
    (daily morning drinking, drinking on fewer than four days a week): the answers need checking before they drive
    a conclusion. The first question's words, or None."""
    if not a.items or len(a.items) <= MORNING.index:
        return None
    often, morning = a.items[0], a.items[MORNING.index]
    if (morning == 4 and often < 4) or (morning == 3 and often < 2):
        return DRINKING[often]
    return None


# The WHO AUDIT manual (Babor et al., 2001): answers on the dependence questions (4-6), weekly or daily above all,
# point to dependence; answers on the harm questions (7-10) to harm already experienced. PCL-5 item 16 (DSM-5
# criterion E2) asks about reckless or self-destructive behavior.
DEPENDENCE_QUESTIONS = (  # AUDIT questions 4-6 (0-based), shortened: impaired control, salience, morning drinking
    (3, "unable to stop once started"),
    (4, "failed to do what was expected because of drinking"),
    (5, "a first drink in the morning"),
)


def dependence_answers(assessments) -> tuple[Assessment, ...]:
    """The AUDIT administrations with an answer above 'never' on a dependence question (4, 5 or 6)."""
    return tuple(
        a
        for a in assessments
        if a.instrument == "AUDIT"
        and a.items
        and len(a.items) >= 6
        and any(a.items[i] for i, _ in DEPENDENCE_QUESTIONS)
    )


MORNING = ItemSignal(
    "AUDIT", 5, 3, "morning drinking", "a first drink in the morning after heavy drinking", FREQUENCIES,
    "a sign of possible alcohol dependence, and of withdrawal risk, whatever the total (WHO AUDIT manual)",
)  # fmt: skip
ITEM_SIGNALS = (
    MORNING,
    ItemSignal(
        "AUDIT", 7, 3, "blackouts", "unable to remember the night before because of drinking", FREQUENCIES,
        "alcohol-related harm (WHO AUDIT manual)",
    ),
    ItemSignal(
        "AUDIT", 8, 4, "an alcohol-related injury", "self or someone else injured because of the drinking", YES_IN_YEAR,
        "alcohol-related harm in the last year (WHO AUDIT manual)",
    ),
    ItemSignal(
        "PCL-5", 15, 3, "risk-taking", "taking too many risks or doing things that could cause harm", PCL_ANSWERS,
        "reckless or self-destructive behavior (DSM-5 PTSD criterion E2)",
    ),
)  # fmt: skip


def self_harm_answer(a: Assessment) -> int | None:
    """The PHQ-9 item 9 answer of an administration (None without item answers)."""
    if a.instrument != "PHQ-9" or not a.items or len(a.items) <= SELF_HARM_ITEM:
        return None
    return a.items[SELF_HARM_ITEM]


def self_harm_positive(assessments) -> tuple[Assessment, ...]:
    """PHQ-9 administrations whose item 9 is above 0: a positive self-harm screen, whatever the total."""
    return tuple(a for a in assessments if (self_harm_answer(a) or 0) > 0)


def self_harm_told(a: Assessment) -> str:
    """'1 (several days) on 2025-11-19': an item 9 answer with its words and date."""
    answer = self_harm_answer(a) or 0
    return f"{answer} ({ANSWERS[answer]}) on {a.administered_on.isoformat()}"


def said_self_harm(a: Assessment) -> str:
    return f"PHQ-9 item 9 ({SELF_HARM_WORDS}) {self_harm_told(a)}"


@dataclass(frozen=True)
class Finding:
    note: Note
    sentence: str

    @property
    def day(self) -> str:
        return self.note.note_date.isoformat()


@dataclass(frozen=True)
class RiskPicture:
    events: tuple[Finding, ...]  # positive findings in range
    earlier_events: tuple[Finding, ...]  # positive findings before the range (carried forward)
    safety_plan: tuple[Finding, ...]  # every safety-plan mention, oldest first (range and before)
    means: tuple[Finding, ...]  # means-safety steps
    latest_screen: Finding | None  # the most recent risk sentence in range
    screens: tuple[Finding, ...]  # every risk sentence of the client in range
    ipv_screens: tuple[Assessment, ...]  # HARK administrations in range
    self_harm: tuple[Assessment, ...]  # PHQ-9 administrations in range with item 9 above 0
    controlled: tuple[Medication, ...]  # controlled medications on file in range
    items: tuple[tuple[ItemSignal, tuple[Assessment, ...]], ...] = ()  # item answers in range pointing to risk

    @property
    def morning(self) -> tuple[Assessment, ...]:
        return next((hits for sig, hits in self.items if sig is MORNING), ())

    @property
    def any_event(self) -> bool:
        return bool(
            self.events or self.earlier_events or self.self_harm or any(a.total_score >= 1 for a in self.ipv_screens)
        )

    def unmatched(self, a: Assessment) -> Finding | None:
        """The same day's risk statement when it records a negative screen beside a positive item 9: the
        questionnaire and the note disagree."""
        said = [f for f in self.screens if f.day == a.administered_on.isoformat()]
        if said and not any(POSITIVE.search(f.sentence) for f in said):
            return next((f for f in said if NEGATIVE_SCREEN.search(f.sentence)), None)
        return None

    @property
    def documented(self) -> bool:
        return bool(
            self.any_event
            or self.safety_plan
            or self.means
            or self.latest_screen
            or self.ipv_screens
            or self.self_harm
            or self.controlled
            or self.items
        )


def _findings(notes: tuple[Note, ...] | list[Note], clean) -> list[Finding]:
    return [Finding(n, clean(s)) for n in notes for s in _on_topic(n.text)]


@lru_cache(maxsize=8192)
def _on_topic(text: str) -> tuple[str, ...]:
    """The statements of a note on risk or safety: every check and both engines read the same notes
    again, and chart text never changes."""
    return tuple(s for s in statements_of(text) if TOPIC.search(s))


def picture(
    notes: tuple[Note, ...],
    earlier: tuple[Note, ...],
    assessments: tuple[Assessment, ...],
    medications: tuple[Medication, ...],
    clean=lambda s: s,
) -> RiskPicture:
    """Risk as documented in the range's notes, with the risk history of `earlier` (notes before
    the range that the selection carried forward)."""
    now, before = _findings(notes, clean), _findings(earlier, clean)
    own = [f for f in now if not FAMILY.match(f.sentence)]
    event = lambda f: POSITIVE.search(f.sentence) and not DENIAL.match(f.sentence)  # noqa: E731
    return RiskPicture(
        events=tuple(f for f in own if event(f)),
        earlier_events=tuple(f for f in before if event(f) and not FAMILY.match(f.sentence)),
        safety_plan=tuple(f for f in before + now if SAFETY_PLAN.search(f.sentence)),
        means=tuple(f for f in before + now if MEANS.search(f.sentence)),
        latest_screen=own[-1] if own else None,
        screens=tuple(own),
        ipv_screens=tuple(a for a in assessments if a.instrument == "HARK"),
        self_harm=self_harm_positive(assessments),
        controlled=tuple(m for m in medications if CONTROLLED.search(m.name)),
        items=tuple((sig, hits) for sig in ITEM_SIGNALS if (hits := sig.hits(assessments))),
    )


def carries_risk(note: Note) -> bool:
    """Whether a note before the range belongs to the risk history a summary must carry forward."""
    return any(
        POSITIVE.search(s) or SAFETY_PLAN.search(s) or MEANS.search(s)
        for s in statements_of(note.text)
        if TOPIC.search(s)
    )
