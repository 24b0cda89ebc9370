"""The summary lifecycle the pages and the CLI call: draft, autosave, Update and undo, sign, delete,
share, the client portal and the audit log. Every call takes the acting user."""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from . import access, auth, charts, claims, keep, sources
from .clock import stamp, utcnow
from .errors import (
    ConflictError,
    DraftClosed,
    IntegrityFailure,
    InvalidInput,
    NotFound,
    OpenFindings,
    Refused,
    StaleDraft,
)
from .integrity import ChainReport, content_hash
from .models import ActiveDraft, Actor, AuditEntry, Citation, Draft, Generation, SignedSummary
from .safety import neutralize_markdown
from .service import Practice
from .sources import Selection
from .store import DraftChanged, DraftExists, DraftGone
from .text import attribute, clean

ATTESTATION = (
    "I have reviewed this treatment summary against the client's record, corrected it where needed, "
    "and attest that it is accurate and complete to the best of my knowledge."
)
MAX_INSTRUCTION_CHARS = 500
MAX_REASON_CHARS = 500


def _citations(citations: Iterable[Citation]) -> list[dict]:
    return [
        {"paragraph": c.paragraph, "item_ids": list(c.item_ids)}
        | ({"quotes": [list(q) for q in c.quotes]} if c.quotes else {})
        for c in citations
    ]


def _generation(draft: Draft) -> dict:
    return draft.generation.__dict__


@dataclass(frozen=True)
class Updated(ActiveDraft):
    """The draft after an Update, and the risk statements and goals that were put back because the
    engine's text had dropped them."""

    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class Started:
    """The client's draft after Generate, and whether it was already there (then nothing was generated)."""

    draft: ActiveDraft
    existing: bool


# -- drafts ---------------------------------------------------------------------------------------------


def active_draft(p: Practice, actor: Actor, client_id: str) -> ActiveDraft | None:
    access.require(p.store, actor, "view", client_id)  # NotFound for an unknown client
    return p.store.draft_for_client(client_id)


def _allowed(p: Practice, actor: Actor, action: str, draft_id: str) -> str:
    """The draft's client, once the actor may act on it."""
    client_id = p.store.draft_client_id(draft_id)
    if client_id is None:
        raise _closed(p, draft_id)
    access.require(p.store, actor, action, client_id)
    return client_id


def _draft(p: Practice, draft_id: str) -> ActiveDraft:
    draft = p.store.draft(draft_id)
    if draft is None:
        raise _closed(p, draft_id)
    return draft


def display_name(p: Practice, actor_id: str) -> str:
    """A user's name as shown beside what they did ("cli:<user>" and "portal" stay as they are)."""
    user = p.store.user(actor_id)
    return user.display_name if user else actor_id


def _closed(p: Practice, draft_id: str) -> DraftClosed:
    """Why a draft can no longer change, in words: signed or discarded, by whom and when."""
    fate = p.store.draft_fate(draft_id)
    if fate is None:
        return DraftClosed(
            "This draft is no longer open: it was signed or discarded, perhaps in another window. "
            "Reload the client's Summary tab."
        )
    what = "signed" if fate.action == "sign" else "discarded"
    after = (
        " The signed summary is listed on the Summary tab; a correction is a new summary."
        if fate.action == "sign"
        else ""
    )
    return DraftClosed(
        f"This draft was {what} by {display_name(p, fate.actor)} at "
        f"{stamp(fate.at, p.settings.timezone, '%H:%M:%S')}, so it can no longer change. "
        f"What you typed since was not saved.{after}"
    )


def _stale(p: Practice, e: DraftChanged) -> StaleDraft:
    return StaleDraft(
        f"{display_name(p, e.changed_by)} changed this draft at "
        f"{stamp(e.changed_at, p.settings.timezone, '%H:%M:%S')}, after this window loaded it, so "
        "your change was not saved over theirs. Your text is kept here: copy it, or load the "
        "latest version (nothing is lost either way; every version stays in the history).",
        e.revision,
    )


