"""Domain objects: chart items, source selections and drafts (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Which notes may feed a summary (SPEC section 3), in one place: signed intake and progress notes.
# The others are never read into a prompt, quoted or offered as a source. The schema's CHECK on
# notes.note_type lists NOTE_TYPES (tests/test_layering.py checks they agree).
USABLE_NOTE_TYPES = ("intake", "progress")
EXCLUDED_NOTE_TYPES = ("administrative", "cancellation", "clinical")
NOTE_TYPES = USABLE_NOTE_TYPES + EXCLUDED_NOTE_TYPES
NOTE_FORMATS = ("SOAP", "DAP", "BIRP", "free")
PLAN_STATUSES = ("active", "revised", "completed")


def signature(name: str, credentials: str) -> str:
    """How a signer is named: "Dana Whitfield, LCSW"."""
    return f"{name}, {credentials}" if credentials else name


@dataclass(frozen=True)
class Clinician:
    id: str
    display_name: str
    credentials: str

    @property
    def signature_name(self) -> str:
        return signature(self.display_name, self.credentials)


@dataclass(frozen=True)
class ClientContact:
    """A person related to a client (FHIR Patient.contact or RelatedPerson): identifies the client too."""

    client_id: str
    relationship: str
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Client:
    id: str
    full_name: str
    first_name: str
    last_name: str
    date_of_birth: date
    pronouns: str | None
    gender: str | None
    phone: str | None
    email: str | None
    address: str | None
    mrn: str | None
    clinician_id: str | None
    ai_consent_on: date | None
    source: str = "demo"
    contacts: tuple[ClientContact, ...] = ()  # related persons, masked like the client

    def age_on(self, day: date) -> int:
        years = day.year - self.date_of_birth.year
        return years - ((day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day))

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Everything that identifies the client directly: never leaves the practice."""
        values = (
            self.full_name,
            self.first_name,
            self.last_name,
            self.id,
            self.mrn,
            self.phone,
            self.email,
            self.address,
            self.date_of_birth.isoformat(),
        )
        return tuple(v for v in values if v)


@dataclass(frozen=True)
class ClientRow:
    """One line of the client list: who the client is, and what is waiting on their chart."""

    id: str
    full_name: str
    clinician: str | None
    first_date: date | None
    last_date: date | None
    clinician_id: str | None = None
    # The open draft, if any (times UTC, people by display name): who started it and when, and
    # who changed it last (an edit, Update, Undo or Redo) and when.
    draft_started_at: datetime | None = None
    draft_started_by: str | None = None
    draft_changed_at: datetime | None = None
    draft_changed_by: str | None = None
    # The newest signed summary that was not deleted: when, and the signer's name.
    last_signed_at: datetime | None = None
    last_signed_by: str | None = None
    # Intake and progress notes without a signature (they cannot feed a summary until signed).
    unsigned_notes: int = 0


@dataclass(frozen=True)
class Diagnosis:
    id: str
    client_id: str
    code_system: str
    code: str
    description: str
    onset: date
    resolved: date | None


@dataclass(frozen=True)
class Assessment:
    id: str
    client_id: str
    instrument: str
    administered_on: date
    total_score: int
    items: tuple[int, ...] | None
    severity: str


@dataclass(frozen=True)
class Plan:
    id: str
    client_id: str
    effective_from: date
    effective_to: date | None
    status: str
    problems: tuple[str, ...]
    goals: tuple[str, ...]
    objectives: tuple[str, ...]
    interventions: tuple[str, ...]
    author: str | None


@dataclass(frozen=True)
class Note:
    id: str
    client_id: str
    note_type: str
    note_format: str
    note_date: date
    title: str
    author: str | None
    signed_at: datetime | None
    text: str

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


@dataclass(frozen=True)
class Medication:
    id: str
    client_id: str
    name: str
    dosage: str | None
    start_date: date
    end_date: date | None
    status: str
    prescriber: str | None


