"""What the mappers share while one patient of one file is mapped: rows, references and the tally."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from .reader import Entry, Index, Problem, reference_type
from .values import fact_key, parse_date, parse_datetime

# Why resources are left out, as the import report says it.
NOT_BH = "not behavioral-health related"
NOT_CHART = "not a kind of chart item"
NOT_SCORED = "not a scored measure the chart holds"
ERRORED = "entered in error, refuted or cancelled"
REPEATED_NOTE = "repeats the text of a note found earlier in the file"
NO_CODE = "no ICD-10-CM or SNOMED CT code"
NOT_LINKED = "not part of an imported care plan"
NOT_A_SESSION = "a wellness, routine or administrative visit, not a behavioral-health session"


@dataclass
class Context:
    """The mapping of one patient: filled by the mappers, read by the importer."""

    index: Index
    client_id: str
    behavioral_only: bool
    clinicians: dict[str, tuple[str, str]]  # Practitioner key -> (clinician id, display name)
    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    outcome: dict[int, str | None] = field(default_factory=dict)  # entry index -> None (used) or skip reason
    unresolved: Counter = field(default_factory=Counter)
    bh_encounters: set[int] = field(default_factory=set)  # entry index of encounters with BH content
    # What was recorded in each encounter, for encounters that come without note text: label -> text ->
    # the dates it was recorded on (None: undated). Synthea files some items under an earlier visit.
    encounter_facts: dict[int, dict[str, dict[str, list[date | None]]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # Every dated item, kept or not, by fact_key: when each encounter recorded it and when it first appears
    # in the file, so note text never tells of something dated after the note.
    dated: dict[int, dict[str, list[date]]] = field(default_factory=lambda: defaultdict(dict))
    first_dated: dict[str, date] = field(default_factory=dict)
    treated: set[int] = field(default_factory=set)  # entry index of conditions a kept controlled drug treats
    kept_terms: set[str] = field(default_factory=set)  # fact_key of items kept although not BH (those conditions)
    _encounters: dict[int, Entry | None] = field(default_factory=dict)  # by id() of the resource
    today: date = field(default_factory=date.today)  # no one is born after it

    def use(self, entry: Entry) -> None:
        self.outcome[entry.index] = None

    def skip(self, entry: Entry, reason: str) -> None:
        self.outcome[entry.index] = reason

    def keep(self, behavioral: bool) -> bool:
        return behavioral or not self.behavioral_only

    def clinician(self, ref: object, count: bool = True) -> tuple[str, str] | None:
        """The imported clinician a reference names; counts the reference when the file lacks it."""
        if not isinstance(ref, dict) or not ref.get("reference"):
            return None
        target = self.index.resolve(ref)
        if target is not None and target.key in self.clinicians:
            return self.clinicians[target.key]
        if count:
            self.unresolved[reference_type(ref)] += 1
        return None

    def encounter(self, resource: dict) -> Entry | None:
        """The encounter an item belongs to (resolved once per item, so a missing one counts once)."""
        if id(resource) in self._encounters:
            return self._encounters[id(resource)]
        ref = resource.get("encounter") or (resource.get("context") or {}).get("encounter")
        if isinstance(ref, list):
            ref = ref[0] if ref else None
        target = self.index.resolve(ref)
        if target is None or target.type != "Encounter":
            target = None
            if isinstance(ref, dict) and ref.get("reference"):
                self.unresolved[reference_type(ref)] += 1
        self._encounters[id(resource)] = target
        return target

    def record(
        self,
        resource: dict,
        label: str,
        text: str,
        behavioral: bool,
        when: date | None = None,
        kept: bool | None = None,
    ) -> None:
        """Note what an item recorded in its encounter and when, and whether that makes the encounter BH
        related; kept (default: whether the scope keeps a BH or other item) says if its note may list it."""
        key = fact_key(text)
        if when is not None and key:
            self.first_dated[key] = min(when, self.first_dated.get(key, when))
        enc = self.encounter(resource)
        if enc is None:
            return
        if behavioral:
            self.bh_encounters.add(enc.index)
        if when is not None and key:
            self.dated[enc.index].setdefault(key, []).append(when)
        if (self.keep(behavioral) if kept is None else kept) and text:
            self.encounter_facts[enc.index].setdefault(label, {}).setdefault(text, []).append(when)


def day(entry: Entry, value: object, what: str):
    try:
        return parse_date(value)
    except ValueError:
        raise Problem(entry, f"has {what} {value!r} that is not a FHIR date") from None


def moment(entry: Entry, value: object, what: str):
    try:
        return parse_datetime(value)
    except ValueError:
        raise Problem(entry, f"has {what} {value!r} that is not a FHIR dateTime") from None
