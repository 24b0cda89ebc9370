"""SQL of the summary lifecycle: drafts, signed summaries, sharing, portal tokens and the audit log."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import date, datetime
from typing import Callable

import duckdb

from ..integrity import SIGNED_FIELDS, canonical, content_hash
from ..models import ActiveDraft, AuditEntry, Citation, Generation, SignedSummary, SourceRef, Version

def _json(value) -> str:
    return json.dumps(canonical(value), ensure_ascii=False, sort_keys=True)


def _generation(data: dict) -> Generation:
    data = dict(data)
    data["generated_at"] = datetime.fromisoformat(data["generated_at"])
    return Generation(**data)


def _refs(data: list) -> tuple[SourceRef, ...]:
    return tuple(SourceRef(r["id"], r["kind"], date.fromisoformat(r["date"]), r["title"]) for r in data)


def _citations(data: list) -> tuple[Citation, ...]:
    return tuple(Citation(c["paragraph"], tuple(c["item_ids"])) for c in data)


class DraftExists(Exception):
    """Raised inside the store when a client already has a draft (the UNIQUE key refused it)."""


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
        except (duckdb.TransactionException, duckdb.ConstraintException):
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.002, 0.01) * (attempt + 1))


SUMMARY_SELECT = """
    SELECT s.id, s.client_id, s.range_start, s.range_end, s.purpose, s.text, s.sources, s.citations, s.generation,
           s.generated_text, s.update_rounds, s.signer_id, s.signer_name, s.signer_credentials, s.signed_at,
           s.attestation, s.content_hash, sh.shared_at, d.deleted_at, d.deleted_by, d.reason
    FROM summaries s
    LEFT JOIN summary_shares sh ON sh.summary_id = s.id
    LEFT JOIN summary_deletions d ON d.summary_id = s.id