@dataclass(frozen=True)
class Chart:
    """Everything on file for one client (all note types): the chart view and the export."""

    client: Client
    diagnoses: tuple[Diagnosis, ...]
    assessments: tuple[Assessment, ...]
    plans: tuple[Plan, ...]
    notes: tuple[Note, ...]
    medications: tuple[Medication, ...] = ()

    @property
    def usable_notes(self) -> tuple[Note, ...]:
        """Signed intake and progress notes: the only notes whose text may be shown beside a summary or
        feed one (administrative, cancellation and psychotherapy notes never are)."""
        return tuple(n for n in self.notes if n.note_type in USABLE_NOTE_TYPES and n.signed)


@dataclass(frozen=True)
class SourceItem:
    """One chart item offered to the engine, with why it is in."""

    id: str
    kind: str  # diagnosis, plan, assessment, note, medication
    date: date
    title: str
    author: str | None
    reason: str
    text: str


@dataclass(frozen=True)
class ExcludedCount:
    kind: str
    count: int
    reason: str


@dataclass(frozen=True)
class Citation:
    """The source items a paragraph of the draft (0-based, blank-line separated blocks) rests on."""

    paragraph: int
    item_ids: tuple[str, ...]
    # (item id, the text of it the engine quotes) where the engine says which words it cites
    quotes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Generation:
    """How the text of a draft version was produced (absent for the clinician's own edits)."""

    engine: str
    model: str
    prompt_version: str
    generated_at: datetime
    duration_ms: int
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    label: str = ""
    # findings of the checks still open when the clinician signed, acknowledged by them (signed records only)
    acknowledged: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    """What an engine returns: the Markdown text, its citations and how it was made."""

    text: str
    citations: tuple[Citation, ...]
    generation: Generation
    omitted_item_ids: tuple[str, ...] = field(default=())  # sources left out to fit the model's context


# -- the summary lifecycle ---------------------------------------------------------------------------

ROLES = ("clinician", "supervisor", "pilot_tester", "admin")


@dataclass(frozen=True)
class Actor:
    """Who is acting: every lifecycle call takes one, and the audit log records it."""

    id: str
    display_name: str
    roles: tuple[str, ...] = ("clinician",)  # one or more of ROLES
    credentials: str = ""
    clinician_id: str | None = None  # the clinician record this user signs as, if any
    auth: str = "local"  # how they signed in: local (password), oidc, or cli (a trusted shell)
    session_id: str | None = None  # the sign-in session core checks on every action (None: in-process callers)

    def __post_init__(self) -> None:
        # a bare string would pass `"admin" in roles` as a substring test: refuse it outright
        if not isinstance(self.roles, tuple):
            raise TypeError(f"Actor.roles is a tuple of role names, not {type(self.roles).__name__}")


@dataclass(frozen=True)
class UserSummary:
    """A user account as the administrators' list shows it: everything but the password hash."""

    id: str
    display_name: str
    roles: tuple[str, ...]
    clinician_id: str | None
    email: str | None
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class UserAccount:
    """A user account as stored (core.store.auth.USER_COLUMNS); the hash stays inside core."""

    id: str
    display_name: str
    roles: tuple[str, ...]
    clinician_id: str | None
    email: str | None
    password_hash: str | None = field(repr=False)  # argon2; None for accounts that sign in by OIDC only
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime

    @property
    def summary(self) -> UserSummary:
        """The account without its password hash."""
        return UserSummary(
            self.id,
            self.display_name,
            self.roles,
            self.clinician_id,
            self.email,
            self.disabled,
            self.failed_attempts,
            self.locked_until,
            self.created_at,
        )


@dataclass(frozen=True)
class SourceRef:
    """A chart item a draft or summary was built from, as listed on the summary."""

    id: str
    kind: str
    date: date
    title: str


