"""The chart's use cases: find clients, read a chart, preview a summary's sources, import records.
Every one takes the acting user and checks permission itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import access, evidence, fhir, note_files, quality, sources
from .claims import Finding
from .clock import utcnow
from .engines import Engine
from .errors import InvalidImport
from .models import Actor, Chart, Citation, ClientRow, Draft
from .service import Practice
from .sources import DateRange, Selection


def find_clients(p: Practice, actor: Actor, search: str = "") -> list[ClientRow]:
    """Clients matching the search (every word in the name or id, ignoring case and accents) that
    the actor may see (a clinician: their caseload), each with what waits on the chart: the open
    draft, the last signed summary and the unsigned notes (one query for the whole list)."""
    access.check_session(p.store, actor)
    sees, caseload = _client_list(actor)
    if not sees:
        return []
    return [r for r in p.store.client_rows(search, caseload) if access.can(actor, "view", r.clinician_id, client=True)]


def _client_list(actor: Actor) -> tuple[bool, str | None]:
    """Whether the actor has a client list, and whose caseload it is limited to (None: every client)."""
    if not access.can(actor, "view"):
        return False, None
    if access.sees_all_clients(actor):
        return True, None
    return actor.clinician_id is not None, actor.clinician_id


@dataclass(frozen=True)
class ClientPage:
    rows: tuple[ClientRow, ...]
    total: int  # clients the search finds on the actor's list, in all
    first: int  # the position of rows[0] in that list, from 0
    per_page: int


CLIENTS_PER_PAGE = 50


def client_page(p: Practice, actor: Actor, search: str = "", page: int = 0, per_page: int | None = None) -> ClientPage:
    """One page of find_clients, read as a page: the count and the page's rows from the database, not
    the whole list (a practice of 100,000 clients is paged in the database, searched there too). A page
    past the end shows the last one."""
    access.check_session(p.store, actor)
    per_page = per_page or CLIENTS_PER_PAGE
    sees, caseload = _client_list(actor)
    if not sees:
        return ClientPage((), 0, 0, per_page)
    total = p.store.count_client_rows(search, caseload)
    first = max(0, min(page, (total - 1) // per_page)) * per_page if total else 0
    rows = p.store.client_rows(search, caseload, offset=first, limit=per_page)
    return ClientPage(
        tuple(r for r in rows if access.can(actor, "view", r.clinician_id, client=True)), total, first, per_page
    )


def permitted(p: Practice, actor: Actor, client_id: str) -> frozenset[str]:
    """What the actor may do on this client, for the screens to offer (core still checks each action)."""
    access.check_session(p.store, actor)
    clinician = p.store.client(client_id).clinician_id
    return frozenset(a for a in access.ACTIONS if access.can(actor, a, clinician, client=True))


def chart(p: Practice, actor: Actor, client_id: str) -> Chart:
    access.require(p.store, actor, "view", client_id)
    return p.store.chart(client_id)


def selection(
    p: Practice,
    client_id: str,
    start: date | None,
    end: date | None,
    purpose: str | None = None,
    leave_out: Iterable[str] = (),
) -> Selection:
    """Inside core: the sources for a summary of the range, minus what the user unticked (not yet judged)."""
    return sources.select(p.store, client_id, start, end, purpose, p.today()).without(leave_out)


def preview_sources(
    p: Practice,
    actor: Actor,
    client_id: str,
    start: date | None,
    end: date | None,
    purpose: str | None = None,
    leave_out: Iterable[str] = (),
) -> Selection:
    """What a summary of the range would be drafted from (the Sources table), before Generate."""
    access.require(p.store, actor, "generate", client_id)
    return selection(p, client_id, start, end, purpose, leave_out)


def preset_range(p: Practice, actor: Actor, client_id: str, preset: str) -> DateRange:
    access.require(p.store, actor, "view", client_id)
    return sources.preset_range(preset, p.today(), p.store, client_id)


def preview_draft(
    p: Practice,
    actor: Actor,
    client_id: str,
    start: date,
    end: date,
    purpose: str | None = None,
    engine: str | None = None,
    leave_out: Iterable[str] = (),
    on_text: Callable[[str], None] | None = None,
) -> tuple[Selection, Draft]:
    """Select, check sufficiency (nothing is sent anywhere when it fails) and draft, unsaved."""
    access.require(p.store, actor, "generate", client_id)
    chosen = sources.require_sufficient(selection(p, client_id, start, end, purpose, leave_out))
    return chosen, p.engine(engine).generate(chosen, on_text)


def drafting_engines(p: Practice, actor: Actor, client_id: str) -> list[Engine]:
    """The engines a draft for this client may be made with, the configured one first. The
    rule-based engine is always one; it is the only one for a client without AI consent."""
    access.require(p.store, actor, "generate", client_id)
    configured, offline = p.engine(), p.engine("offline")
    if configured.name == "offline" or not p.store.client(client_id).ai_consent_on:
        return [offline]
    return [configured, offline]


def check_text(p: Practice, actor: Actor, selection_: Selection, text: str, citations=()) -> quality.QualityReport:
    """The automated checks of a text against the sources it was drafted from (and against the
    client's excluded notes, for leaks: their text is compared in core and never returned)."""
    access.require(p.store, actor, "view", selection_.client.id)
    return quality.check(text, selection_, citations, p.store.excluded_note_texts(selection_.client.id))


def paragraph_evidence(
    p: Practice,
    actor: Actor,
    selection_: Selection,
    text: str,
    generated: str = "",
    citations: Iterable[Citation] = (),
    findings: Iterable[Finding] = (),
) -> list[evidence.Paragraph]:
    """Per paragraph of a text, the chart items it rests on with the passages it carries, and the
    checks' findings on it (see core.evidence)."""
    access.require(p.store, actor, "view", selection_.client.id)
    return evidence.of_text(selection_, text, generated, citations, findings)


def import_fhir(
    p: Practice,
    actor: Actor,
    paths: Iterable[str | Path],
    on_progress: Callable[[int, int, str], None] | None = None,
    *,
    behavioral_only: bool = True,
) -> list[fhir.ImportReport]:
    """Import FHIR R4 bundles or NDJSON files: all of them, or none if any is malformed (the
    InvalidImport error names the file, the resource and the problem). on_progress(done, total,
    file name) is called as each file is read; importing the same files again adds nothing."""
    access.require(p.store, actor, "import")
    reports = fhir.import_files(p.store, paths, behavioral_only=behavioral_only, on_progress=on_progress)
    now = utcnow()
    for r in reports:
        p.store.audit(
            now,
            actor.id,
            "import",
            r.client_id,
            None,
            None,
            f"FHIR {Path(r.file).name}: {sum(r.added.values())} rows added",
        )
    return reports


def import_notes(
    p: Practice,
    actor: Actor,
    client_id: str,
    paths: Iterable[str | Path],
    defaults: note_files.Defaults = note_files.Defaults(),
    on_progress: Callable[[int, int, str], None] | None = None,
) -> list[note_files.NotesReport]:
    """Import notes from files (plain text, Markdown, CSV, PDF) into one client's chart: every note
    of every file, or none if one file, row or page is bad (the InvalidImport error says which and
    why). Each note keeps its type; importing the same files again adds nothing."""
    access.require(p.store, actor, "import")
    client = p.store.client(client_id)
    files = [Path(x) for x in paths]
    if not files:
        raise InvalidImport("No files of notes to import. Nothing was imported.")
    today = p.today()
    read: list[list[note_files.Read]] = []
    for n, path in enumerate(files, 1):
        read.append(note_files.read_notes(path, defaults, today))
        if on_progress:
            on_progress(n, len(files), path.name)
    known = {c.id: c.id for c in p.store.clinicians()} | {c.display_name: c.id for c in p.store.clinicians()}
    batches = [note_files.rows(client.id, notes, known) for notes in read]
    added = p.store.import_chart_batches(batches)
    now = utcnow()
    reports = []
    for path, notes, got in zip(files, read, added, strict=True):
        report = note_files.NotesReport(
            path.name, client.id, len(notes), got.get("notes", 0), dict(Counter(x.note_type for x in notes))
        )
        p.store.audit(now, actor.id, "import", client.id, None, None, f"notes {path.name}: {report.added} notes added")
        reports.append(report)
    return reports