def _guarded(p: Practice, draft_id: str, change: Callable[[], object]):
    """Run a store change, with the store's refusals in the user's words."""
    try:
        return change()
    except DraftChanged as e:
        raise _stale(p, e) from None
    except DraftGone:
        raise _closed(p, draft_id) from None


def generate(
    p: Practice,
    actor: Actor,
    client_id: str,
    start: date,
    end: date,
    purpose: str = "",
    leave_out: Iterable[str] = (),
    engine: str | None = None,
    on_text: Callable[[str], None] | None = None,
    replace_existing: bool = False,
) -> Started:
    """Draft a summary and keep it as the client's one active draft.

    When the client already has a draft it is returned untouched (the user opens it), unless
    replace_existing says to discard it first. Nothing is sent to any engine when the range
    holds too little (InsufficientInformation) or the input is bad (InvalidInput).
    """
    access.require(p.store, actor, "generate", client_id)
    existing = p.store.draft_for_client(client_id)
    if existing and not replace_existing:
        return Started(existing, True)
    selection = sources.require_sufficient(charts.selection(p, client_id, start, end, purpose, leave_out))
    result = p.engine(engine).generate(selection, on_text)
    if existing:
        discard(p, actor, existing.id)
    return _keep(p, actor, client_id, selection, result)


def keep_stopped(
    p: Practice,
    actor: Actor,
    client_id: str,
    start: date,
    end: date,
    purpose: str,
    leave_out: Iterable[str],
    engine: str,
    text: str,
    seconds: float,
) -> Started:
    """What an engine had written when the user stopped it, kept as the client's draft (labeled as
    stopped and incomplete) for them to finish, Update or discard. The client's existing draft, if
    one appeared meanwhile, is opened instead."""
    access.require(p.store, actor, "generate", client_id)
    existing = p.store.draft_for_client(client_id)
    if existing:
        return Started(existing, True)
    if not text.strip():
        raise InvalidInput("The engine had written nothing yet when it was stopped, so there is no draft to keep.")
    selection = sources.require_sufficient(charts.selection(p, client_id, start, end, purpose, leave_out))
    made = p.engine(engine)
    text = neutralize_markdown(clean(text))
    generation = Generation(
        engine=made.name,
        model=made.model,
        prompt_version=made.prompt_version,
        generated_at=utcnow(),
        duration_ms=round(seconds * 1000),
        label=f"{made.label} · stopped by the user before it finished: incomplete",
    )
    return _keep(p, actor, client_id, selection, Draft(text, attribute(text, selection.items), generation))


def _keep(p: Practice, actor: Actor, client_id: str, selection: Selection, result: Draft) -> Started:
    """An engine's draft stored as the client's one active draft."""
    used = [i for i in selection.items if i.id not in set(result.omitted_item_ids)]
    draft_id = f"D-{uuid.uuid4().hex[:12]}"
    record = {
        "id": draft_id,
        "client_id": client_id,
        "range_start": selection.range.start,
        "range_end": selection.range.end,
        "purpose": selection.purpose,
        "sources": [{"id": i.id, "kind": i.kind, "date": i.date, "title": i.title} for i in used],
        "omitted_ids": list(result.omitted_item_ids),
        "generation": _generation(result),
        "citations": _citations(result.citations),
    }
    try:
        p.store.create_draft(record, result.text, utcnow(), actor.id)
    except DraftExists:
        raise ConflictError(
            "Someone else started a draft for this client at the same moment. Their draft is "
            "the client's active draft now; open it from the Summary tab."
        ) from None
    return Started(_draft(p, draft_id), False)


def open_draft(p: Practice, actor: Actor, draft_id: str) -> ActiveDraft | None:
    """The draft, if it is still open and the actor may view its client."""
    client_id = p.store.draft_client_id(draft_id)
    if client_id is None:
        return None
    access.require(p.store, actor, "view", client_id)
    return p.store.draft(draft_id)