"""


def _summary(row) -> SignedSummary:
    (id_, client_id, start, end, purpose, text, sources, citations, generation, generated_text, rounds, signer_id,
     signer_name, signer_credentials, signed_at, attestation, stored_hash, shared_at, deleted_at, deleted_by,
     reason) = row
    fields = dict(id=id_, client_id=client_id, range_start=start, range_end=end, purpose=purpose, text=text,
                  sources=json.loads(sources), citations=json.loads(citations), generation=json.loads(generation),
                  generated_text=generated_text, update_rounds=rounds, signer_id=signer_id, signer_name=signer_name,
                  signer_credentials=signer_credentials, signed_at=signed_at, attestation=attestation)
    verified = content_hash(fields) == stored_hash  # checked on every read, for display, PDF and export
    return SignedSummary(
        id_, client_id, start, end, purpose, text, _refs(fields["sources"]), _citations(fields["citations"]),
        _generation(fields["generation"]), generated_text, rounds, signer_id, signer_name, signer_credentials,
        signed_at, attestation, stored_hash, verified, shared_at, deleted_at, deleted_by, reason)


class LifecycleStore:
    """SQL of drafts, signed summaries, sharing, portal tokens and the audit log (mixed into Store)."""

    _cursor: Callable
    _transaction: Callable

    # -- audit -------------------------------------------------------------------------------------

    @staticmethod
    def _audit(cur, at: datetime, actor: str, action: str, client_id=None, summary_id=None, draft_id=None,
               detail: str = "") -> None:
        cur.execute("INSERT INTO audit_log (occurred_at, actor, action, client_id, summary_id, draft_id, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", [at, actor, action, client_id, summary_id, draft_id, detail])

    def audit(self, at: datetime, actor: str, action: str, client_id=None, summary_id=None, draft_id=None,
              detail: str = "") -> None:
        with self._cursor() as cur:
            self._audit(cur, at, actor, action, client_id, summary_id, draft_id, detail)

    def audit_entries(self, client_id: str | None = None, limit: int = 500) -> list[AuditEntry]:
        with self._cursor() as cur:
            rows = cur.execute(
                """SELECT id, occurred_at, actor, action, client_id, summary_id, draft_id, detail FROM audit_log
                   WHERE $c IS NULL OR client_id = $c ORDER BY id DESC LIMIT $n""",
                {"c": client_id, "n": limit}).fetchall()
        return [AuditEntry(*r) for r in rows]

    # -- drafts ------------------------------------------------------------------------------------

    def create_draft(self, draft: dict, text: str, now: datetime, actor: str) -> None:
        """Insert a client's draft with its first version; DraftExists if the client has one."""
        try:
            with self._transaction() as cur:
                cur.execute(
                    """INSERT INTO drafts (id, client_id, range_start, range_end, purpose, sources, omitted_ids,
                       created_by, created_at, current_version, generation, citations)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""",
                    [draft["id"], draft["client_id"], draft["range_start"], draft["range_end"], draft["purpose"],
                     _json(draft["sources"]), list(draft["omitted_ids"]), actor, now, _json(draft["generation"]),
                     _json(draft["citations"])])
                cur.execute("INSERT INTO draft_versions VALUES (?, 1, 'generated', NULL, ?, ?, ?)",
                            [draft["id"], text, now, now])
                self._audit(cur, now, actor, "generate", draft["client_id"], None, draft["id"],
                            f"{draft['generation']['engine']} {draft['generation']['model']}; "
                            f"{len(draft['sources'])} sources")
        except (duckdb.ConstraintException, duckdb.TransactionException) as e:
            # UNIQUE (client_id) refused it, or a concurrent insert of the same key conflicted.
            if "client_id" in str(e) or isinstance(e, duckdb.TransactionException):
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
                          created_at, current_version, generation, citations FROM drafts WHERE id = ?""",
                [draft_id]).fetchall()
            if not row:
                return None
            versions = cur.execute(
                """SELECT number, kind, created_at, updated_at, instruction, text FROM draft_versions
                   WHERE draft_id = ? ORDER BY number""", [draft_id]).fetchall()
        (id_, client_id, start, end, purpose, sources, omitted, created_by, created_at, current, generation,
         citations) = row[0]
        versions = tuple(Version(*v) for v in versions)
        saved_at = next(v.updated_at for v in versions if v.number == current)
        return ActiveDraft(id_, client_id, start, end, purpose, _refs(json.loads(sources)), tuple(omitted),
                           created_by, created_at, saved_at, current, versions, _generation(json.loads(generation)),
                           _citations(json.loads(citations)))

    def save_draft_text(self, draft_id: str, text: str, now: datetime, actor: str) -> datetime | None:
        """Autosave: consecutive edits coalesce into one 'edited' version (and one audit entry).
        Returns when the text as it now stands was saved, or None when the draft no longer exists
        (signed or discarded meanwhile)."""

        def attempt() -> datetime | None:
            # The usual case, one statement (a transaction of its own): the current version is
            # already the clinician's edit and the newest one, so this edit overwrites it.
            with self._cursor() as cur:
                if cur.execute(
                        """UPDATE draft_versions SET text = $t, updated_at = $now
                           WHERE draft_id = $id AND kind = 'edited' AND text <> $t
                           AND number = (SELECT current_version FROM drafts WHERE id = $id)
                           AND number = (SELECT max(number) FROM draft_versions WHERE draft_id = $id)
                           RETURNING number""", {"t": text, "now": now, "id": draft_id}).fetchall():
                    return now
            with self._transaction() as cur:
                row = cur.execute(
                    """SELECT d.client_id, d.current_version, v.kind, v.text, v.updated_at,
                              (SELECT max(number) FROM draft_versions WHERE draft_id = d.id)
                       FROM drafts d JOIN draft_versions v ON v.draft_id = d.id AND v.number = d.current_version
                       WHERE d.id = ?""", [draft_id]).fetchall()
                if not row:
                    return None
                client_id, current, kind, current_text, saved_at, last = row[0]
                if text == current_text:
                    return saved_at
                if kind == "edited" and current == last:  # only if another session wrote meanwhile
                    cur.execute("UPDATE draft_versions SET text = ?, updated_at = ? WHERE draft_id = ? AND number = ?",
                                [text, now, draft_id, current])
                else:
                    self._new_version(cur, draft_id, current, "edited", None, text, now)
                    self._audit(cur, now, actor, "save", client_id, None, draft_id, "edits saved")
                return now

        return retry_on_conflict(attempt)

    @staticmethod
    def _new_version(cur, draft_id: str, after: int, kind: str, instruction: str | None, text: str,
                     now: datetime) -> int:
        """A version after `after`; versions above it (undone ones) are dropped, as in any editor."""
        cur.execute("DELETE FROM draft_versions WHERE draft_id = ? AND number > ?", [draft_id, after])
        cur.execute("INSERT INTO draft_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [draft_id, after + 1, kind, instruction, text, now, now])
        cur.execute("UPDATE drafts SET current_version = ? WHERE id = ?", [after + 1, draft_id])
        return after + 1

    def add_refined_version(self, draft_id: str, edited_text: str, refined_text: str, instruction: str,
                            generation: dict, citations: list, now: datetime, actor: str) -> None:
        """After a successful Update: keep the text that was sent, then the refined text as the current version."""

        def attempt() -> None:
            with self._transaction() as cur:
                row = cur.execute(
                    """SELECT d.client_id, d.current_version, v.text FROM drafts d JOIN draft_versions v
                       ON v.draft_id = d.id AND v.number = d.current_version WHERE d.id = ?""",
                    [draft_id]).fetchall()
                if not row:
                    raise KeyError(draft_id)
                client_id, current, current_text = row[0]
                if edited_text != current_text:
                    current = self._new_version(cur, draft_id, current, "edited", None, edited_text, now)
                self._new_version(cur, draft_id, current, "refined", instruction, refined_text, now)
                cur.execute("UPDATE drafts SET generation = ?, citations = ? WHERE id = ?",
                            [_json(generation), _json(citations), draft_id])
                self._audit(cur, now, actor, "update", client_id, None, draft_id,
                            f"instruction: {instruction[:80]}")

        retry_on_conflict(attempt)

    def undo_draft(self, draft_id: str, now: datetime, actor: str) -> bool:
        """Step back to the previous version; False if there is none."""

        def attempt() -> bool:
            with self._transaction() as cur:
                row = cur.execute("SELECT client_id, current_version FROM drafts WHERE id = ?", [draft_id]).fetchall()
                if not row or row[0][1] <= 1:
                    return False
                client_id, current = row[0]
                cur.execute("UPDATE drafts SET current_version = ? WHERE id = ?", [current - 1, draft_id])
                self._audit(cur, now, actor, "undo", client_id, None, draft_id, f"back to version {current - 1}")
                return True

        return retry_on_conflict(attempt)

    def discard_draft(self, draft_id: str, now: datetime, actor: str) -> bool:
        with self._transaction() as cur:
            row = cur.execute("SELECT client_id FROM drafts WHERE id = ?", [draft_id]).fetchall()
            if not row:
                return False
            cur.execute("DELETE FROM draft_versions WHERE draft_id = ?", [draft_id])
            cur.execute("DELETE FROM drafts WHERE id = ?", [draft_id])
            self._audit(cur, now, actor, "discard", row[0][0], None, draft_id, "draft discarded")
            return True

    # -- signing -----------------------------------------------------------------------------------

    def sign_draft(self, draft_id: str, summary: dict, actor: str) -> None:
        """In one transaction: write the signed summary, remove the draft, audit. All or nothing."""
        with self._transaction() as cur:
            cur.execute(
                f"INSERT INTO summaries ({', '.join(SIGNED_FIELDS)}, content_hash) "
                f"VALUES ({', '.join('?' for _ in SIGNED_FIELDS)}, ?)",
                [_json(summary[f]) if f in ("sources", "citations", "generation") else summary[f]
                 for f in SIGNED_FIELDS] + [summary["content_hash"]])
            self._remove_draft(cur, draft_id)
            self._audit(cur, summary["signed_at"], actor, "sign", summary["client_id"], summary["id"], draft_id,
                        f"sha256 {summary['content_hash']}")

    @staticmethod
    def _remove_draft(cur, draft_id: str) -> None:
        cur.execute("DELETE FROM draft_versions WHERE draft_id = ?", [draft_id])
        cur.execute("DELETE FROM drafts WHERE id = ?", [draft_id])

    # -- signed summaries ----------------------------------------------------------------------------

    def summaries(self, client_id: str, include_deleted: bool = False) -> list[SignedSummary]:
        with self._cursor() as cur:
            rows = cur.execute(SUMMARY_SELECT + " WHERE s.client_id = ? AND (? OR d.summary_id IS NULL) "
                               "ORDER BY s.signed_at DESC, s.id", [client_id, include_deleted]).fetchall()
        return [_summary(r) for r in rows]

    def all_summaries(self) -> list[SignedSummary]:
        """Every signed, not-deleted summary of the practice (edit burden)."""
        with self._cursor() as cur:
            rows = cur.execute(SUMMARY_SELECT + " WHERE d.summary_id IS NULL ORDER BY s.signed_at, s.id").fetchall()
        return [_summary(r) for r in rows]

    def summary(self, summary_id: str) -> SignedSummary | None:
        with self._cursor() as cur:
            rows = cur.execute(SUMMARY_SELECT + " WHERE s.id = ?", [summary_id]).fetchall()
        return _summary(rows[0]) if rows else None

    def delete_summary(self, summary: SignedSummary, reason: str, now: datetime, actor: str) -> None:
        with self._transaction() as cur:
            cur.execute("INSERT INTO summary_deletions VALUES (?, ?, ?, ?, ?)",
                        [summary.id, actor, now, reason, summary.content_hash])
            cur.execute("DELETE FROM summary_shares WHERE summary_id = ?", [summary.id])
            self._audit(cur, now, actor, "delete", summary.client_id, summary.id, None,
                        f"reason: {reason[:200]}; sha256 {summary.content_hash}")

    def set_shared(self, summary: SignedSummary, shared: bool, now: datetime, actor: str) -> None:
        with self._transaction() as cur:
            if shared:
                cur.execute("INSERT OR IGNORE INTO summary_shares VALUES (?, ?, ?)", [summary.id, actor, now])
            else:
                cur.execute("DELETE FROM summary_shares WHERE summary_id = ?", [summary.id])
            self._audit(cur, now, actor, "share" if shared else "unshare", summary.client_id, summary.id)

    # -- client portal -------------------------------------------------------------------------------

    def add_portal_token(self, token_hash: str, client_id: str, now: datetime, actor: str) -> None:
        with self._transaction() as cur:
            cur.execute("INSERT INTO portal_tokens VALUES (?, ?, ?, ?, NULL)", [token_hash, client_id, actor, now])
            self._audit(cur, now, actor, "portal_token", client_id, None, None, "portal access token issued")

    def revoke_portal_tokens(self, client_id: str, now: datetime, actor: str) -> int:
        with self._transaction() as cur:
            n = cur.execute("SELECT count(*) FROM portal_tokens WHERE client_id = ? AND revoked_at IS NULL",
                            [client_id]).fetchall()[0][0]
            cur.execute("UPDATE portal_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL",
                        [now, client_id])
            self._audit(cur, now, actor, "portal_revoke", client_id, None, None, f"{n} token(s) revoked")
        return n

    def client_for_token(self, token_hash: str) -> str | None:
        with self._cursor() as cur:
            rows = cur.execute("SELECT client_id FROM portal_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                               [token_hash]).fetchall()
        return rows[0][0] if rows else None

    def shared_summaries(self, client_id: str) -> list[SignedSummary]:
        """What the client portal may show: this client's shared, not-deleted summaries."""
        with self._cursor() as cur:
            rows = cur.execute(SUMMARY_SELECT + " WHERE s.client_id = ? AND sh.summary_id IS NOT NULL "
                               "AND d.summary_id IS NULL ORDER BY s.signed_at DESC", [client_id]).fetchall()
        return [_summary(r) for r in rows]
