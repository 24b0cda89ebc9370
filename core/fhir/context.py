"""What the mappers share while one patient of one file is mapped: rows, references and the tally."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .reader import Entry, Index, Problem, reference_type
from .values import parse_date, parse_datetime

# Why resources are left out, as the import report says it.
NOT_BH = "not behavioral-health related"
NOT_CHART = "not a kind of chart item"
NOT_SCORED = "not a scored measure the chart holds"
ERRORED = "entered in error, refuted or cancelled"
REPEATED_NOTE = "repeats the text of a note found earlier in the file"
NO_CODE = "no ICD-10-CM or SNOMED CT code"
NOT_LINKED = "not part of an imported care plan"


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
    # What was recorded in each encounter, for encounters that come without note text.
    encounter_facts: dict[int, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    _encounters: dict[int, Entry | None] = field(default_factory=dict)  # by id() of the resource

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

    def record(self, resource: dict, label: str, text: str, behavioral: bool) -> None:
        """Note what an item recorded in its encounter, and whether that makes the encounter BH related."""
        enc = self.encounter(resource)
        if enc is None:
            return
        if behavioral:
            self.bh_encounters.add(enc.index)
        if self.keep(behavioral) and text:
            facts = self.encounter_facts[enc.index].setdefault(label, [])
            if text not in facts:
                facts.append(text)


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
