"""Plain-text helpers shared by engines and checks: paragraphs, sentences, attribution to sources."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import Citation, SourceItem

# Common psychotropic and addiction medications, by generic name (lower case).
MEDICATIONS = (
    "sertraline fluoxetine escitalopram citalopram paroxetine fluvoxamine venlafaxine desvenlafaxine duloxetine "
    "bupropion mirtazapine trazodone vortioxetine vilazodone amitriptyline nortriptyline imipramine clomipramine "
    "lithium lamotrigine valproate divalproex carbamazepine oxcarbazepine topiramate gabapentin pregabalin "
    "quetiapine olanzapine risperidone aripiprazole ziprasidone lurasidone paliperidone haloperidol clozapine "
    "brexpiprazole cariprazine lorazepam alprazolam clonazepam diazepam buspirone hydroxyzine propranolol "
    "prazosin clonidine guanfacine methylphenidate dexmethylphenidate amphetamine lisdexamfetamine atomoxetine "
    "viloxazine modafinil zolpidem eszopiclone melatonin naltrexone acamprosate disulfiram buprenorphine "
    "methadone naloxone varenicline nicotine esketamine ketamine"
).split()
MEDICATION = re.compile(r"\b(" + "|".join(MEDICATIONS) + r")\b", re.IGNORECASE)

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ICD10 = re.compile(r"\b[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?\b")
# "988" is the crisis line, not the year 1988 or a record number.
RISK = re.compile(r"suicid|\bSI\b|SI/HI|self-harm|safety plan|C-SSRS|homicid|(?<![\d-])988(?![\d-])", re.IGNORECASE)
POSITIVE_RISK = re.compile(r"disclosed|positive for|developed a written|means-safety|attempt", re.IGNORECASE)
INSTRUCTION_LIKE = re.compile(
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier) (?:instructions|prompts?)|language model|"
    r"\bthe AI\b|system prompt|disregard (?:the|all|your) (?:instructions|rules)",
    re.IGNORECASE,
)


# Terminal escape sequences (CSI "ESC [ ... letter", OSC "ESC ] ... BEL or ESC \\", and two-character ones)
# and the control characters that are never text: everything below space but tab and line feed, DEL,
# and the C1 range. Stored raw, they recolor or rewrite a terminal that prints them, or cut a string at NUL.
ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str | None) -> str:
    """Text as typed or imported, without terminal escapes and control characters (line breaks kept,
    a carriage return before one dropped)."""
    if not text:
        return text or ""
    return CONTROL.sub("", ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n")))


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks: the unit citations refer to."""
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def joined_lines(text: str) -> list[str]:
    """Lines, with an indented line that starts in lower case joined to the one before ("Name\n is a ...")."""
    out: list[str] = []
    for line in text.splitlines():
        if out and out[-1].strip() and re.match(r"^\s+[a-z]", line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return out


# A header written in capitals at the start of a line ("HISTORY OF PRESENT ILLNESS:", "AXIS I:"):
# two or more characters, so the single letters of SOAP / DAP / BIRP are not one.
CAPS = r"[A-Z][A-Z0-9/&'()\- ]{0,60}[A-Z)]"
CAPS_HEADER = re.compile(rf"^\s*({CAPS})\s*:(?![\s,]*\d)[\s,]*")  # "AUDIT: 12" is a score, not a header
# A full stop that ends no sentence: a title or an abbreviation before a name or number ("Dr. X").
SENTENCE_END = re.compile(  # the cheap test first: most positions follow no full stop
    r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bSt\.)(?<!\bvs\.)(?<!\bNo\.)\s+(?=[A-Z0-9\"'(])"
)


def sentences(text: str) -> list[str]:
    """Sentences of a chart entry; SOAP letters and title-case labels ("S:", "Plan:") stay with
    their sentence, a header in capitals does not ("PLAN: The patient ..." is "The patient ...")."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        for s in SENTENCE_END.split(CAPS_HEADER.sub("", line, count=1) if ":" in line else line):
            if s.strip():
                out.append(s.strip())
    return out


def addresses_a_model(sentence: str) -> bool:
    """Chart text that reads as an instruction to a model: data to report, never to quote or follow."""
    return bool(INSTRUCTION_LIKE.search(sentence))


def _anchors(item: SourceItem) -> list[str]:
    anchors = [item.date.isoformat()] if item.kind in ("note", "assessment") else []
    if item.kind == "diagnosis":
        anchors.append(item.title.split(" ", 1)[0])
    if item.kind == "plan":
        for line in item.text.splitlines()[1:]:
            anchors += [a.strip(" .") for a in re.split(r";|\(\d+\)", line.split(":", 1)[-1]) if len(a.strip()) > 12]
    if item.kind == "medication":
        anchors.append(item.title)
    if item.kind == "note":
        anchors += [s for s in sentences(item.text) if len(s.split()) >= 6]
    return anchors


KEY = 10  # characters: an ISO date, the shortest anchor but a diagnosis code


def attribute(text: str, items: Iterable[SourceItem]) -> tuple[Citation, ...]:
    """Per paragraph, the items whose date, code, plan element or sentence the paragraph carries.

    Used for drafts whose engine gives no citations of its own and after an Update, so the
    citation list always describes the text as it now stands.
    """
    items = list(items)
    # Anchors by their first KEY characters: a paragraph is read once, position by position, instead of
    # once per anchor of every item (a whole treatment has thousands of items, each with its sentences).
    keyed: dict[str, list[tuple[int, str]]] = {}
    short: list[tuple[int, str]] = []  # codes shorter than a key, tried one by one
    for k, item in enumerate(items):
        for a in _anchors(item):
            if len(a) >= KEY:
                keyed.setdefault(a[:KEY], []).append((k, a))
            elif a:
                short.append((k, a))
    citations = []
    for n, para in enumerate(paragraphs(text)):
        found = {k for k, a in short if a in para}
        for i in range(len(para) - KEY + 1):
            for k, a in keyed.get(para[i : i + KEY], ()):
                if k not in found and para.startswith(a, i):
                    found.add(k)
        if found:
            citations.append(Citation(n, tuple(items[k].id for k in sorted(found))))
    return tuple(citations)
