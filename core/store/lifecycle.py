"""SQL of the summary lifecycle: drafts, signed summaries, sharing, portal tokens and the audit log."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple

from ..integrity import (
    AUDIT_FIELDS,
    SIGNED_FIELDS,
    STATE_ACTIONS,
    STATE_FIELDS,
    ChainReport,
    canonical,
    content_hash,
    entry_mac,
    seal,
    seal_matches,
    verify_chain,
)
from ..models import ActiveDraft, AuditEntry, Citation, Generation, SignedSummary, SourceRef, Version
from .dbapi import CONFLICT, CONSTRAINT


def _json(value) -> str:
    return json.dumps(canonical(value), ensure_ascii=False, sort_keys=True)


def _generation(data: dict) -> Generation:
    data = dict(data)
    data["generated_at"] = datetime.fromisoformat(data["generated_at"])
    data["acknowledged"] = tuple(data.get("acknowledged", ()))
    return Generation(**data)


def _refs(data: list) -> tuple[SourceRef, ...]:
    return tuple(SourceRef(r["id"], r["kind"], date.fromisoformat(r["date"]), r["title"]) for r in data)


def _citations(data: list) -> tuple[Citation, ...]:
    return tuple(
        Citation(c["paragraph"], tuple(c["item_ids"]), tuple((q[0], q[1]) for q in c.get("quotes", ()))) for c in data
    )


class DraftExists(Exception):
    """Raised inside the store when a client already has a draft (the UNIQUE key refused it)."""


class DraftGone(Exception):
    """The draft is no longer open: it was signed or discarded."""


class DraftChanged(Exception):
    """The draft changed after the revision a change was based on (another window, another user)."""

    def __init__(self, revision: int, changed_by: str, changed_at: datetime):
        super().__init__(revision)
        self.revision, self.changed_by, self.changed_at = revision, changed_by, changed_at


class _Current(NamedTuple):
    client_id: str
    revision: int
    changed_at: datetime
    changed_by: str
    current: int
    kind: str
    author: str
    text: str
    generation: str
    citations: str
    last: int


_draft_writes = threading.Lock()


def retry_on_conflict(fn, attempts: int = 8):
    """DuckDB refuses a second concurrent write to the same row (a transaction conflict, or a
    duplicate key when both add the same next version). Streamlit sessions are threads of one
    process, so draft writes take turns on a lock; a conflict from elsewhere (another connection)
    is retried, and the retry sees the other write and coalesces with it."""
    for attempt in range(attempts):
        try:
            with _draft_writes:
                return fn()
        except CONFLICT + CONSTRAINT:
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.002, 0.01) * (attempt + 1))


STATE_JOIN = """
    LEFT JOIN summary_shares sh ON sh.summary_id = s.id
    LEFT JOIN summary_deletions d ON d.summary_id = s.id
"""
SUMMARY_STATE = "s.content_hash, sh.shared_by, sh.shared_at, d.deleted_by, d.deleted_at, d.reason"
assert SUMMARY_STATE.count(",") == len(STATE_FIELDS) - 1
# The newest audit entry that changed each summary's state: its seal must have been made at that one.
LAST_CHANGE = f"""
    LEFT JOIN (SELECT summary_id, max(id) AS audit_id FROM audit_log
               WHERE summary_id IS NOT NULL AND action IN ({", ".join(repr(a) for a in STATE_ACTIONS)})
               GROUP BY summary_id) ch ON ch.summary_id = s.id
"""
SUMMARY_SELECT = f"""
    SELECT s.id, s.client_id, s.range_start, s.range_end, s.purpose, s.text, s.sources, s.citations, s.generation,
           s.generated_text, s.update_rounds, s.signer_id, s.signer_name, s.signer_credentials, s.signed_at,
           s.attestation, s.content_hash, sh.shared_at, d.deleted_at, d.deleted_by, d.reason,
           se.seal, se.audit_id, ch.audit_id, {SUMMARY_STATE}
    FROM summaries s {STATE_JOIN}
    LEFT JOIN summary_seals se ON se.summary_id = s.id {LAST_CHANGE}
