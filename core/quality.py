"""Automated checks on a draft against its sources: unsupported facts and leaked excluded text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from .sources import Selection
from .text import ICD10, sentences

INSTRUMENT_NAME = re.compile(r"\b(?:PHQ-9|PHQ-2|GAD-7|PCL-5|AUDIT-C|DAST-10|C-SSRS|DSM-5|ICD-10-CM|ICD-10|CPT|SOAP|"
                             r"DAP|BIRP)\b")
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
LONG_DATE = re.compile(rf"\b({MONTHS}|{'|'.join(m[:3] for m in MONTHS.split('|'))})\.? (\d{{1,2}}),? (\d{{4}})\b")
DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) ({MONTHS}|{'|'.join(m[:3] for m in MONTHS.split('|'))})\.? (\d{{4}})\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
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
    for sentence in sentences(text):
        rest = INSTRUMENT_NAME.sub(" ", sentence)
        for pattern, build in ((ISO, lambda m: _date(int(m[1]), int(m[2]), int(m[3]))),
                               (US_DATE, lambda m: _date(int(m[3]), int(m[1]), int(m[2]))),
                               (LONG_DATE, lambda m: _date(int(m[3]), _month(m[1]), int(m[2]))),
                               (DAY_MONTH, lambda m: _date(int(m[3]), _month(m[2]), int(m[1])))):
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
    the client's age, the range, and counts of sessions and unsigned notes."""
    facts = {("date", sel.range.start.isoformat()), ("date", sel.range.end.isoformat()),
             ("number", str(sel.client.age_on(sel.range.end))), ("number", str(len(sel.progress_notes))),
             ("number", str(sel.excluded_count("unsigned")))}
    return facts


def supported_facts(sel: Selection) -> set[tuple[str, str]]:
    known = context_facts(sel)
    for item in sel.items:
        for f in extract_facts(f"{item.title}. {item.date.isoformat()}. {item.text}"):
            known.add((f.kind, f.value))
    for a in sel.baseline:
        known |= {("date", a.administered_on.isoformat()), ("number", str(a.total_score))}
    return known


def unsupported_facts(text: str, sel: Selection) -> list[Fact]:
    """Each date, number, ICD-10 code and medication in the draft found in none of its sources."""
    known = supported_facts(sel)
    return [f for f in extract_facts(text) if (f.kind, f.value) not in known]


def word_runs(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[\w']+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def leaked_runs(text: str, excluded_texts: Iterable[str], n: int = 6) -> list[str]:
    """Runs of n words the draft shares with excluded-type notes (there must be none)."""
    draft_runs = word_runs(text, n)
    leaks = set()
    for excluded in excluded_texts:
        leaks |= draft_runs & word_runs(excluded, n)
    return sorted(" ".join(run) for run in leaks)