def closed_reason(p: Practice, draft_id: str) -> str:
    """Why a draft is no longer open, in words (signed or discarded, by whom and when)."""
    return _closed(p, draft_id).message


def signer_name(p: Practice, actor: Actor) -> str:
    """The signature that signing applies for this actor (name and credentials)."""
    if actor.clinician_id:
        return p.store.clinician(actor.clinician_id).signature_name
    return actor.display_name


def summary_selection(p: Practice, actor: Actor, summary: SignedSummary) -> Selection:
    """A signed summary's own sources, read again from the chart (for the quality checks)."""
    access.require(p.store, actor, "view", summary.client_id)
    return charts.selection(p, summary.client_id, summary.range_start, summary.range_end, summary.purpose).only(
        s.id for s in summary.sources
    )


def open_findings(p: Practice, actor: Actor, draft: ActiveDraft, text: str | None = None) -> tuple[claims.Finding, ...]:
    """The claim-level findings on the draft's text (or the text a window shows), errors first (for
    the Sign checklist)."""
    sel = draft_selection(p, actor, draft)
    return charts.check_text(p, actor, sel, draft.text if text is None else text, draft.citations).claims


def describe(f: claims.Finding) -> str:
    return f"{f.kind}: {f.claim} (“{f.sentence[:120]}”) — chart: {f.evidence[:160]}"


def draft_selection(p: Practice, actor: Actor, draft: ActiveDraft) -> Selection:
    """The draft's own sources, read again from the chart (for Update and the quality checks)."""
    access.require(p.store, actor, "view", draft.client_id)
    selection = charts.selection(p, draft.client_id, draft.range_start, draft.range_end, draft.purpose)
    return selection.only(s.id for s in draft.sources)


@dataclass(frozen=True)
class Saved:
    """An autosave's outcome: the revision the window now holds, and when the text was saved."""

    revision: int
    saved_at: datetime


def save(p: Practice, actor: Actor, draft_id: str, text: str, *, base_revision: int | None) -> Saved:
    """Autosave the clinician's text; cheap enough for every pause in typing. `base_revision` is
    the revision the text was typed on: when the draft changed since (another window), nothing is
    saved and StaleDraft says who changed it. None (the CLI) saves over the latest revision."""
    _allowed(p, actor, "edit", draft_id)
    text = clean(text)
    revision, saved_at = _guarded(
        p, draft_id, lambda: p.store.save_draft_text(draft_id, text, base_revision, utcnow(), actor.id)
    )
    return Saved(revision, saved_at)


