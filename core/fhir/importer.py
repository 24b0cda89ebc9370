"""FHIR import: files to chart rows, saved all together in one transaction, with a report per patient."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ..errors import InvalidImport
from ..store import CHART_TABLES
from ..store import BaseStore as Store
from . import mapping
from .context import NOT_CHART, Context
from .notes import notes
from .reader import NDJSON_SUFFIXES, Entry, Index, Problem, read_file
from .values import stable_id

SUBJECT_KEYS = ("subject", "patient", "beneficiary")
# Resources mapped to chart rows must say whose they are; others are only counted.
NEEDS_SUBJECT = {"Condition", "Encounter", "DocumentReference", "CarePlan", "MedicationRequest"}
Progress = Callable[[int, int, str], None]  # (files done, files in all, name of the file just read)


@dataclass(frozen=True)
class ImportReport:
    """What one patient of one file became in the chart, and what was left out and why."""

    file: str
    client_id: str
    client_name: str
    added: dict[str, int]  # chart rows added, per table
    duplicates: dict[str, int]  # rows already in the chart (an earlier import), per table
    used: dict[str, int]  # FHIR resources that became (or fed) chart rows, per resource type
    skipped: dict[str, dict[str, int]]  # FHIR resources left out: resource type -> reason -> count
    unresolved: dict[str, int]  # references to resources not in the file, per referenced type
    behavioral_only: bool
    read_ms: int  # reading and mapping the file

    def describe(self) -> str:
        kinds = ("diagnoses", "assessments", "treatment_plans", "notes", "medications", "clinicians")
        added = ", ".join(f"{self.added.get(k, 0)} {k.replace('_', ' ')}" for k in kinds)
        lines = [f"{self.file}: {self.client_name} as {self.client_id}: added {added}."]
        dupes = sum(self.duplicates.values())
        if dupes:
            lines.append(f"  Already in the chart (left as they were): {dupes} rows.")
        if self.skipped:
            lines.append(
                "  Left out: "
                + "; ".join(f"{t} {sum(r.values())} ({_reasons(r)})" for t, r in sorted(self.skipped.items()))
                + "."
            )
        if self.unresolved:
            lines.append(
                "  References to resources not in the file (left empty): "
                + ", ".join(f"{t} {n}" for t, n in sorted(self.unresolved.items()))
                + "."
            )
        return "\n".join(lines)


def _reasons(reasons: dict[str, int]) -> str:
    if len(reasons) == 1:
        return next(iter(reasons))
    return ", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))


@dataclass
class Mapped:
    """One patient's rows, ready to save."""

    file: str
    ctx: Context
    entries: list[Entry]
    read_ms: int
    rows: dict[str, list[dict]] = field(default_factory=dict)

    def report(self, added: dict[str, int]) -> ImportReport:
        used: Counter[str] = Counter()
        skipped: dict[str, Counter[str]] = {}
        for e in self.entries:
            reason = self.ctx.outcome.get(e.index, NOT_CHART)
            if reason is None:
                used[e.type] += 1
            else:
                skipped.setdefault(e.type, Counter())[reason] += 1
        client = self.rows["clients"][0]
        tables = [t for t in CHART_TABLES if self.rows.get(t)]
        return ImportReport(
            self.file,
            client["id"],
            client["full_name"],
            {t: added.get(t, 0) for t in tables},
            {t: len(self.rows[t]) - added.get(t, 0) for t in tables if len(self.rows[t]) > added.get(t, 0)},
            dict(used),
            {t: dict(c) for t, c in skipped.items()},
            dict(self.ctx.unresolved),
            self.ctx.behavioral_only,
            self.read_ms,
        )


def files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, with a directory standing for the FHIR files in it."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() in (".json", *NDJSON_SUFFIXES))
        elif p.exists():
            out.append(p)
        else:
            raise InvalidImport(f"There is no file {p}. Nothing was imported.")
    if not out:
        raise InvalidImport("No FHIR files to import (.json bundles or .ndjson). Nothing was imported.")
    return out


def import_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    behavioral_only: bool = True,
    on_progress: Progress | None = None,
    today: date | None = None,
) -> list[ImportReport]:
    """Import FHIR R4 files: all of them or, if any is malformed, none (the error names the file,
    the resource and the problem). Importing the same files again adds nothing. A birth date after
    today (by default the later of the local and the UTC date, so no time zone refuses a newborn) is
    malformed."""
    today = today or max(date.today(), datetime.now(UTC).date())
    todo = files(paths)
    mapped: list[Mapped] = []
    for n, path in enumerate(todo, 1):
        mapped += map_file(path, behavioral_only, today)
        if on_progress:
            on_progress(n, len(todo), path.name)
    check_record_numbers(store, mapped)
    added = store.import_chart_batches([m.rows for m in mapped])
    return [m.report(a) for m, a in zip(mapped, added)]


def map_file(path: Path, behavioral_only: bool = True, today: date | None = None) -> list[Mapped]:
    started = time.perf_counter()
    entries = read_file(path)
    try:
        mapped = map_entries(path.name, entries, behavioral_only, today)
    except Problem as p:
        where = f"{p.entry.label} " if p.entry else ""
        raise InvalidImport(f"{path.name}: {where}{p.message}. Nothing was imported.") from None
    except RecursionError:  # a resource nested deeper than any FHIR resource is, past the parser
        raise InvalidImport(f"{path.name}: nests its resources too deeply to read. Nothing was imported.") from None
    ms = round((time.perf_counter() - started) * 1000)
    for m in mapped:
        m.read_ms = ms
    return mapped


