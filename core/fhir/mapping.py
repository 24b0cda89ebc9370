"""FHIR resources to chart rows: patients, practitioners, conditions, scored observations, care plans
and medication requests (encounter notes are in notes.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..scoring import INSTRUMENTS, ITEM_MAX, severity
from .context import ERRORED, NO_CODE, NOT_BH, NOT_CHART, NOT_LINKED, NOT_SCORED, Context, day
from .reader import Entry, Problem
from .relevance import behavioral, behavioral_code, behavioral_concept, behavioral_medication, controlled
from .values import (
    ICD10_SYSTEMS,
    LOINC,
    SNOMED,
    code_of,
    coding,
    codings,
    fact_key,
    first_date,
    human_name,
    parse_date,
    stable_id,
    text_of,
    title,
)

# LOINC codes of the scored measures the chart holds: totals, and panels whose components are the items.
MEASURES = {
    "55758-7": "PHQ-2",
    "55757-9": "PHQ-2",
    "44261-6": "PHQ-9",
    "44249-1": "PHQ-9",
    "70274-6": "GAD-7",
    "69737-5": "GAD-7",
    "75626-2": "AUDIT-C",
    "75624-7": "AUDIT",
    "82667-7": "DAST-10",
    "76504-0": "HARK",
}
PANELS = {"55757-9", "44249-1", "69737-5"}
ITEMS = {
    "PHQ-2": ("44250-9", "44255-8"),
    "PHQ-9": ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"),
    "GAD-7": ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
}
# LOINC answers of the PHQ and GAD-7 items ("Not at all" ... "Nearly every day").
ANSWERS = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}
ORDINAL = ("http://hl7.org/fhir/StructureDefinition/ordinalValue", "http://hl7.org/fhir/StructureDefinition/itemWeight")
ICD10_SHAPE = re.compile(r"[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?")
UNREADY = {"entered-in-error": ERRORED, "cancelled": ERRORED, "registered": "registered, no result yet"}


# -- people -----------------------------------------------------------------------------------------


def practitioner(entry: Entry) -> dict:
    r = entry.resource
    npi = next(
        (
            str(i["value"])
            for i in r.get("identifier") or []
            if isinstance(i, dict) and i.get("value") and "npi" in str(i.get("system", ""))
        ),
        None,
    )
    full, _, _ = human_name(r.get("name"))
    credentials = ", ".join(
        t for t in (text_of(q.get("code")) for q in r.get("qualification") or [] if isinstance(q, dict)) if t
    )
    # The NPI names the person in every bundle; the resource id only in this one.
    return {
        "id": stable_id("FK", f"npi|{npi}" if npi else entry.key),
        "display_name": full or (f"Practitioner (NPI {npi})" if npi else "Unnamed practitioner"),
        "credentials": credentials,
    }


# The oldest date of birth taken as a client's; before it a birthDate is an error of the export.
EARLIEST_BIRTH = date(1900, 1, 1)


def patient(entry: Entry, client_id: str, today: date | None = None) -> dict:
    r = entry.resource
    full, first, last = human_name(r.get("name"))
    if not full:
        raise Problem(entry, "has no name")
    if not r.get("birthDate"):
        raise Problem(entry, "has no birthDate")
    born = day(entry, r["birthDate"], "a birthDate")
    # A birth date in the future or before 1900 is a broken export: a draft would say "-973 years old".
    if born > (today or date.today()):
        raise Problem(entry, f"has a birthDate {r['birthDate']!r} in the future, which cannot be a client's")
    if born < EARLIEST_BIRTH:
        raise Problem(entry, f"has a birthDate {r['birthDate']!r} before 1900, which cannot be a living client's")
    telecom = [t for t in r.get("telecom") or [] if isinstance(t, dict) and t.get("value")]
    contact = {s: next((str(t["value"]) for t in telecom if t.get("system") == s), None) for s in ("phone", "email")}
    mrn = next(
        (
            str(i["value"])
            for i in r.get("identifier") or []
            if isinstance(i, dict) and i.get("value") and any(c.get("code") == "MR" for c in codings(i.get("type")))
        ),
        None,
    )
    return {
        "id": client_id,
        "full_name": full,
        "first_name": first,
        "last_name": last,
        "date_of_birth": born,
        "pronouns": pronouns(r),
        "gender": r.get("gender"),
        "phone": contact["phone"],
        "email": contact["email"],
        "address": address(r.get("address")),
        "mrn": mrn,
        "clinician_id": None,
        "ai_consent_on": None,
        "source": "fhir",
    }


# Relationship codes as words: HL7 v2 table 0131 (Patient.contact) and v3 RoleCode (RelatedPerson).
RELATIONSHIPS = {
    "C": "emergency contact",
    "E": "employer",
    "F": "federal agency",
    "I": "insurance company",
    "N": "next of kin",
    "S": "state agency",
    "U": "contact",
    "ECON": "emergency contact",
    "NOK": "next of kin",
    "MTH": "mother",
    "FTH": "father",
    "PRN": "parent",
    "SPS": "spouse",
    "HUSB": "husband",
    "WIFE": "wife",
    "DOMPART": "domestic partner",
    "SIGOTHR": "significant other",
    "SIB": "sibling",
    "BRO": "brother",
    "SIS": "sister",
    "CHILD": "child",
    "SON": "son",
    "DAU": "daughter",
    "GRMTH": "grandmother",
    "GRFTH": "grandfather",
    "GRPRN": "grandparent",
    "FAMMEMB": "family member",
    "FRND": "friend",
    "NBOR": "neighbor",
    "ROOM": "roommate",
    "GUARD": "guardian",
}


def relationship(concepts: object) -> str:
    """The first relationship in words ("mother", "emergency contact"); codes read through RELATIONSHIPS."""
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        text = text_of(concept)
        if text:
            coded = {str(c.get("code")) for c in codings(concept)}
            return RELATIONSHIPS.get(text.upper(), text.lower()) if text in coded else text.lower()
    return ""


def contacts(ctx: Context, patient_entry: Entry, related: list[Entry]) -> list[dict]:
    """The people the record names beside the patient (Patient.contact, RelatedPerson), and the
    patient's own other names (a maiden name, as relationship "self"): identifiers to mask, not chart
    items. The same person given twice is one row."""
    r = patient_entry.resource
    found: list[tuple[str, list, list, object]] = []  # (relationship, names, telecom, address)
    official = human_name(r.get("name"))[0]
    for n in r.get("name") or []:
        if isinstance(n, dict) and human_name([n])[0] not in ("", official):
            found.append(("self", [n], [], None))
    for c in r.get("contact") or []:
        if isinstance(c, dict):
            org = (c.get("organization") or {}).get("display") if isinstance(c.get("organization"), dict) else None
            names = [c["name"]] if isinstance(c.get("name"), dict) else [{"text": org}] if org else []
            found.append((relationship(c.get("relationship")), names, c.get("telecom") or [], c.get("address")))
    for e in related:
        p = e.resource
        ctx.use(e)
        names = [n for n in p.get("name") or [] if isinstance(n, dict)]
        found.append((relationship(p.get("relationship")), names, p.get("telecom") or [], p.get("address")))
    rows: dict[tuple, dict[str, str | None]] = {}
    for rel, names, telecom, where in found:
        points = [t for t in telecom if isinstance(t, dict) and t.get("value")]
        phone = next((str(t["value"]) for t in points if t.get("system") in ("phone", "sms")), None)
        email = next((str(t["value"]) for t in points if t.get("system") == "email"), None)
        place = address(where if isinstance(where, list) else [where] if isinstance(where, dict) else [])
        spelled = [human_name([n])[0] for n in names] or [""]
        for k, name in enumerate(dict.fromkeys(spelled)):  # other names of one person: a row each
            first = k == 0
            row: dict[str, str | None] = {
                "client_id": ctx.client_id,
                "relationship": rel,
                "name": name,
                "phone": phone if first else None,
                "email": email if first else None,
                "address": place if first else None,
            }
            if row["name"] or row["phone"] or row["email"] or row["address"]:
                rows.setdefault(tuple(row.values()), row)
    return list(rows.values())


def pronouns(r: dict) -> str | None:
    """Only pronouns the record states (the individual-pronouns extension); never guessed from gender."""
    for ext in r.get("extension") or []:
        if isinstance(ext, dict) and str(ext.get("url", "")).endswith("individual-pronouns"):
            inner = [x for x in ext.get("extension") or [] if isinstance(x, dict) and x.get("url") == "value"]
            for holder in inner + [ext]:
                text = text_of(holder.get("valueCodeableConcept"))
                if text:
                    return text
    return None


def address(addresses: Iterable[object] | None) -> str | None:
    for a in addresses or []:
        if isinstance(a, dict):
            parts = [
                *(str(x) for x in a.get("line") or []),
                a.get("city"),
                " ".join(str(x) for x in (a.get("state"), a.get("postalCode")) if x),
            ]
            text = ", ".join(str(p) for p in parts if p) or a.get("text")
            if text:
                return str(text)
    return None


# -- diagnoses ----------------------------------------------------------------------------------------


def condition(ctx: Context, entry: Entry) -> None:
    r = entry.resource
    if code_of(r.get("verificationStatus")) in ("entered-in-error", "refuted"):
        return ctx.skip(entry, ERRORED)
    system = code = None
    icd, sct = coding(r.get("code"), *ICD10_SYSTEMS), coding(r.get("code"), SNOMED)
    if icd:
        value = str(icd["code"]).strip().upper()
        value = value if "." in value or len(value) <= 3 else f"{value[:3]}.{value[3:]}"
        if ICD10_SHAPE.fullmatch(value):
            system, code, shown = "ICD-10-CM", value, icd.get("display")
        elif not sct:
            raise Problem(entry, f"has ICD-10 code {icd['code']!r}, which is not a valid ICD-10-CM code")
    if system is None and sct:
        system, code, shown = "SNOMED CT", str(sct["code"]), sct.get("display")
    if system is None or code is None:  # both are set together
        return ctx.skip(entry, NO_CODE)
    description = str(r.get("code", {}).get("text") or shown or code).strip()
    onset_value = first_date(r.get("onsetDateTime"), r.get("onsetPeriod"), r.get("recordedDate"))
    if not onset_value:
        raise Problem(entry, "has no onset or recorded date")
    onset = day(entry, onset_value, "an onset")
    resolved_value = first_date(r.get("abatementDateTime"), r.get("abatementPeriod"))
    resolved = day(entry, resolved_value, "an abatement date") if resolved_value else None
    if resolved and resolved < onset:
        raise Problem(entry, f"abates ({resolved}) before its onset ({onset})")
    status = code_of(r.get("clinicalStatus"))
    if resolved is None and status in ("resolved", "inactive", "remission"):
        description += f" (clinical status {status}; end date not recorded)"
    bh = behavioral_code(system, code, description)
    # The condition a kept controlled drug is prescribed for stays, so a summary can say why it is taken.
    treats = entry.index in ctx.treated
    ctx.record(r, "Diagnoses recorded", description, bh, onset, ctx.keep(bh) or treats)
    if not ctx.keep(bh) and not treats:
        return ctx.skip(entry, NOT_BH)
    if not bh:
        ctx.kept_terms.add(fact_key(description))
    ctx.use(entry)
    ctx.rows["diagnoses"].append(
        {
            "id": stable_id("FD", ctx.client_id, entry.key),
            "client_id": ctx.client_id,
            "code_system": system,
            "code": code,
            "description": description,
            "onset": onset,
            "resolved": resolved,
        }
    )


# -- scored measures -----------------------------------------------------------------------------------


def measure(entry: Entry) -> tuple[str, str] | None:
    """(instrument, LOINC code) when the observation is a scored measure the chart holds."""
    for c in codings(entry.resource.get("code")):
        if c.get("system") == LOINC and c.get("code") in MEASURES:
            return MEASURES[c["code"]], c["code"]
    return None


def score(entry: Entry, holder: dict, what: str) -> int | None:
    """A whole-number value (valueQuantity, valueInteger or a scored answer); None when there is none."""
    if "valueQuantity" in holder:
        value = (holder["valueQuantity"] or {}).get("value")
    elif "valueInteger" in holder:
        value = holder["valueInteger"]
    elif "valueCodeableConcept" in holder:
        value = answer(holder["valueCodeableConcept"])
        if value is None:
            raise Problem(entry, f"has {what} {text_of(holder['valueCodeableConcept'])!r}, which is not a number")
    else:
        found = next((k for k in holder if k.startswith("value")), None)
        if found:
            raise Problem(entry, f"has {what} {holder[found]!r} ({found}), which is not a number")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Problem(entry, f"has {what} {value!r}, which is not a number")
    if value != int(value):
        raise Problem(entry, f"has {what} {value!r}, which is not a whole number")
    return int(value)


def answer(concept: object) -> int | float | None:
    for c in codings(concept):
        for ext in c.get("extension") or []:
            weight = ext.get("valueDecimal") if isinstance(ext, dict) and ext.get("url") in ORDINAL else None
            if isinstance(weight, (int, float)):
                return weight
        if c.get("system") == LOINC and c.get("code") in ANSWERS:
            return ANSWERS[c["code"]]
    return None


def observation(ctx: Context, entry: Entry) -> dict | None:
    """The assessment row of a scored observation (not yet kept: duplicates are settled by the caller)."""
    r = entry.resource
    found = measure(entry)
    if found is None:
        ctx.skip(entry, NOT_SCORED)
        return None
    if r.get("status") in UNREADY:
        ctx.skip(entry, UNREADY[r["status"]])
        return None
    instrument, loinc = found
    spec = INSTRUMENTS[instrument]
    items: list[int] | None = None
    parts = {
        c.get("code"): comp
        for comp in r.get("component") or []
        if isinstance(comp, dict)
        for c in codings(comp.get("code"))
        if c.get("system") == LOINC
    }
    wanted = ITEMS.get(instrument, ())
    if wanted and all(code in parts for code in wanted):
        answers = [score(entry, parts[code], f"a {instrument} item {code} answer") for code in wanted]
        items = [v for v in answers if v is not None]
        if len(items) < len(answers):
            raise Problem(entry, f"has a {instrument} item without an answer")
        bad = [v for v in items if not 0 <= v <= ITEM_MAX[instrument]]
        if bad:
            raise Problem(entry, f"has a {instrument} item answer {bad[0]} outside 0-{ITEM_MAX[instrument]}")
    total = score(entry, r, f"a {instrument} score")
    if total is None:
        if items is None:
            if loinc in PANELS:  # the total usually comes in its own observation
                ctx.skip(entry, "a panel without a total score or complete item answers")
                return None
            raise Problem(entry, f"has no {instrument} score")
        total = sum(items)
    if items is not None and sum(items) != total:
        raise Problem(entry, f"has {instrument} item answers adding up to {sum(items)} but a total of {total}")
    if not 0 <= total <= spec.max_score:
        raise Problem(entry, f"has a {instrument} score of {total}, outside the measure's range 0-{spec.max_score}")
    when = first_date(r.get("effectiveDateTime"), r.get("effectivePeriod"), r.get("effectiveInstant"), r.get("issued"))
    if not when:
        raise Problem(entry, "has no effective date")
    return {
        "id": stable_id("FA", ctx.client_id, entry.key),
        "client_id": ctx.client_id,
        "instrument": instrument,
        "administered_on": day(entry, when, "an effective date"),
        "total_score": total,
        "items": items,
        "severity": severity(instrument, total),
        "_when": str(when),
    }


def assessments(ctx: Context, entries: list[Entry]) -> None:
    """Scored observations; one measure given twice at the same moment (a panel and its total) counts once."""
    kept: dict[tuple[str, str], tuple[Entry, dict]] = {}
    for entry in entries:
        row = observation(ctx, entry)
        if row is None:
            continue
        key = (row["instrument"], row.pop("_when"))
        if key in kept:
            other, other_row = kept[key]
            if row["items"] is not None and other_row["items"] is None:  # the one with item answers wins
                kept[key] = (entry, row)
                entry, row = other, other_row
            ctx.skip(entry, "the same measure at the same time as another observation")
            continue
        kept[key] = (entry, row)
    for entry, row in kept.values():
        ctx.use(entry)
        ctx.rows["assessments"].append(row)
        ctx.record(
            entry.resource,
            "Measures recorded",
            f"{row['instrument']} {row['total_score']} ({row['severity']})",
            True,
            row["administered_on"],
        )


# -- treatment plans -----------------------------------------------------------------------------------

PLAN_STATUS: dict[str | None, str] = {  # looked up with the status as given, which may be absent
    "active": "active",
    "on-hold": "active",
    "unknown": "active",
    "completed": "completed",
    "revoked": "completed",
}


def care_plans(ctx: Context, plans: list[Entry], goals: list[Entry]) -> None:
    replaced = {
        target.index
        for e in plans
        for ref in e.resource.get("replaces") or []
        if (target := ctx.index.resolve(ref)) is not None
    }
    used_goals: set[int] = set()
    for entry in plans:
        r = entry.resource
        if r.get("status") in ("entered-in-error", "draft"):
            ctx.skip(entry, ERRORED if r["status"] != "draft" else "a draft plan, not in effect")
            continue
        start, end = plan_period(entry)  # checked whether or not the plan is kept: a malformed file is refused
        kinds = [text_of(c) for c in r.get("category") or [] if text_of(c) and text_of(c) != "assess-plan"]
        problems = []
        for ref in r.get("addresses") or []:
            target = ctx.index.resolve(ref)
            text = text_of(target.resource.get("code")) if target is not None else (ref or {}).get("display")
            if text and text not in problems:
                problems.append(str(text))
        enc = ctx.encounter(r)
        if not problems and enc is not None:  # Synthea states some plans' problem only as the visit's reason
            problems = [t for t in (text_of(c) for c in enc.resource.get("reasonCode") or []) if t]
        bh = behavioral(*kinds, *problems, str(r.get("title") or ""), str(r.get("description") or ""))
        name = kinds[0] if kinds else (str(r.get("title") or "") or "Care plan")
        ctx.record(r, "Care plans started", name, bh, start)
        if not ctx.keep(bh):
            ctx.skip(entry, NOT_BH)
            continue
        goal_texts = []
        for ref in r.get("goal") or []:
            target = ctx.index.resolve(ref)
            if target is not None and target.type == "Goal":
                used_goals.add(target.index)
                text = text_of(target.resource.get("description"))
                if text and text not in goal_texts:
                    goal_texts.append(text)
        interventions = []
        for act in r.get("activity") or []:
            detail = (act.get("detail") or {}) if isinstance(act, dict) else {}
            text = title(text_of(detail.get("code")) or str(detail.get("description") or ""))
            if text and text not in interventions:
                interventions.append(text)
        author = ctx.clinician(r.get("author"))
        status = "revised" if entry.index in replaced else PLAN_STATUS.get(r.get("status"), "active")
        ctx.use(entry)
        ctx.rows["treatment_plans"].append(
            {
                "id": stable_id("FP", ctx.client_id, entry.key),
                "client_id": ctx.client_id,
                "effective_from": start,
                "effective_to": end,
                "status": status,
                "problems": problems or [name],
                "goals": goal_texts,
                "objectives": [],
                "interventions": interventions,
                "author_id": author[0] if author else None,
            }
        )
    for entry in goals:
        if entry.index in used_goals:
            ctx.use(entry)
        else:
            ctx.skip(entry, NOT_LINKED)


def plan_period(entry: Entry):
    r = entry.resource
    period = r.get("period") or {}
    start_value = period.get("start") or r.get("created")
    if not start_value:
        raise Problem(entry, "has no period start or created date")
    start = day(entry, start_value, "a period start")
    end = day(entry, period["end"], "a period end") if period.get("end") else None
    if end and end < start:
        raise Problem(entry, f"ends ({end}) before it starts ({start})")
    return start, end


# -- medications -----------------------------------------------------------------------------------------

MED_SKIP = {"entered-in-error": ERRORED, "cancelled": ERRORED, "draft": "a draft, never prescribed"}


def medication_name(ctx: Context, r: dict, count: bool = True) -> tuple[str, Entry | None]:
    """The drug a request names, and the Medication resource that names it (None: inline or not in the
    file; counted as unresolved when count)."""
    name, product = text_of(r.get("medicationCodeableConcept")), None
    if not name and isinstance(r.get("medicationReference"), dict):
        product = ctx.index.resolve(r["medicationReference"])
        if product is not None:
            name = text_of(product.resource.get("code"))
        else:
            if count:
                ctx.unresolved["Medication"] += 1
            name = str(r["medicationReference"].get("display") or "")
    return name, product


def treated_conditions(ctx: Context, requests: list[Entry], conditions: list[Entry]) -> set[int]:
    """Conditions that prescriptions of controlled drugs are for (entry indexes): those the request's
    reasonReference names, else those coded as its reasonCode, else its encounter's reason. A code names
    the record of that condition in effect on the day of the prescription (else the latest before it)."""
    by_code: dict[tuple[str, str], list[Episode]] = {}
    for e in conditions:
        r = e.resource
        episode = Episode(
            e.index,
            _soft_date(first_date(r.get("onsetDateTime"), r.get("onsetPeriod"), r.get("recordedDate"))),
            _soft_date(first_date(r.get("abatementDateTime"), r.get("abatementPeriod"))),
        )
        for c in codings(r.get("code")):
            if c.get("system") and c.get("code"):
                by_code.setdefault((str(c["system"]), str(c["code"])), []).append(episode)
    treated: set[int] = set()
    for entry in requests:
        r = entry.resource
        if r.get("status") in MED_SKIP or r.get("intent") in ("proposal", "plan"):
            continue
        if not controlled(medication_name(ctx, r, count=False)[0]):
            continue
        validity = (r.get("dispenseRequest") or {}).get("validityPeriod") or {}
        when = _soft_date(r.get("authoredOn") or validity.get("start"))
        holder = r
        if not r.get("reasonReference") and not r.get("reasonCode"):
            holder = (ctx.index.resolve(r.get("encounter")) or entry).resource
        for ref in holder.get("reasonReference") or []:
            target = ctx.index.resolve(ref)
            if target is not None and target.type == "Condition":
                treated.add(target.index)
        for concept in holder.get("reasonCode") or []:
            found = [x for c in codings(concept) for x in by_code.get((str(c.get("system")), str(c.get("code"))), [])]
            treated |= {x.index for x in in_effect(found, when)}
    return treated


@dataclass(frozen=True)
class Episode:
    index: int  # the Condition's entry
    onset: date | None
    end: date | None


def in_effect(episodes: list[Episode], when: date | None) -> list[Episode]:
    """The records of a condition in effect on a day, else the latest one begun before it."""
    if when is None:
        return episodes
    begun = sorted((x for x in episodes if x.onset is not None and x.onset <= when), key=lambda x: x.onset or when)
    return [x for x in begun if x.end is None or x.end >= when] or begun[-1:]


def _soft_date(value: object) -> date | None:
    """A date to compare by, or None (malformed dates are reported where the item itself is mapped)."""
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def medication(ctx: Context, entry: Entry) -> None:
    r = entry.resource
    if r.get("status") in MED_SKIP:
        return ctx.skip(entry, MED_SKIP[r["status"]])
    if r.get("intent") in ("proposal", "plan"):
        return ctx.skip(entry, "a proposal or plan, not a prescription")
    name, product = medication_name(ctx, r)
    if not name:
        raise Problem(entry, "names no medication")
    bh = behavioral_medication(name) or any(behavioral(text_of(c)) for c in r.get("reasonCode") or [])
    for ref in r.get("reasonReference") or []:
        target = ctx.index.resolve(ref)
        bh = bh or (target is not None and behavioral(text_of(target.resource.get("code"))))
    validity = (r.get("dispenseRequest") or {}).get("validityPeriod") or {}
    start_value = r.get("authoredOn") or validity.get("start")
    if not start_value:
        raise Problem(entry, "has no authoredOn date")
    start = day(entry, start_value, "an authoredOn date")
    end = day(entry, validity["end"], "a validity end") if validity.get("end") else None
    if end and end < start:
        raise Problem(entry, f"ends ({end}) before it starts ({start})")
    ctx.record(r, "Medications prescribed", name, bh, start)
    if not ctx.keep(bh or controlled(name)):
        return ctx.skip(entry, NOT_BH)
    prescriber = ctx.clinician(r.get("requester"))
    for used in (entry, product):
        if used is not None:
            ctx.use(used)
    ctx.rows["medications"].append(
        {
            "id": stable_id("FM", ctx.client_id, entry.key),
            "client_id": ctx.client_id,
            "name": name,
            "dosage": dosage(r.get("dosageInstruction")),
            "start_date": start,
            "end_date": end,
            "status": str(r.get("status") or "unknown"),
            "prescriber": prescriber[1] if prescriber else None,
        }
    )


PERIODS = {"h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year", "min": "minute"}


def dosage(instructions: Iterable[object] | None) -> str | None:
    """The dosage as written, else a plain reading of its structured dose and timing."""
    dose = next((d for d in instructions or [] if isinstance(d, dict)), None)
    if dose is None:
        return None
    if dose.get("text"):
        return str(dose["text"])
    parts = []
    quantity = next(
        (x.get("doseQuantity") for x in dose.get("doseAndRate") or [] if isinstance(x, dict) and x.get("doseQuantity")),
        None,
    )
    if quantity and quantity.get("value") is not None:
        value = quantity["value"]
        value = int(value) if float(value).is_integer() else value
        parts.append(f"{value} {quantity.get('unit') or ('dose' if value == 1 else 'doses')}")
    repeat = (dose.get("timing") or {}).get("repeat") or {}
    if repeat.get("frequency") and repeat.get("period") and repeat.get("periodUnit") in PERIODS:
        freq, period, unit = int(repeat["frequency"]), float(repeat["period"]), PERIODS[repeat["periodUnit"]]
        times = {1: "once", 2: "twice"}.get(freq, f"{freq} times")
        parts.append(f"{times} a {unit}" if period == 1 else f"{times} every {period:g} {unit}s")
    if dose.get("asNeededBoolean"):
        parts.append("as needed")
    return ", ".join(parts) or None


# -- procedures (not chart items: they tell which encounters were behavioral-health care) ----------


def procedure(ctx: Context, entry: Entry) -> None:
    r = entry.resource
    name = title(text_of(r.get("code")))
    bh = behavioral_concept(r.get("code"), name)  # therapy, screening, rehabilitation and detoxification
    if r.get("status") in ("entered-in-error", "not-done", "preparation"):
        return ctx.skip(entry, ERRORED)
    when = _soft_date(first_date(r.get("performedDateTime"), r.get("performedPeriod")))
    ctx.record(r, "Procedures", name, bh, when)
    ctx.skip(entry, NOT_CHART)