"""


def _summary(row, key: bytes | None) -> SignedSummary:
    (
        id_,
        client_id,
        start,
        end,
        purpose,
        text,
        sources,
        citations,
        generation,
        generated_text,
        rounds,
        signer_id,
        signer_name,
        signer_credentials,
        signed_at,
        attestation,
        stored_hash,
        shared_at,
        deleted_at,
        deleted_by,
        reason,
        stored_seal,
        sealed_at_entry,
        last_change,
        *state,
    ) = row
    fields = dict(
        id=id_,
        client_id=client_id,
        range_start=start,
        range_end=end,
        purpose=purpose,
        text=text,
        sources=json.loads(sources),
        citations=json.loads(citations),
        generation=json.loads(generation),
        generated_text=generated_text,
        update_rounds=rounds,
        signer_id=signer_id,
        signer_name=signer_name,
        signer_credentials=signer_credentials,
        signed_at=signed_at,
        attestation=attestation,
    )
    # Checked on every read, for display, PDF, export and the portal: the content against its hash,
    # and the hash and the state (shared, deleted) against the seal only the app's key can make.
    verified = (
        content_hash(fields) == stored_hash
        and sealed_at_entry == last_change
        and seal_matches(key, stored_seal, id_, sealed_at_entry, tuple(state))
    )
    return SignedSummary(
        id_,
        client_id,
        start,
        end,
        purpose,
        text,
        _refs(fields["sources"]),
        _citations(fields["citations"]),
        _generation(fields["generation"]),
        generated_text,
        rounds,
        signer_id,
        signer_name,
        signer_credentials,
        signed_at,
        attestation,
        stored_hash,
        verified,
        shared_at,
        deleted_at,
        deleted_by,
        reason,
    )


class LifecycleStore:
    """SQL of drafts, signed summaries, sharing, portal tokens and the audit log (mixed into Store)."""

    _cursor: Callable
    _transaction: Callable
    _key: bytes | None

    # -- audit -------------------------------------------------------------------------------------

    def _audit(
        self,
        cur,
        at: datetime,
        actor: str,
        action: str,
        client_id=None,
        summary_id=None,
        draft_id=None,
        detail: str = "",
    ) -> None:
        """Append an entry chained to the one before. Runs inside a write transaction (they take
        turns, see Store._transaction), so no other entry comes between reading the chain's head
        and appending to it."""
        entry_id = cur.execute("SELECT nextval('audit_ids')").fetchone()[0]
        head = cur.execute("SELECT entry_mac FROM audit_log ORDER BY id DESC LIMIT 1").fetchall()
        entry = (entry_id, at, actor, action, client_id, summary_id, draft_id, detail)
        mac = entry_mac(self._key, head[0][0] if head else None, entry) if self._key else None
        cur.execute(
            f"INSERT INTO audit_log ({', '.join(AUDIT_FIELDS)}, entry_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*entry, mac],
        )

    def audit(
        self, at: datetime, actor: str, action: str, client_id=None, summary_id=None, draft_id=None, detail: str = ""
    ) -> None:
        with self._transaction() as cur:
            self._audit(cur, at, actor, action, client_id, summary_id, draft_id, detail)

    def audit_chain(self) -> ChainReport:
        """Walk the whole audit log in order and check each entry's MAC against the one before."""
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(AUDIT_FIELDS)}, entry_mac FROM audit_log ORDER BY id").fetchall()
        return verify_chain(self._key, rows)

    def _reseal(self, cur, summary_id: str) -> None:
        """Seal a summary's state as it is now in this transaction, at the audit entry that changed
        it (so call it after that entry is written)."""
        if self._key is None:
            return
        audit_id, *state = cur.execute(
            f"SELECT ch.audit_id, {SUMMARY_STATE} FROM summaries s {STATE_JOIN} {LAST_CHANGE} WHERE s.id = ?",
            [summary_id],
        ).fetchone()
        cur.execute(
            "INSERT INTO summary_seals VALUES (?, ?, ?) "
            "ON CONFLICT (summary_id) DO UPDATE SET audit_id = excluded.audit_id, seal = excluded.seal",
            [summary_id, audit_id or 0, seal(self._key, summary_id, audit_id or 0, tuple(state))],
        )

    def seal_existing(self) -> tuple[int, int]:
        """Seal what the file holds now: the audit entries that have no MAC (continuing the chain
        after the last one that has) and each summary without a seal. Run once by an administrator
        right after the upgrade to sealing; it trusts the file as it is. (entries, summaries) sealed."""
        if self._key is None:
            return 0, 0
        with self._transaction() as cur:
            rows = cur.execute(f"SELECT {', '.join(AUDIT_FIELDS)}, entry_mac FROM audit_log ORDER BY id").fetchall()
            previous, entries = None, 0
            for *entry, mac in rows:
                if mac is None:
                    mac = entry_mac(self._key, previous, tuple(entry))
                    cur.execute("UPDATE audit_log SET entry_mac = ? WHERE id = ?", [mac, entry[0]])
                    entries += 1
                previous = mac
            unsealed = cur.execute(
                "SELECT id FROM summaries WHERE id NOT IN (SELECT summary_id FROM summary_seals)"
            ).fetchall()
            for (summary_id,) in unsealed:
                self._reseal(cur, summary_id)
        return entries, len(unsealed)

    def audit_entries(self, client_id: str | None = None, limit: int = 500) -> list[AuditEntry]:
        with self._cursor() as cur:
            rows = cur.execute(
                """SELECT id, occurred_at, actor, action, client_id, summary_id, draft_id, detail FROM audit_log
                   WHERE $c IS NULL OR client_id = $c ORDER BY id DESC LIMIT $n""",
                {"c": client_id, "n": limit},
            ).fetchall()
        return [AuditEntry(*r) for r in rows]

    # -- drafts ------------------------------------------------------------------------------------

    def create_draft(self, draft: dict, text: str, now: datetime, actor: str) -> None:
        """Insert a client's draft with its first version; DraftExists if the client has one."""
        try:
            with self._transaction() as cur:
                cur.execute(
                    """INSERT INTO drafts (id, client_id, range_start, range_end, purpose, sources, omitted_ids,
                       created_by, created_at, current_version, revision, changed_at, changed_by)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)""",
                    [
                        draft["id"],
                        draft["client_id"],
                        draft["range_start"],
                        draft["range_end"],
                        draft["purpose"],
                        _json(draft["sources"]),
                        list(draft["omitted_ids"]),
                        actor,
                        now,
                        now,
                        actor,
                    ],
                )
                self._insert_version(
                    cur,
                    draft["id"],
                    1,
                    "generated",
                    None,
                    text,
                    now,
                    actor,
                    None,
                    draft["generation"],
                    draft["citations"],
                )
                self._audit(
                    cur,
                    now,
                    actor,
                    "generate",
                    draft["client_id"],
                    None,
                    draft["id"],
                    f"{draft['generation']['engine']} {draft['generation']['model']}; {len(draft['sources'])} sources",
                )
        except CONFLICT + CONSTRAINT as e:
            # UNIQUE (client_id) refused it, or a concurrent insert of the same key conflicted.
            if "client_id" in str(e) or isinstance(e, CONFLICT):
                raise DraftExists(draft["client_id"]) from e
            raise

    def draft_client_id(self, draft_id: str) -> str | None:
        with self._cursor() as cur:
            rows = cur.execute("SELECT client_id FROM drafts WHERE id = ?", [draft_id]).fetchall()
        return rows[0][0] if rows else None

    def draft_for_client(self, client_id: str) -> ActiveDraft | None:
        with self._cursor() as cur:
            row = cur.execute("SELECT id FROM drafts WHERE client_id = ?", [client_id]).fetchall()
        return self.draft(row[0][0]) if row else None

    def draft(self, draft_id: str) -> ActiveDraft | None:
        with self._cursor() as cur:
            row = cur.execute(
                """SELECT id, client_id, range_start, range_end, purpose, sources, omitted_ids, created_by,
                          created_at, changed_at, changed_by, revision, current_version FROM drafts WHERE id = ?""",
                [draft_id],
            ).fetchall()
            if not row:
                return None
            versions = cur.execute(
                """SELECT number, kind, created_at, updated_at, instruction, text, author, based_on, generation,
                          citations FROM draft_versions WHERE draft_id = ? ORDER BY number""",
                [draft_id],
            ).fetchall()
        (
            id_,
            client_id,
            start,
            end,
            purpose,
            sources,
            omitted,
            created_by,
            created_at,
            changed_at,
            changed_by,
            revision,
            current,
        ) = row[0]
        return ActiveDraft(
            id_,
            client_id,
            start,
            end,
            purpose,
            _refs(json.loads(sources)),
            tuple(omitted),
            created_by,
            created_at,
            changed_at,
            changed_by,
            revision,
            current,
            tuple(
                Version(
                    v[0],
                    v[1],
                    v[2],
                    v[3],
                    v[4],
                    v[5],
                    v[6],
                    v[7],
                    _generation(json.loads(v[8])),
                    _citations(json.loads(v[9])),
                )
                for v in versions
            ),
        )

    def draft_fate(self, draft_id: str) -> AuditEntry | None:
        """How a draft that is no longer open ended: its 'sign' or 'discard' audit entry."""
        with self._cursor() as cur:
            rows = cur.execute(
                """SELECT id, occurred_at, actor, action, client_id, summary_id, draft_id, detail FROM audit_log
                   WHERE draft_id = ? AND action IN ('sign', 'discard') ORDER BY id DESC LIMIT 1""",
                [draft_id],
            ).fetchall()
        return AuditEntry(*rows[0]) if rows else None

    @staticmethod
    def _insert_version(
        cur,
        draft_id: str,
        number: int,
        kind: str,
        instruction: str | None,
        text: str,
        now: datetime,
        author: str,
        based_on: int | None,
        generation,
        citations,
    ) -> None:
        cur.execute(
            """INSERT INTO draft_versions (draft_id, number, kind, instruction, text, created_at, updated_at, author,
               based_on, generation, citations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                draft_id,
                number,
                kind,
                instruction,
                text,
                now,
                now,
                author,
                based_on,
                generation if isinstance(generation, str) else _json(generation),
                citations if isinstance(citations, str) else _json(citations),
            ],
        )

    @staticmethod
    def _current(cur, draft_id: str, base_revision: int | None):
        """The draft's row and current version, if the change is based on its present revision.
        DraftGone when it was signed or discarded; DraftChanged when another change came first."""
        rows = cur.execute(
            """SELECT d.client_id, d.revision, d.changed_at, d.changed_by, d.current_version, v.kind, v.author,
                      v.text, v.generation, v.citations,
                      (SELECT max(number) FROM draft_versions WHERE draft_id = d.id)
               FROM drafts d JOIN draft_versions v ON v.draft_id = d.id AND v.number = d.current_version
               WHERE d.id = ?""",
            [draft_id],
        ).fetchall()
        if not rows:
            raise DraftGone(draft_id)
        row = _Current(*rows[0])
        if base_revision is not None and row.revision != base_revision:
            raise DraftChanged(row.revision, row.changed_by, row.changed_at)
        return row

    @staticmethod
    def _changed(cur, draft_id: str, row: _Current, now: datetime, actor: str, current: int) -> int:
        """Record a change: the next revision, with who and when; returns it."""
        cur.execute(
            "UPDATE drafts SET revision = ?, changed_at = ?, changed_by = ?, current_version = ? "
            "WHERE id = ? AND revision = ?",
            [row.revision + 1, now, actor, current, draft_id, row.revision],
        )
        return row.revision + 1

    def save_draft_text(
        self, draft_id: str, text: str, base_revision: int | None, now: datetime, actor: str
    ) -> tuple[int, datetime]:
        """Autosave: the same author's consecutive edits coalesce into one 'edited' version (and one
        audit entry); another author's edit, or an edit after Undo, starts a new version. Returns
        the revision and time the text as it now stands was saved. DraftChanged if the draft moved
        on since `base_revision` (unless it already holds this very text), DraftGone if it ended."""

        def attempt() -> tuple[int, datetime]:
            with self._transaction() as cur:
                row = self._current(cur, draft_id, None)
                if text == row.text:
                    return row.revision, row.changed_at
                if base_revision is not None and row.revision != base_revision:
                    raise DraftChanged(row.revision, row.changed_by, row.changed_at)
                if row.kind == "edited" and row.author == actor and row.current == row.last:
                    cur.execute(
                        "UPDATE draft_versions SET text = ?, updated_at = ? WHERE draft_id = ? AND number = ?",
                        [text, now, draft_id, row.current],
                    )
                    number = row.current
                else:
                    number = row.last + 1
                    self._insert_version(
                        cur,
                        draft_id,
                        number,
                        "edited",
                        None,
                        text,
                        now,
                        actor,
                        row.current,
                        row.generation,
                        row.citations,
                    )
                    self._audit(
                        cur, now, actor, "save", row.client_id, None, draft_id, f"edits saved as version {number}"
                    )
                return self._changed(cur, draft_id, row, now, actor, number), now

        return retry_on_conflict(attempt)

    def add_refined_version(
        self,
        draft_id: str,
        base_revision: int | None,
        edited_text: str,
        refined_text: str,
        instruction: str,
        generation: dict,
        citations: list,
        now: datetime,
        actor: str,
    ) -> int:
        """After a successful Update: keep the text that was sent, then the refined text as the
        current version. DraftChanged / DraftGone as for a save; returns the new revision."""

        def attempt() -> int:
            with self._transaction() as cur:
                row = self._current(cur, draft_id, base_revision)
                number = row.current
                if edited_text != row.text:
                    number = row.last + 1
                    self._insert_version(
                        cur,
                        draft_id,
                        number,
                        "edited",
                        None,
                        edited_text,
                        now,
                        actor,
                        row.current,
                        row.generation,
                        row.citations,
                    )
                refined = max(number, row.last) + 1
                self._insert_version(
                    cur,
                    draft_id,
                    refined,
                    "refined",
                    instruction,
                    refined_text,
                    now,
                    actor,
                    number,
                    generation,
                    citations,
                )
                self._audit(
                    cur,
                    now,
                    actor,
                    "update",
                    row.client_id,
                    None,
                    draft_id,
                    f"instruction: {instruction[:80]}; version {refined}",
                )
                return self._changed(cur, draft_id, row, now, actor, refined)

        return retry_on_conflict(attempt)

    def move_draft(
        self, draft_id: str, base_revision: int | None, to: int, action: str, now: datetime, actor: str
    ) -> int:
        """Undo, Redo or restore: make version `to` the current one (every version is kept)."""

        def attempt() -> int:
            with self._transaction() as cur:
                row = self._current(cur, draft_id, base_revision)
                if not cur.execute(
                    "SELECT 1 FROM draft_versions WHERE draft_id = ? AND number = ?", [draft_id, to]
                ).fetchall():
                    raise KeyError(to)
                self._audit(cur, now, actor, action, row.client_id, None, draft_id, f"version {row.current} -> {to}")
                return self._changed(cur, draft_id, row, now, actor, to)

        return retry_on_conflict(attempt)

    def discard_draft(self, draft_id: str, base_revision: int | None, now: datetime, actor: str) -> None:
        def attempt() -> None:
            with self._transaction() as cur:
                row = self._current(cur, draft_id, base_revision)
                self._remove_draft(cur, draft_id)
                self._audit(cur, now, actor, "discard", row.client_id, None, draft_id, "draft discarded")

        retry_on_conflict(attempt)

    # -- signing -----------------------------------------------------------------------------------

    def sign_draft(self, draft_id: str, base_revision: int, summary: dict, actor: str) -> None:
        """In one transaction: check the draft is still the revision that was read, write the signed
        summary, remove the draft, audit. All or nothing."""

        def attempt() -> None:
            with self._transaction() as cur:
                self._current(cur, draft_id, base_revision)
                cur.execute(
                    f"INSERT INTO summaries ({', '.join(SIGNED_FIELDS)}, content_hash) "
                    f"VALUES ({', '.join('?' for _ in SIGNED_FIELDS)}, ?)",
                    [
                        _json(summary[f]) if f in ("sources", "citations", "generation") else summary[f]
                        for f in SIGNED_FIELDS
                    ]
                    + [summary["content_hash"]],
                )
                self._remove_draft(cur, draft_id)
                self._audit(
                    cur,
                    summary["signed_at"],
                    actor,
                    "sign",
                    summary["client_id"],
                    summary["id"],
                    draft_id,
                    f"sha256 {summary['content_hash']}",
                )
                self._reseal(cur, summary["id"])

        retry_on_conflict(attempt)

    @staticmethod
    def _remove_draft(cur, draft_id: str) -> None:
        cur.execute("DELETE FROM draft_versions WHERE draft_id = ?", [draft_id])
        cur.execute("DELETE FROM drafts WHERE id = ?", [draft_id])

    # -- signed summaries ----------------------------------------------------------------------------

    def summaries(self, client_id: str, include_deleted: bool = False) -> list[SignedSummary]:
        with self._cursor() as cur:
            rows = cur.execute(
                SUMMARY_SELECT + " WHERE s.client_id = ? AND (? OR d.summary_id IS NULL) "
                "ORDER BY s.signed_at DESC, s.id",
                [client_id, include_deleted],
            ).fetchall()
        return [_summary(r, self._key) for r in rows]

    def all_summaries(self) -> list[SignedSummary]:
        """Every signed, not-deleted summary of the practice (edit burden)."""
        with self._cursor() as cur:
            rows = cur.execute(SUMMARY_SELECT + " WHERE d.summary_id IS NULL ORDER BY s.signed_at, s.id").fetchall()
        return [_summary(r, self._key) for r in rows]

    def every_summary(self) -> list[SignedSummary]:
        """Every signed summary, deleted ones included, in id order (checking a copy of the database)."""
        with self._cursor() as cur:
            rows = cur.execute(SUMMARY_SELECT + " ORDER BY s.id").fetchall()
        return [_summary(r, self._key) for r in rows]

    def summary(self, summary_id: str) -> SignedSummary | None:
        with self._cursor() as cur:
            rows = cur.execute(SUMMARY_SELECT + " WHERE s.id = ?", [summary_id]).fetchall()
        return _summary(rows[0], self._key) if rows else None

    def delete_summary(self, summary: SignedSummary, reason: str, now: datetime, actor: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO summary_deletions VALUES (?, ?, ?, ?, ?)",
                [summary.id, actor, now, reason, summary.content_hash],
            )
            cur.execute("DELETE FROM summary_shares WHERE summary_id = ?", [summary.id])
            self._audit(
                cur,
                now,
                actor,
                "delete",
                summary.client_id,
                summary.id,
                None,
                f"reason: {reason[:200]}; sha256 {summary.content_hash}",
            )
            self._reseal(cur, summary.id)

    def set_shared(self, summary: SignedSummary, shared: bool, now: datetime, actor: str) -> None:
        with self._transaction() as cur:
            if shared:
                cur.execute(
                    "INSERT INTO summary_shares VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [summary.id, actor, now]
                )
            else:
                cur.execute("DELETE FROM summary_shares WHERE summary_id = ?", [summary.id])
            self._audit(cur, now, actor, "share" if shared else "unshare", summary.client_id, summary.id)
            self._reseal(cur, summary.id)

    # -- client portal -------------------------------------------------------------------------------

    def add_portal_token(self, token_hash: str, client_id: str, now: datetime, expires: datetime, actor: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO portal_tokens (token_hash, client_id, created_by, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [token_hash, client_id, actor, now, expires],
            )
            self._audit(cur, now, actor, "portal_token", client_id, None, None, "portal access token issued")

    def revoke_portal_tokens(self, client_id: str, now: datetime, actor: str) -> int:
        with self._transaction() as cur:
            n = cur.execute(
                "SELECT count(*) FROM portal_tokens WHERE client_id = ? AND revoked_at IS NULL", [client_id]
            ).fetchall()[0][0]
            cur.execute(
                "UPDATE portal_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL", [now, client_id]
            )
            self._audit(cur, now, actor, "portal_revoke", client_id, None, None, f"{n} token(s) revoked")
        return n

    def client_for_token(self, token_hash: str, now: datetime) -> str | None:
        """The client of a token that is neither revoked nor expired (codes issued before expiry
        existed last 90 days from issue)."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT client_id FROM portal_tokens WHERE token_hash = ? AND revoked_at IS NULL "
                "AND coalesce(expires_at, created_at + INTERVAL '90 days') > ?",
                [token_hash, now],
            ).fetchall()
        return rows[0][0] if rows else None

    def count_audit(self, action: str, since: datetime) -> int:
        with self._cursor() as cur:
            return cur.execute(
                "SELECT count(*) FROM audit_log WHERE action = ? AND occurred_at >= ?", [action, since]
            ).fetchone()[0]

    def shared_summaries(self, client_id: str) -> list[SignedSummary]:
        """What the client portal may show: this client's shared, not-deleted summaries."""
        with self._cursor() as cur:
            rows = cur.execute(
                SUMMARY_SELECT + " WHERE s.client_id = ? AND sh.summary_id IS NOT NULL "
                "AND d.summary_id IS NULL ORDER BY s.signed_at DESC",
                [client_id],
            ).fetchall()
        return [_summary(r, self._key) for r in rows]