def update(
    p: Practice,
    actor: Actor,
    draft_id: str,
    current_text: str,
    instruction: str,
    *,
    base_revision: int | None,
    engine: str | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Updated:
    """Send the edited text and an instruction to the engine; on success the result becomes a new
    version (undo returns to the text that was sent). On failure the draft is exactly as it was.
    Risk statements and current goals the engine's text dropped are put back (`kept` lists them)."""
    instruction, current_text = clean(instruction).strip(), clean(current_text)
    if not instruction:
        raise InvalidInput("Write an instruction for Update, for example 'shorter' or 'focus on risk'.")
    if len(instruction) > MAX_INSTRUCTION_CHARS:
        raise InvalidInput(f"The instruction is {len(instruction)} characters; keep it under {MAX_INSTRUCTION_CHARS}.")
    _allowed(p, actor, "update", draft_id)
    draft = _draft(p, draft_id)
    if base_revision is not None and draft.revision != base_revision and current_text != draft.text:
        raise _stale(p, DraftChanged(draft.revision, draft.changed_by, draft.changed_at))
    selection = draft_selection(p, actor, draft)
    result = p.engine(engine or draft.generation.engine).refine(selection, current_text, instruction, on_text)
    text, kept = keep.restore(current_text, result.text)
    citations = attribute(text, selection.items) if kept else result.citations
    _guarded(
        p,
        draft_id,
        lambda: p.store.add_refined_version(
            draft_id,
            draft.revision,
            current_text,
            text,
            instruction,
            _generation(result),
            _citations(citations),
            utcnow(),
            actor.id,
        ),
    )
    return Updated(**{f.name: getattr(_draft(p, draft_id), f.name) for f in fields(ActiveDraft)}, kept=kept)


def _move(
    p: Practice,
    actor: Actor,
    draft_id: str,
    base_revision: int | None,
    action: str,
    target: Callable[[ActiveDraft], int | None],
    none_left: str,
) -> ActiveDraft:
    _allowed(p, actor, "undo", draft_id)
    draft = _draft(p, draft_id)
    if base_revision is not None and draft.revision != base_revision:
        raise _stale(p, DraftChanged(draft.revision, draft.changed_by, draft.changed_at))
    to = target(draft)
    if to is None:
        raise Refused(none_left)
    _guarded(p, draft_id, lambda: p.store.move_draft(draft_id, draft.revision, to, action, utcnow(), actor.id))
    return _draft(p, draft_id)


def undo(p: Practice, actor: Actor, draft_id: str, *, base_revision: int | None) -> ActiveDraft:
    """Go back to the version the current one was made from: its text, citations and generation details."""
    return _move(
        p,
        actor,
        draft_id,
        base_revision,
        "undo",
        lambda d: d.undo_target,
        "There is no earlier version of this draft to go back to.",
    )


def redo(p: Practice, actor: Actor, draft_id: str, *, base_revision: int | None) -> ActiveDraft:
    """Bring back the newest version made from the current one (what Undo stepped back from)."""
    return _move(
        p,
        actor,
        draft_id,
        base_revision,
        "redo",
        lambda d: d.redo_target,
        "There is nothing to redo: no version was made from this one.",
    )


def restore(p: Practice, actor: Actor, draft_id: str, number: int, *, base_revision: int | None) -> ActiveDraft:
    """Make any earlier version the current one again (the others stay in the history)."""

    def target(d: ActiveDraft) -> int | None:
        return number if any(v.number == number for v in d.versions) and number != d.current else None

    return _move(
        p,
        actor,
        draft_id,
        base_revision,
        "restore",
        target,
        f"Version {number} is not a version of this draft, or it is already the current one.",
    )


def discard(p: Practice, actor: Actor, draft_id: str, *, base_revision: int | None = None) -> None:
    _allowed(p, actor, "discard", draft_id)
    _guarded(p, draft_id, lambda: p.store.discard_draft(draft_id, base_revision, utcnow(), actor.id))


# -- signing --------------------------------------------------------------------------------------------


def sign(
    p: Practice,
    actor: Actor,
    draft_id: str,
    attestation: str = ATTESTATION,
    text: str | None = None,
    password: str | None = None,
    signed_in_at: datetime | None = None,
    base_revision: int | None = None,
    acknowledged: bool = False,
) -> SignedSummary:
    """Sign the draft as the acting clinician, after they confirm who they are (password again, or a
    recent identity-provider sign-in). `text`, when given, is what the clinician sees and is saved
    first, so the signature covers exactly what was on screen; `base_revision` is the revision that
    screen showed: if the draft changed since (another window), nothing is signed. When the checks
    find claims the chart contradicts, signing needs `acknowledged`; the findings are then recorded
    in the signed record (and its PDF)."""
    client_id = p.store.draft_client_id(draft_id)
    if client_id is None:
        raise _closed(p, draft_id)
    access.require(p.store, actor, "sign", client_id)
    if not actor.clinician_id:
        raise Refused("Only a clinician can sign a treatment summary.")
    if not (attestation or "").strip():
        raise InvalidInput("Signing needs the attestation.")
    auth.confirm_signature(p, actor, password, signed_in_at)
    clinician = p.store.clinician(actor.clinician_id)
    draft = _draft(p, draft_id)
    if text is not None and text != draft.text:
        base_revision = save(p, actor, draft_id, text, base_revision=base_revision).revision
        draft = _draft(p, draft_id)
    if base_revision is not None and draft.revision != base_revision:
        raise _stale(p, DraftChanged(draft.revision, draft.changed_by, draft.changed_at))
    if not draft.text.strip():
        raise Refused("The draft is empty; there is nothing to sign.")
    wrong = tuple(describe(f) for f in open_findings(p, actor, draft) if f.severity == "error")
    if wrong and not acknowledged:
        raise OpenFindings(
            f"{len(wrong)} statement{'s' if len(wrong) != 1 else ''} of the draft disagree with the chart. "
            "Correct them, or acknowledge them to sign as it is.",
            wrong,
        )
    summary_id = f"S-{uuid.uuid4().hex[:12]}"
    fields = {
        "id": summary_id,
        "client_id": draft.client_id,
        "range_start": draft.range_start,
        "range_end": draft.range_end,
        "purpose": draft.purpose,
        "text": draft.text,
        "sources": [s.__dict__ for s in draft.sources],
        "citations": _citations(draft.citations),
        "generation": {**draft.generation.__dict__, "acknowledged": list(wrong)},
        "generated_text": draft.versions[0].text,
        "update_rounds": draft.update_rounds,
        "signer_id": clinician.id,
        "signer_name": clinician.display_name,
        "signer_credentials": clinician.credentials,
        "signed_at": utcnow().replace(microsecond=0),
        "attestation": attestation.strip(),
    }
    fields["content_hash"] = content_hash(fields)
    _guarded(p, draft_id, lambda: p.store.sign_draft(draft_id, draft.revision, fields, actor.id))
    return _summary(p, summary_id)


# -- signed summaries ---------------------------------------------------------------------------------


def summaries(p: Practice, actor: Actor, client_id: str) -> list[SignedSummary]:
    """The client's signed, not-deleted summaries, newest first, each with its verification result."""
    access.require(p.store, actor, "view", client_id)
    return p.store.summaries(client_id)


def _summary(p: Practice, summary_id: str, include_deleted: bool = False) -> SignedSummary:
    summary = p.store.summary(summary_id)
    if summary is None or (summary.deleted_at and not include_deleted):
        raise NotFound(f"There is no signed summary {summary_id}" + (" (it was deleted)." if summary else "."))
    return summary


def get_summary(p: Practice, actor: Actor, summary_id: str, include_deleted: bool = False) -> SignedSummary:
    summary = _summary(p, summary_id, include_deleted)
    access.require(p.store, actor, "view", summary.client_id)
    return summary


def verified(p: Practice, summary_id: str) -> SignedSummary:
    """The summary, only if its content still matches its hash (for PDF, export, portal)."""
    summary = _summary(p, summary_id)
    if not summary.verified:
        raise IntegrityFailure(
            f"Summary {summary_id} fails its integrity check: its stored content no longer "
            "matches the hash taken at signing, so it may have been altered outside the app. "
            "It cannot be shown as valid, downloaded or shared. Report this to the "
            "practice's privacy officer."
        )
    return summary


def record_download(p: Practice, actor: Actor, summary_id: str) -> None:
    access.require(p.store, actor, "download", _summary(p, summary_id).client_id)
    summary = verified(p, summary_id)
    p.store.audit(utcnow(), actor.id, "download", summary.client_id, summary.id, None, "PDF")


def delete(p: Practice, actor: Actor, summary_id: str, reason: str) -> None:
    """Remove a signed summary from the chart, the portal and exports; the audit keeps who, when,
    why and its hash (the content itself is retained for record-keeping, see README)."""
    reason = clean(reason).strip()
    if not reason:
        raise InvalidInput(
            "Deleting a signed summary needs a reason (for example 'wrong client' or "
            "'superseded by a corrected summary')."
        )
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"Keep the reason under {MAX_REASON_CHARS} characters.")
    summary = p.store.summary(summary_id)
    if summary is None:
        raise NotFound(f"There is no signed summary {summary_id}.")
    access.require(p.store, actor, "delete", summary.client_id)
    if summary.deleted_at:
        raise Refused("This summary was already deleted.")
    p.store.delete_summary(summary, reason, utcnow(), actor.id)


