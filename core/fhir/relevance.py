"""What counts as behavioral-health content in a FHIR record: the one list the importer filters by.

A treatment summary covers mental health, substance use and the psychosocial stressors treated with
them; a Synthea record also holds sinusitis, prenatal visits and employment findings. Conditions,
care plans, medications and procedures are judged by their codes and words; an encounter is
behavioral-health related when its type or reason is, or when a behavioral-health item was
recorded in it (a diagnosis, a score, a plan, a prescription, a screening or therapy, a rehabilitation
or detoxification stay); a wellness, routine obstetric, telephone or administrative visit is never a
session, whatever was recorded in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..text import MEDICATION
from .values import SNOMED

TERMS = re.compile(
    r"depress|anxi|panic|\bstress\b(?! fracture| incontinence| test)|post-?traumatic|\bptsd\b|bipolar|\bmania\b|"
    r"\bmanic\b|schizo|psychos[ie]s|psychotic|suicid|self[- ]harm|attention deficit|\badhd\b|hyperactiv|"
    r"overactiv|inattention|autis|asperger|eating disorder|anorexia nervosa|bulimi|obsessive|compulsive|phobi|"
    r"personality disorder|adjustment disorder|substance|drug abuse|drug use|misuses? drugs|drug dependence|"
    r"overdose|opioid|opiate|detox|addict|drug rehabilitation|alcohol|cannabis|cocaine|amphetamine|nicotine|"
    r"tobacco|\bsmok|dementia|alzheimer|"
    r"social isolation|limited social contact|intimate partner|domestic (?:abuse|violence)|\babuse\b|neglect|"
    r"grief|bereave|insomnia|\bmental|psychiatr|psycholog|psychother|behavio(?:u)?r(?:al)? (?:therapy|management|"
    r"health)|cognitive (?:and )?behavio|\bmood\b",
    re.IGNORECASE,
)

# ICD-10-CM: chapter F (mental and behavioral) and the codes for psychosocial circumstances, suicidal
# ideation, abuse and intentional self-harm that behavioral-health care records.
ICD10 = re.compile(r"^(?:F\d|R45|Z5[5-9]|Z6[0-5]|Z69|Z73\.3|Z91\.[45]|T74|T76|X7[1-9]|X8[0-3])", re.IGNORECASE)

# Psychotropic and addiction medications: the quality check's list.
# Controlled drugs whose misuse a behavioral-health clinician must know about. They are imported, but
# prescribing one (an opioid after knee surgery) does not make a visit behavioral-health care.
CONTROLLED = re.compile(
    r"\b(?:oxycodone|hydrocodone|morphine|hydromorphone|fentanyl|codeine|tramadol|tapentadol|"
    r"oxymorphone|meperidine|temazepam|chlordiazepoxide|phenobarbital|butalbital)\b",
    re.IGNORECASE,
)


# SNOMED CT substance-use treatment (Synthea's opioid and alcohol modules code rehabilitation stays and
# detoxification as encounters and procedures), recognized by code whatever the display says.
SUD_TREATMENT = {
    "56876005",  # Drug rehabilitation and detoxification
    "20093000",  # Alcohol rehabilitation and detoxification
    "23915005",  # Combined alcohol and drug rehabilitation and detoxification
    "61480009",  # Drug detoxification
    "60112009",  # Drug addiction counseling
    "24165007",  # Alcoholism counseling
    "266707007",  # Drug addiction therapy
    "310653000",  # Drug addiction therapy using methadone
    "313071005",  # Counseling for substance abuse
}

# Visits that are not behavioral-health sessions whatever is recorded in them: wellness and preventive
# exams (a PHQ-2 screen at a check-up is screening, not treatment), routine obstetric visits, and
# telephone and administrative contacts.
ROUTINE_VISIT = re.compile(
    r"general exam|check[- ]?up|well[- ]?(?:child|baby|adult|woman|man)\b|wellness|annual (?:exam|physical|visit)|"
    r"preventive|health maintenance|routine (?:exam|visit|check)|prenatal|antenatal|postnatal|postpartum visit|"
    r"immuni[sz]ation|vaccin|telephone|phone (?:call|encounter|contact)|\be-?mail\b|patient portal|administrative|"
    r"death certification",
    re.IGNORECASE,
)
ROUTINE_CODES = {
    "162673000",  # General examination of patient
    "185349003",  # Encounter for check up
    "410620009",  # Well child visit
    "424619006",  # Prenatal visit
    "424441002",  # Prenatal initial visit
    "169762003",  # Postnatal visit
    "33879002",  # Administration of vaccine to produce active immunity
    "185317003",  # Telephone encounter
    "308646001",  # Death certification
}


def snomed_codes(concept: object) -> set[str]:
    if not isinstance(concept, dict):
        return set()
    return {
        str(c.get("code"))
        for c in concept.get("coding") or []
        if isinstance(c, dict) and c.get("system") == SNOMED and c.get("code")
    }


def behavioral_concept(concept: object, text: str) -> bool:
    """A coded procedure, encounter type or reason: substance-use treatment by code, else by its words."""
    return bool(snomed_codes(concept) & SUD_TREATMENT) or behavioral(text)


def routine_visit(types: Iterable[object], text: str) -> bool:
    """A wellness, routine obstetric, telephone or administrative visit (by its type's codes or words)."""
    return any(snomed_codes(t) & ROUTINE_CODES for t in types) or bool(ROUTINE_VISIT.search(text))


def behavioral(*texts: str) -> bool:
    return any(t and TERMS.search(t) for t in texts)


def behavioral_code(system: str, code: str, text: str) -> bool:
    if system == "ICD-10-CM" and ICD10.match(code):
        return True
    return behavioral(text)


def behavioral_medication(name: str) -> bool:
    return bool(MEDICATION.search(name))


def controlled(name: str) -> bool:
    return bool(CONTROLLED.search(name))