def needs_subject(entry: Entry) -> bool:
    return entry.type in NEEDS_SUBJECT or (entry.type == "Observation" and mapping.measure(entry) is not None)


def map_entries(name: str, entries: list[Entry], behavioral_only: bool, today: date | None = None) -> list[Mapped]:
    index = Index(entries)
    patients = [e for e in entries if e.type == "Patient"]
    if not patients:
        raise Problem(
            None,
            "holds no Patient resource; each file must hold a patient with their records (a bulk "
            "export split into one file per resource type is not supported)",
        )
    groups: dict[int, list[Entry]] = {p.index: [] for p in patients}
    shared: list[Entry] = []
    for e in entries:
        if e.type == "Patient":
            continue
        ref = next((e.resource[k] for k in SUBJECT_KEYS if isinstance(e.resource.get(k), dict)), None)
        target = index.resolve(ref)
        if target is not None and target.type == "Patient":
            groups[target.index].append(e)
        elif needs_subject(e):
            if ref is None or not ref.get("reference"):
                raise Problem(e, "has no subject (the patient it is about)")
            raise Problem(e, f"refers to patient {ref['reference']!r}, who is not in this file")
        else:
            shared.append(e)  # practitioners, organizations, medications: counted with the first patient
    clinician_rows = {e.key: mapping.practitioner(e) for e in entries if e.type == "Practitioner"}
    clinicians = {k: (row["id"], row["display_name"]) for k, row in clinician_rows.items()}
    out = []
    for n, p in enumerate(patients):
        own = groups[p.index] + (shared if n == 0 else [])
        ctx = Context(index, client_id(p), behavioral_only, clinicians, today=today or date.today())
        rows = map_patient(ctx, p, own)
        if n == 0:
            rows["clinicians"] = list({r["id"]: r for r in clinician_rows.values()}.values())
            for e in own:
                if e.type == "Practitioner":
                    ctx.use(e)
        out.append(Mapped(name, ctx, [p] + own, 0, rows))
    return out


def client_id(patient: Entry) -> str:
    """From the FHIR Patient id, so importing the same patient again finds the same client."""
    key = (
        patient.id
        or patient.full_url
        or next(
            (
                f"{i.get('system')}|{i['value']}"
                for i in patient.resource.get("identifier") or []
                if isinstance(i, dict) and i.get("value")
            ),
            None,
        )
    )
    if not key:
        raise Problem(patient, "has no id or identifier, so a later import could not recognize the patient")
    return stable_id("F", key)


def map_patient(ctx: Context, patient: Entry, own: list[Entry]) -> dict[str, list[dict]]:
    by_type: dict[str, list[Entry]] = {}
    for e in own:
        by_type.setdefault(e.type, []).append(e)
    client = mapping.patient(patient, ctx.client_id, ctx.today)
    ctx.use(patient)
    ctx.rows["client_contacts"] = mapping.contacts(ctx, patient, by_type.get("RelatedPerson", []))
    if ctx.behavioral_only:
        ctx.treated = mapping.treated_conditions(
            ctx, by_type.get("MedicationRequest", []), by_type.get("Condition", [])
        )
    for e in by_type.get("Condition", []):
        mapping.condition(ctx, e)
    mapping.assessments(ctx, by_type.get("Observation", []))
    mapping.care_plans(ctx, by_type.get("CarePlan", []), by_type.get("Goal", []))
    for e in by_type.get("MedicationRequest", []):
        mapping.medication(ctx, e)
    for e in by_type.get("Procedure", []):
        mapping.procedure(ctx, e)
    notes(ctx, by_type.get("Encounter", []), by_type.get("DocumentReference", []), by_type.get("DiagnosticReport", []))
    client["clinician_id"] = assigned_clinician(ctx, patient)
    rows = {table: list(ctx.rows.get(table, [])) for table in CHART_TABLES if ctx.rows.get(table)}
    rows["clients"] = [client]
    return rows


def assigned_clinician(ctx: Context, patient: Entry) -> str | None:
    """The patient's stated general practitioner, else whoever wrote their most recent imported note."""
    for ref in patient.resource.get("generalPractitioner") or []:
        found = ctx.clinician(ref)
        if found:
            return found[0]
    authored = sorted((n["note_date"], n["id"], n["author_id"]) for n in ctx.rows.get("notes", []) if n["author_id"])
    return authored[-1][2] if authored else None


def check_record_numbers(store: Store, mapped: list[Mapped]) -> None:
    """A medical record number names one client: refuse an import that would give it to a second one."""
    owners: dict[str, tuple[str, str]] = {}
    for m in mapped:
        client = m.rows["clients"][0]
        if client["mrn"]:
            other = owners.setdefault(client["mrn"], (client["id"], m.file))
            if other[0] != client["id"]:
                raise InvalidImport(
                    f"{m.file}: the patient's medical record number {client['mrn']} is also used by "
                    f"another patient in {other[1]}. Nothing was imported."
                )
    existing = store.client_ids_by_mrn(list(owners))
    for mrn, (cid, file) in owners.items():
        if existing.get(mrn, cid) != cid:
            raise InvalidImport(
                f"{file}: the patient's medical record number {mrn} already belongs to client "
                f"{existing[mrn]} in the chart. Nothing was imported."
            )
