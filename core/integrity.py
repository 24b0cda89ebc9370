"""The SHA-256 over a signed summary's content and metadata, computed the same way at signing and reading."""

from __future__ import annotations

import hashlib
import json
from typing import Any

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
