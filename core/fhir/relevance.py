"""What counts as behavioral-health content in a FHIR record: the one list the importer filters by.

A treatment summary covers mental health, substance use and the psychosocial stressors treated with
them; a Synthea record also holds sinusitis, prenatal visits and employment findings. Conditions,
care plans, medications and procedures are judged by their codes and words; an encounter is
behavioral-health related when its type or reason is, or when a behavioral-health item was
recorded in it (a diagnosis, a score, a plan, a prescription, a screening or therapy).
"""

from __future__ import annotations

import re

from ..quality import MEDICATIONS

TERMS = re.compile(
    r"depress|anxi|panic|\bstress\b(?! fracture| incontinence| test)|post-?traumatic|\bptsd\b|bipolar|\bmania\b|"
    r"\bmanic\b|schizo|psychos[ie]s|psychotic|suicid|self[- ]harm|attention deficit|\badhd\b|hyperactiv|"
    r"overactiv|inattention|autis|asperger|eating disorder|anorexia nervosa|bulimi|obsessive|compulsive|phobi|"
    r"personality disorder|adjustment disorder|substance|drug abuse|drug use|misuses? drugs|drug dependence|"
    r"overdose|opioid|opiate|alcohol|cannabis|cocaine|amphetamine|nicotine|tobacco|\bsmok|dementia|alzheimer|"
    r"social isolation|limited social contact|intimate partner|domestic (?:abuse|violence)|\babuse\b|neglect|"
    r"grief|bereave|insomnia|\bmental|psychiatr|psycholog|psychother|behavio(?:u)?r(?:al)? (?:therapy|management|"
    r"health)|cognitive (?:and )?behavio|\bmood\b",
    re.IGNORECASE,
)

# ICD-10-CM: chapter F (mental and behavioral) and the codes for psychosocial circumstances, suicidal
# ideation, abuse and intentional self-harm that behavioral-health care records.
ICD10 = re.compile(r"^(?:F\d|R45|Z5[5-9]|Z6[0-5]|Z69|Z73\.3|Z91\.[45]|T74|T76|X7[1-9]|X8[0-3])", re.IGNORECASE)

# Psychotropic and addiction medications: the quality check's list.
MEDICATION = re.compile(r"\b(?:" + "|".join(MEDICATIONS) + r")\b", re.IGNORECASE)
# Controlled drugs whose misuse a behavioral-health clinician must know about. They are imported, but
# prescribing one (an opioid after knee surgery) does not make a visit behavioral-health care.
CONTROLLED = re.compile(
    r"\b(?:oxycodone|hydrocodone|morphine|hydromorphone|fentanyl|codeine|tramadol|tapentadol|"
    r"oxymorphone|meperidine|temazepam|chlordiazepoxide|phenobarbital|butalbital)\b",
    re.IGNORECASE,
)


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