def share(p: Practice, actor: Actor, summary_id: str, shared: bool = True) -> SignedSummary:
    """Share a signed summary to the client portal (or stop sharing it)."""
    summary = p.store.summary(summary_id)
    if summary is None:
        raise Refused(
            f"Only a signed summary can be shared; there is no signed summary {summary_id}. Sign the draft first."
        )
    access.require(p.store, actor, "share", summary.client_id)
    if summary.deleted_at:
        raise Refused("This summary was deleted; a deleted summary cannot be shared.")
    if shared and not summary.verified:
        verified(p, summary_id)
    p.store.set_shared(summary, shared, utcnow(), actor.id)
    return _summary(p, summary_id)


# -- client portal ----------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


PORTAL_DAYS = 90  # a portal access code works this long after it is issued
PORTAL_MAX_FAILURES = 20  # wrong codes tried in PORTAL_WINDOW_MINUTES before the portal pauses
PORTAL_WINDOW_MINUTES = 10
_portal_tries = threading.Lock()


def issue_portal_token(p: Practice, actor: Actor, client_id: str) -> str:
    """A new portal access token for the client, valid PORTAL_DAYS; only its hash is stored, so show it once.

    Hex digits only: a code that began with '-' (as a URL-safe one may) reads as an option to the command line.
    """
    access.require(p.store, actor, "portal_token", client_id)
    token = secrets.token_hex(16)
    now = utcnow()
    p.store.add_portal_token(_token_hash(token), client_id, now, now + timedelta(days=PORTAL_DAYS), actor.id)
    return token


