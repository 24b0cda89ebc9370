"""Clinical prose as practices write it: the sections of common note layouts (H&P, psychiatric
evaluation, consult, discharge summary, SOAP / DAP / BIRP) found by their headers, and what a
summary needs from them, each statement kept verbatim with the header it came under.

Headers are recognized written in capitals inline ("... noted.,PLAN: , The patient ..." is how a
line break reads once an export flattened it), at the start of a line in capitals or in title case
from the vocabulary below ("Chief Complaint:"), as Markdown headings, and as the single letters of
SOAP / DAP / BIRP. A header is never a statement: nothing here returns one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import CAPS, clean, joined_lines, sentences

INLINE_CAPS = re.compile(rf"(?<=[.,;:!?\"')])\s*(?={CAPS}\s*:)")
# A header of the vocabulary written without its colon, between flattened line breaks ("30.,PLAN,1.").
BARE_CAPS = re.compile(rf"(?<=[.:,])\s*({CAPS})\s*,(?=\s*(?:\d{{1,2}}\.\s|[A-Z][a-z]))")
# A line in capitals with no colon, a title ("DISCHARGE SUMMARY", "A. DECISION TO DONATE").
TITLE_CAPS = re.compile(r"^\s*(?:[A-Z0-9]{1,2}[.)]\s+)?([A-Z][A-Z/&'()\- ]{2,60}[A-Z)])\s*:?\s*$")
CAPS_LINE = re.compile(rf"^\s*({CAPS})\s*:\s*,?\s*(.*)$")
TITLE_LINE = re.compile(r"^\s*([A-Z][A-Za-z/&'()\- ]{1,60}?)\s*:\s*(.*)$")
MARKDOWN = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
LETTER = re.compile(r"^\s*([SOAPDBIR])\s*:\s*(.*)$")
ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+(.*)$")
LETTER_KIND = {
    "S": "history",
    "D": "history",
    "B": "history",
    "O": "objective",
    "A": "assessment",
    "I": "intervention",
    "R": "response",
    "P": "plan",
}
# Header words -> what the section holds; a header may hold several ("Assessment and Plan").
# Order matters only for readability: every pattern that matches adds its kind.
VOCABULARY: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        ("identifying", r"identif|demographic"),
        (
            "complaint",
            r"chief complaint|^cc$|reason for (?:consult|referral|visit|evaluation|admission|assessment)|"
            r"presenting (?:problem|complaint|concern)|referral (?:question|reason|information)|^referral$",
        ),
        ("history", r"history of (?:the )?present|present illness|^hpi$|subjective|^data$|interval history|^behavior"),
        ("past_psychiatric", r"psychiatric history|past psych"),
        ("family", r"family"),
        ("history_other", r"^(?!.*present).*(?:history|background)"),
        ("substance", r"substance|alcohol|drug (?:use|abuse|history)|chemical|addiction"),
        ("medications", r"medication|\bmeds\b|prescri|pharmac"),
        ("allergies", r"allerg"),
        ("mental_status", r"mental status|^mse$"),
        ("objective", r"objective|exam|vital|review of systems|^ros$|\blabs?\b|laborator|results|tests?\b|testing"),
        ("risk", r"\brisk\b|safety|suicid|danger"),
        ("diagnoses", r"diagnos|^axis i{1,2}$|^dx$"),
        ("axis_other", r"^axis (?:iii|iv|v)$"),
        ("assessment", r"assessment|impression|formulation|summary|conclusion|opinion|^a/p$"),
        (
            "plan",
            r"plan\b|recommend|disposition|follow[- ]?up|aftercare|outpatient care|^a/p$|^treatment$|length of stay",
        ),
        ("course", r"course"),
        ("status", r"condition"),
        ("intervention", r"intervention"),
        ("response", r"^response"),
    )
)
DISORDER = re.compile(
    r"disorder|depressi|schizo|bipolar|psychos[ie]s|psychotic|dementia|delirium|\bADHD\b|\bADD\b|attention[- ]deficit|"
    r"autis|asperger|\bPTSD\b|anxiety|panic|dependence|\babuse\b|withdrawal|encopresis|enuresis|personality|"
    r"retardation|intellectual disability|huntington|alzheimer|conversion|pseudoseizure|somat|insomnia|anorexia|"
    r"bulimia|\bOCD\b|obsessive|adjustment|bereavement|intoxication|encephalopathy|mania|manic|cognitive|"
    r"parkinson|\bTBI\b|brain injury|tourette|tic disorder|grief",
    re.I,
)
NOTHING = re.compile(r"^(?:none|deferred|no(?:ne)? (?:known|current|active)?\s*\w*|n/?a|not applicable)\.?$", re.I)
DOSE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|g|mL|ml|units?|IU|mEq)\b(?:\s?(?:/|per)\s?(?:day|kg|dose))?", re.I)
RISK_WORDS = re.compile(
    r"suicid|self[- ]harm|self[- ]mutilat|self[- ]injur|overdos|\battempt|\bhold\b|involuntar|\b5150\b|\bITA\b|"
    r"treatment act|detain|danger(?:ous)? to (?:self|others|him|her)|dangerousness|grave(?:ly)? disab|homicid|"
    r"\bassault|violen|aggress|combative|threat|weapon|firearm|\bguns?\b|\bknife|\bshoot|harm (?:to )?(?:self|others)|"
    r"harm (?:him|her|them)sel|cut (?:him|her|them)sel|\bcutting\b|safety plan|\bSI\b|\bHI\b|restrain|\belope|"
    r"\bslap|\bpunch|\bstruck\b|\bhit (?:him|her|his|the|a)\b|\bthr(?:ew|owing|ow)\b|tantrum|\bbr(?:oke|eaking)\b|"
    r"\btas(?:er|ered|ering)\b|\bpolice\b|\bjail\b|\barrest|not (?:want|wanting) to live|better off dead|\bkill|"
    r"\brap(?:e|ed)\b|sexual(?:ly)? abus|sexual assault|precautions|15-minute checks|withdrawal seizure|"
    r"\b(?:misus|overus)|self[- ]medicat|\bunsafe\b",
    re.I,
)
# Psychiatric and common medications by generic and brand name: how a note names a drug it gives
# no dose for ("At home, he takes temazepam").
DRUGS = re.compile(
    r"\b(?:sertraline|zoloft|fluoxetine|prozac|paroxetine|paxil|citalopram|celexa|escitalopram|lexapro|"
    r"venlafaxine|effexor|desvenlafaxine|pristiq|duloxetine|cymbalta|bupropion|wellbutrin|mirtazapine|remeron|"
    r"trazodone|desyrel|nortriptyline|pamelor|amitriptyline|elavil|imipramine|tofranil|doxepin|clomipramine|"
    r"anafranil|lithium|lithobid|eskalith|valpro\w*|depakote|depakene|divalproex|lamotrigine|lamictal|"
    r"carbamazepine|tegretol|oxcarbazepine|trileptal|topiramate|topamax|gabapentin|neurontin|pregabalin|lyrica|"
    r"quetiapine|seroquel|olanzapine|zyprexa|risperidone|risperdal|aripiprazole|abilify|ziprasidone|geodon|"
    r"haloperidol|haldol|chlorpromazine|thorazine|fluphenazine|prolixin|perphenazine|trilafon|clozapine|clozaril|"
    r"paliperidone|invega|lurasidone|latuda|clonazepam|klonopin|lorazepam|ativan|alprazolam|xanax|diazepam|"
    r"valium|temazepam|restoril|chlordiazepoxide|librium|zolpidem|ambien|buspirone|buspar|hydroxyzine|vistaril|"
    r"atarax|propranolol|inderal|clonidine|catapres|guanfacine|intuniv|tenex|methylphenidate|ritalin|concerta|"
    r"focalin|amphetamine|adderall|dextroamphetamine|dexedrine|lisdexamfetamine|vyvanse|atomoxetine|strattera|"
    r"modafinil|provigil|benztropine|cogentin|trihexyphenidyl|artane|naltrexone|revia|vivitrol|buprenorphine|"
    r"suboxone|subutex|methadone|disulfiram|antabuse|acamprosate|campral|donepezil|aricept|memantine|namenda|"
    r"rivastigmine|exelon|galantamine|pramipexole|mirapex|ropinirole|requip|prazosin|minipress|darvocet|"
    r"propoxyphene|oxycodone|percocet|hydrocodone|vicodin|tramadol|ultram)\b",
    re.I,
)
# How a sentence says a drug is (or was) taken as prescribed, and how it tells an overdose.
TAKING = re.compile(
    r"\b(?:is|are|was|were|remains?) (?:currently |now |still )?(?:on|taking|maintained on)\b|\btakes?\b|\btaking\b|"
    r"\b(?:placed|started|restarted|initiated|continued|maintained|discharged) (?:him |her |them )?on\b|\brestart|"
    r"\bcontinue[ds]?\b|\bincreas|\bdecreas|\bswitch|\btaper|\bprescri|\bback on\b|\bbeen on\b|\btrials? of\b|"
    r"\btried\b|\bdose\b|\bdaily\b|\bb\.?i\.?d\b|\bt\.?i\.?d\b|\bp\.?r\.?n\b|\bq\.?h\.?s\b|\bnightly\b|\bat bedtime\b",
    re.I,
)
TAKEN_AT_ONCE = re.compile(r"overdos|\bingest|\b\d+ (?:tablets|pills)\b|\btook (?:all|a handful|an entire)", re.I)
# A statement outside the plan that still says what comes next: anywhere ("I would recommend couples
# counseling", "He will attend a social skills program", the legal status of an admission), or outside
# the history, where "was referred" tells this episode's disposition and not an earlier one.
NEXT = re.compile(
    r"\brecommend|\bwill (?:attend|return|continue|start|begin|follow|see|be (?:seen|admitted|discharged|referred|"
    r"followed|placed|transferred))|\bplan(?:s|ned)? to\b|\badmitted (?:voluntarily|involuntarily|on an? (?:in)?voluntary)",
    re.I,
)
COURTESY = re.compile(r"^(?:thank you|thanks|please (?:call|contact|page|feel free|do not hesitate))\b", re.I)
DISPOSITION = re.compile(
    r"\breferr(?:ed|al)\b|follow[- ]?up|\bdischarged (?:to|home)|\badmitted to\b|length of stay", re.I
)
AGE = re.compile(r"\b(\d{1,3})[- ](?:year|yr)s?[- ]old\b", re.I)
SEX = re.compile(r"\b(male|female|man|woman|boy|girl|gentleman|lady)\b", re.I)
SEX_OF = {
    "male": "male",
    "man": "male",
    "boy": "male",
    "gentleman": "male",
    "female": "female",
    "woman": "female",
    "girl": "female",
    "lady": "female",
}


@dataclass(frozen=True)
class Section:
    header: str  # as written ("" for the lines before the first header)
    kinds: frozenset[str]
    lines: tuple[str, ...]  # body lines; a list item is a line of its own

    @property
    def statements(self) -> list[str]:
        """Its sentences and list items, in order (an item ends with a full stop)."""
        return [s for s, _ in self._statements()]

    @property
    def joined(self) -> list[str]:
        """The same, with a list read as one sentence with its introduction ("The following were
        done: assessment of anxiety; depression screening.")."""
        out: list[str] = []
        listing = False  # the last statement is a list's introduction, with the items so far
        for s, is_item in self._statements():
            if is_item and listing:
                head = out[-1].rstrip(".")
                out[-1] = f"{head}{' ' if head.endswith(':') else '; '}{s}"
                continue
            out.append(s)
            listing = s.endswith(":")
        return out

    def _statements(self) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        for line in self.lines:
            item = ITEM.match(line)
            if item:
                body = item.group(1).strip().rstrip(";")
                out.append((body if body.endswith((".", "!", "?", ":")) else body + ".", True))
            else:
                out += [(x, False) for x in sentences(line)]
        return [(s, i) for s, i in out if s and not NOTHING.match(s)]


def kinds_of(header: str) -> frozenset[str]:
    name = re.sub(r"\s+", " ", header.strip(" :#*")).strip()
    return frozenset(kind for kind, pattern in VOCABULARY if pattern.search(name))


def layout(text: str) -> str:
    """The text with each header at the start of its own line and each numbered item on its own
    line, as before an export flattened its line breaks into commas. Words are not changed."""
    text = clean(text)
    text = BARE_CAPS.sub(lambda m: f"\n{m[1]}: " if kinds_of(m[1]) else m[0], text)  # "...30.,PLAN,1.  Safety"
    text = INLINE_CAPS.sub("\n", text)
    text = re.sub(r"(?<=[^\d\s,]),(?=[A-Z])|(?<=[.:]),(?=\d)", "\n", text)  # "EVALUATION,Following", "patients:,1."
    text = re.sub(r"(?<=[.:])\s*,\s*(?=\d{1,2}\.\s+\S)", "\n", text)  # ":,1.  Klonopin" / ".,2.  Lithium"
    text = re.sub(r"(?<=[.!?\"])\s*,(?=[A-Z][a-z])", "\n", text)  # "together.,The" ("q.8h., Artane" is a list)
    text = re.sub(r"\bAXIS\s+([IV]{1,3})\.\s+", r"\nAXIS \1: ", text)  # "AXIS  I.  309.81 ..." is a header too
    text = re.sub(r"[ \t]*,[ \t]*\n", "\n", text)  # a comma left before a restored line break
    text = re.sub(rf"^(\s*{CAPS})\s*:[ \t]*,[ \t]*", r"\1: ", text, flags=re.M)  # "PLAN: , The" -> "PLAN: The"
    return re.sub(r"[ \t]{2,}", " ", text)


def header_of(line: str) -> tuple[str, str] | None:
    """(header, rest of the line) when a line opens a section; None for a line of text."""
    m = MARKDOWN.match(line)
    if m:
        return m.group(1), ""
    m = LETTER.match(line)
    if m:
        return m.group(1), m.group(2)
    m = CAPS_LINE.match(line)
    if m and not re.fullmatch(r"[A-Z]", m.group(1)):
        return m.group(1), m.group(2)
    m = TITLE_CAPS.match(line)
    if m and (" " in m.group(1) or len(m.group(1)) >= 8):
        return m.group(1), ""
    m = TITLE_LINE.match(line)
    if m and len(m.group(1).split()) <= 6 and kinds_of(m.group(1)):
        return m.group(1), m.group(2)
    return None


def sections(text: str) -> list[Section]:
    """The note's sections in order, each with what its header says it holds."""
    out: list[Section] = []
    header, kinds, lines = "", frozenset[str](), []  # type: ignore[misc]
    for line in joined_lines(layout(text)):
        found = header_of(line)
        if found is None:
            if line.strip():
                lines.append(line.strip())
            continue
        if lines or header:
            out.append(Section(header, kinds, tuple(lines)))
        header, rest = found
        kinds = frozenset({LETTER_KIND[header]}) if len(header) == 1 else kinds_of(header)
        lines = [rest.strip()] if rest.strip() else []
    if lines or header:
        out.append(Section(header, kinds, tuple(lines)))
    return out


def has_layout(text: str) -> bool:
    """Whether a note is written in headed sections: a header in capitals, or two others (SOAP
    letters aside: a SOAP note is read by its letters)."""
    heads = [s.header for s in sections(text) if len(s.header) > 1]
    return any(h.isupper() for h in heads) or len(heads) >= 2


@dataclass(frozen=True)
class Reading:
    """What a summary needs from one note, each statement verbatim."""

    sections: tuple[Section, ...]
    # Headed in capitals or Markdown, as H&Ps, consults and discharge summaries are: not only in
    # title-case labels ("Risk assessment:"), whose lines the SOAP reading already takes.
    headed: bool = False

    def of(self, *kinds: str) -> list[Section]:
        return [s for s in self.sections if s.kinds & set(kinds)]

    def statements(self, *kinds: str) -> list[str]:
        return [x for s in self.of(*kinds) for x in s.statements]

    @property
    def complaint(self) -> list[str]:
        """The reason for the visit: the note's opening statement of who and why (the index event
        is there: "a 21-year-old male who attempted suicide by ...") with the chief complaint, else
        the opening of the history or course."""
        said = self.statements("complaint")
        opening = self.statements("identifying")[:1] or self.statements("history")[:1]
        if said:
            return list(dict.fromkeys(opening + said))
        return self.statements("identifying", "history")[:2] or self.statements("course")[:1] or self._opening()

    @property
    def diagnoses(self) -> list[str]:
        """Diagnoses as the note states them ("Axis I: Bipolar disorder"), from a diagnoses
        section, else the disorder statements of the assessment or impression."""
        out = []
        for s in self.of("diagnoses", "axis_other"):
            axis = s.header.title().replace("Iii", "III").replace("Ii", "II").replace("Iv", "IV")
            label = f"{axis}: " if s.header.upper().startswith("AXIS") else ""
            out += [label + x for x in s.statements]
        if out:
            return out
        return [x for x in self.statements("assessment") if DISORDER.search(x)][:4]

    @property
    def medications(self) -> list[str]:
        """Medication statements: each item of a medications section (split where one sentence
        lists several doses), and drugs named elsewhere as taken, prescribed, changed or tried."""
        return [x for _, x in self.medication_lines]

    @property
    def medication_lines(self) -> list[tuple[str, str]]:
        """The same, each with where the note says it, so a reader can reconcile them: the list's
        own header ("Discharge medications", "Outpatient medications"), "Plan" for a change the plan
        makes, "History" for a drug of the history (past trials among them)."""
        out: dict[str, str] = {}
        for sec in self.sections:
            if "medications" in sec.kinds:
                label = _label(sec.header) if sec.header else "Medications"
                for x in sec.statements:
                    if not x.endswith(":"):  # "The patient is discharged with:" introduces the list
                        for y in dosed(x) or [x]:
                            out.setdefault(y, label)
            elif not sec.kinds & {"allergies"}:  # "She is on Depakote 500 mg three times a day"
                label = (
                    "Plan"
                    if "plan" in sec.kinds
                    else "Course"
                    if "course" in sec.kinds
                    else "History"
                    if sec.kinds & {"history", "history_other", "past_psychiatric", "identifying", "complaint"}
                    else _label(sec.header) or "Note"
                )
                for x in sec.statements:
                    if (DRUGS.search(x) or DOSE.search(x)) and TAKING.search(x) and not TAKEN_AT_ONCE.search(x):
                        out.setdefault(x, label)
        return [(label, x) for x, label in out.items()]

    @property
    def plan(self) -> list[str]:
        """The plan, disposition and follow-up, and what other sections say comes next; a short
        statement keeps its header ("Estimated length of stay: 12 days.")."""
        out = []
        for s in self.sections:
            if "plan" in s.kinds:
                out += [x if len(x.split()) >= 4 or not s.header else f"{_label(s.header)}: {x}" for x in s.statements]
                continue
            history = bool(s.kinds & {"history", "past_psychiatric", "history_other"}) and "course" not in s.kinds
            out += [x for x in s.statements if NEXT.search(x) or (not history and DISPOSITION.search(x))]
        return list(dict.fromkeys(x for x in out if not COURTESY.match(x)))

    @property
    def status(self) -> list[str]:
        """The state at this note: the condition at discharge, else the assessment or impression,
        else the mental status examination; never the opening line."""
        for kinds in (("status",), ("assessment",), ("mental_status",)):
            found = self.statements(*kinds)
            if found:
                return found[:3]
        return []

    @property
    def course(self) -> list[str]:
        """The course as told: its opening and, for a longer one, its end (where a hospital course
        tells the changes made and how the client left), marked where statements are left out."""
        told = self.statements("course")
        return told if len(told) <= 5 else told[:2] + ["(…)"] + told[-3:]

    @property
    def risk(self) -> list[str]:
        """Every statement about risk, wherever the note has it (allergies aside)."""
        out = []
        for s in self.sections:
            if s.kinds & {"allergies"}:
                continue
            for x in s.statements:
                if "risk" in s.kinds and not RISK_WORDS.search(x):  # "Suicidal/Homicidal Ideation: denies."
                    out.append(f"{_label(s.header)}: {x}")
                elif RISK_WORDS.search(x) and not re.search(r"allerg", x, re.I):
                    out.append(_in_context(s, x))
        return out

    def _describing(self) -> str:
        """The first statement that gives the client's age ("a 21-year-old Caucasian male")."""
        return next((x for s in self.sections for x in s.statements if AGE.search(x)), "")

    def stated_age(self) -> int | None:
        m = AGE.search(self._describing())
        return int(m.group(1)) if m else None

    def stated_sex(self) -> str | None:
        m = SEX.search(self._describing())
        return SEX_OF[m.group(1).lower()] if m else None

    def _opening(self) -> list[str]:
        return [x for s in self.sections[:1] for x in s.statements[:2]]


def _label(header: str) -> str:
    """A header as a draft may write it: sentence case, never the note's capitals."""
    return header.capitalize() if header.isupper() else header


def read(text: str) -> Reading:
    found = tuple(sections(text))
    markdown = any(MARKDOWN.match(line) for line in text.splitlines())
    return Reading(found, markdown or any(len(s.header) > 1 and s.header.isupper() for s in found))


@lru_cache(maxsize=4096)
def reading(text: str) -> Reading | None:
    """A note written in headed sections, read by its headers; None for a note that is not."""
    return read(text) if has_layout(text) else None


def _in_context(s: Section, x: str) -> str:
    """A statement of a family or past history keeps its header: "Family psychiatric history: the
    patient denies ... suicide attempts" is not the client's own denial, nor today's."""
    return f"{_label(s.header)}: {x}" if s.kinds & {"family", "past_psychiatric"} else x


@lru_cache(maxsize=4096)
def statements_of(text: str) -> tuple[str, ...]:
    """A note's statements: by its sections when it is written in them (no header is one; a family or
    past history keeps its header), else its sentences as written, SOAP labels and all."""
    r = reading(text)
    return tuple(_in_context(s, x) for s in r.sections for x in s.statements) if r else tuple(sentences(text))


def dosed(statement: str) -> list[str]:
    """A sentence listing several dosed drugs ("... pharmacy: Seroquel 25 mg p.o. nightly, Zyprexa
    5 mg b.i.d.") as one clause per drug; a sentence with one dose or none as it is."""
    if len(DOSE.findall(statement)) < 2:
        return [statement] if DOSE.search(statement) else []
    body = statement.split(":", 1)[1] if ":" in statement.split(DOSE.findall(statement)[0])[0] else statement
    parts = [p.strip(" .") for p in re.split(r";|,\s+(?=[A-Za-z][\w\- ]*\s\d)|\band\s+(?=[A-Z])", body)]
    return [p + "." for p in parts if DOSE.search(p) or DRUGS.search(p)]


# Words of a diagnosis that say nothing of which one it is.
GENERIC = frozenset(
    "disorder disorders disease episode single recurrent moderate severe unspecified other without with current "
    "type chronic acute mild partial remission features history axis deferred".split()
)


def key_words(text: str) -> set[str]:
    """The words that tell one diagnosis from another ("bipolar", "schizoaffective"), lower case."""
    return {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in GENERIC}
