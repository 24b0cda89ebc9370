"""The SHA-256 over a signed summary's content and metadata, computed the same way at signing and reading;
the keyed seal over it and the chained MACs of the audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StoreError

_LOG = logging.getLogger(__name__)

# The fields a signature covers, in the order they are hashed.
SIGNED_FIELDS = (
    "id",
    "client_id",
    "range_start",
    "range_end",
    "purpose",
    "text",
    "sources",
    "citations",
    "generation",
    "generated_text",
    "update_rounds",
    "signer_id",
    "signer_name",
    "signer_credentials",
    "signed_at",
    "attestation",
)


def canonical(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def content_hash(fields: dict[str, Any]) -> str:
    payload = json.dumps(
        {k: canonical(fields[k]) for k in SIGNED_FIELDS}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- the seal: what someone holding only the database file cannot recompute ----------------------------
#
# The SHA-256 above shows an accidental or careless change; anyone who edits the file can also
# recompute it. The seal is an HMAC with a key kept outside the database (Settings.key_path): it
# covers a summary's content hash and its state (shared, deleted), and each audit entry's MAC covers
# the entry and the MAC before it, so an entry changed, inserted or removed by SQL breaks the chain.

KEY_BYTES = 32


KEY_UNREADABLE = (
    "The seal key cannot be read (see the server's log), so signed summaries cannot be checked. "
    "Restore the key file from the backup made with the database."
)


def read_seal_key(path: Path) -> bytes | None:
    """The practice's seal key, or None when there is no key file yet."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        _LOG.error("reading the seal key at %s failed: %s", path, e)
        raise StoreError(KEY_UNREADABLE) from e


def seal_key(path: Path) -> bytes:
    """The practice's seal key, made (readable by this user only) the first time it is needed."""
    if (key := read_seal_key(path)) is not None:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.hex())
        return key
    except FileExistsError:  # another process made it first
        return seal_key(path)
    except OSError as e:
        _LOG.error("writing the seal key at %s failed: %s", path, e)
        raise StoreError("The seal key cannot be written (see the server's log).") from e


def _mac(key: bytes, payload: Any) -> str:
    message = json.dumps(canonical(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def seal(key: bytes, summary_id: str, audit_id: int, state: tuple) -> str:
    """Over the summary's content hash and state (STATE_FIELDS) and the audit entry of the change of
    state it was made at: a seal copied back from an older state names an older entry than the log's
    latest for that summary, so it does not verify."""
    return _mac(key, ["summary", summary_id, audit_id, list(state)])


# What a summary's seal covers, as SUMMARY_STATE selects it.
STATE_FIELDS = ("content_hash", "shared_by", "shared_at", "deleted_by", "deleted_at", "reason")
STATE_ACTIONS = ("sign", "share", "unshare", "delete")  # the audit entries that change a summary's state


def seal_matches(key: bytes | None, stored: str | None, summary_id: str, audit_id: int | None, state: tuple) -> bool:
    return (
        bool(key and stored)
        and audit_id is not None
        and hmac.compare_digest(stored or "", seal(key or b"", summary_id, audit_id, state))
    )


AUDIT_FIELDS = ("id", "occurred_at", "actor", "action", "client_id", "summary_id", "draft_id", "detail")


def entry_mac(key: bytes, previous: str | None, entry: tuple) -> str:
    """An audit entry's MAC: over the entry (AUDIT_FIELDS in order) and the MAC before it."""
    return _mac(key, ["audit", previous or "", list(entry)])


@dataclass(frozen=True)
class ChainReport:
    entries: int  # entries checked
    broken_at: int | None  # the id of the first entry that does not verify; None if the chain holds

    @property
    def holds(self) -> bool:
        return self.broken_at is None

    def describe(self) -> str:
        if self.broken_at is not None:
            return (
                f"The audit log does not verify from entry {self.broken_at} on: an entry was changed, inserted or "
                "removed outside the app, or the seal key is not this practice's. Keep the database file as it "
                "is and tell the practice's privacy officer. (Right after an upgrade to sealing, an administrator "
                "seals what the file holds once: python -m core seal-existing.)"
            )
        return f"The audit log verifies: {self.entries} entries, each sealed together with the one before."


def verify_chain(key: bytes | None, rows: Iterable[tuple]) -> ChainReport:
    """Walk the audit log in id order (rows: AUDIT_FIELDS, then entry_mac). Every entry has a MAC:
    the entries from before the chain existed were sealed when the database was upgraded to it."""
    previous: str | None = None
    checked = 0
    for row in rows:
        *entry, mac = row
        checked += 1
        if key is None or mac is None or not hmac.compare_digest(mac, entry_mac(key, previous, tuple(entry))):
            return ChainReport(checked, entry[0])
        previous = mac
    return ChainReport(checked, None)