@dataclass(frozen=True)
class Version:
    """One state of a draft's text, with the generation and citations that go with that text."""

    number: int
    kind: str  # generated, refined (an Update's result), edited (the clinician's typing)
    created_at: datetime
    updated_at: datetime
    instruction: str | None
    text: str
    author: str
    based_on: int | None  # the version it was made from; Undo goes back to it
    generation: Generation  # of the engine output this text comes from (edits keep their base's)
    citations: tuple[Citation, ...]

    @property
    def label(self) -> str:
        return {"refined": "updated"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class ActiveDraft:
    """A client's one draft, as it stands: the current version plus its whole history.

    `revision` counts every change to the draft (a save, an Update, Undo, Redo); a change based on
    an older revision than the stored one is refused, so two windows never overwrite each other."""

    id: str
    client_id: str
    range_start: date
    range_end: date
    purpose: str
    sources: tuple[SourceRef, ...]
    omitted_ids: tuple[str, ...]
    created_by: str
    created_at: datetime
    changed_at: datetime  # the last change of any kind: what "Saved hh:mm:ss" shows
    changed_by: str
    revision: int
    current: int
    versions: tuple[Version, ...]

    def version(self, number: int) -> Version:
        return next(v for v in self.versions if v.number == number)

    @property
    def current_version(self) -> Version:
        return self.version(self.current)

    @property
    def text(self) -> str:
        return self.current_version.text

    @property
    def generation(self) -> Generation:
        return self.current_version.generation

    @property
    def citations(self) -> tuple[Citation, ...]:
        return self.current_version.citations

    @property
    def lineage(self) -> tuple[Version, ...]:
        """The versions from the first one to the current one, following what each was made from."""
        chain, v = [], self.current_version
        while True:
            chain.append(v)
            if v.based_on is None:
                return tuple(reversed(chain))
            v = self.version(v.based_on)

    @property
    def undo_target(self) -> int | None:
        return self.current_version.based_on

    @property
    def redo_target(self) -> int | None:
        """The newest version made from the current one (what Undo left), if any."""
        children = [v.number for v in self.versions if v.based_on == self.current]
        return max(children) if children else None

    @property
    def can_undo(self) -> bool:
        return self.undo_target is not None

    @property
    def can_redo(self) -> bool:
        return self.redo_target is not None

    @property
    def undone(self) -> frozenset[int]:
        """Versions Redo can bring back: made, directly or not, from the current one."""
        out: set[int] = set()
        frontier = {self.current}
        while frontier:
            frontier = {v.number for v in self.versions if v.based_on in frontier} - out
            out |= frontier
        return frozenset(out)

    @property
    def update_rounds(self) -> int:
        return sum(1 for v in self.lineage if v.kind == "refined")


@dataclass(frozen=True)
class SignedSummary:
    id: str
    client_id: str
    range_start: date
    range_end: date
    purpose: str
    text: str
    sources: tuple[SourceRef, ...]
    citations: tuple[Citation, ...]
    generation: Generation
    generated_text: str  # the engine's first draft, for edit burden
    update_rounds: int
    signer_id: str
    signer_name: str
    signer_credentials: str
    signed_at: datetime  # UTC
    attestation: str
    content_hash: str
    verified: bool  # the stored hash matches the content as read just now
    shared_at: datetime | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    delete_reason: str | None = None

    @property
    def signature(self) -> str:
        return signature(self.signer_name, self.signer_credentials)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime  # UTC
    actor: str
    action: str
    client_id: str | None
    summary_id: str | None
    draft_id: str | None
    detail: str


# -- the quality lab -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalRun:
    """One evaluation run: every chosen chart drafted with one engine, model and prompt version."""

    id: str
    created_at: datetime  # UTC
    created_by: str
    engine: str
    model: str
    prompt_version: str
    label: str
    status: str  # complete, or pending while a submitted batch is processed
    batch_id: str | None = None


@dataclass(frozen=True)
class EvalItem:
    """One draft of a run: a client over one window, with the automated checks' figures."""

    id: str
    run_id: str
    client_id: str
    range_label: str  # the window: "whole treatment", "last 6 months"
    range_start: date
    range_end: date
    status: str  # drafted, insufficient, failed, pending (a batch not collected yet)
    text: str | None = None
    citations: tuple[Citation, ...] | None = None
    metrics: dict[str, Any] | None = None  # core.evaluation.metrics of the draft
    message: str = ""  # why it was not drafted


@dataclass(frozen=True)
class Comparison:
    """A client and window as two runs drafted it (b is None when run B does not have it)."""

    client_id: str
    range_label: str
    a: EvalItem
    b: EvalItem | None