def revoke_portal_tokens(p: Practice, actor: Actor, client_id: str) -> int:
    access.require(p.store, actor, "portal_token", client_id)
    return p.store.revoke_portal_tokens(client_id, utcnow(), actor.id)


@dataclass(frozen=True)
class PortalView:
    first_name: str
    summaries: tuple[SignedSummary, ...]


def portal(p: Practice, token: str) -> PortalView:
    """What the client portal shows for a token: that client's shared, not-deleted, verified summaries.
    Wrong codes are audited, and many of them in a short while pause the portal for everyone (the
    portal cannot tell one guesser from another: it has no sign-in)."""
    with _portal_tries:  # count, check and record one try at a time: parallel guesses cannot pass the limit
        now = utcnow()
        since = now - timedelta(minutes=PORTAL_WINDOW_MINUTES)
        if p.store.count_audit("portal_denied", since) >= PORTAL_MAX_FAILURES:
            p.store.audit(now, "portal", "portal_denied", detail="portal paused after too many wrong codes")
            raise Refused(
                "Too many wrong access codes were tried in the last few minutes. Wait "
                f"{PORTAL_WINDOW_MINUTES} minutes and try again, or call the practice."
            )
        client_id = p.store.client_for_token(_token_hash(clean(token).strip()), now) if token else None
        if client_id is None:
            p.store.audit(now, "portal", "portal_denied", detail="access code not valid, revoked or expired")
            raise NotFound(
                "This portal link is not valid or has been revoked, or it has expired. Ask the practice for a new link."
            )
    shown = tuple(s for s in p.store.shared_summaries(client_id) if s.verified)
    p.store.audit(utcnow(), "portal", "portal_view", client_id, None, None, f"{len(shown)} summaries shown")
    return PortalView(p.store.client(client_id).first_name, shown)


def audit_log(p: Practice, actor: Actor, client_id: str | None = None, limit: int = 500) -> list[AuditEntry]:
    access.require(p.store, actor, "audit_log")
    return p.store.audit_entries(client_id, limit)


def audit_chain(p: Practice, actor: Actor) -> ChainReport:
    """Whether the whole audit log still verifies against the practice's seal key."""
    access.require(p.store, actor, "audit_log")
    return p.store.audit_chain()
