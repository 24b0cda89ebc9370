"""Who may do what: the role matrix, enforced in core (pages only hide what this refuses)."""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import PermissionDenied
from .models import Actor

CLINICAL = frozenset(
    {
        "view",
        "generate",
        "edit",
        "update",
        "undo",
        "discard",
        "sign",
        "download",
        "share",
        "delete",
        "export",
        "portal_token",
    }
)
ALLOWED: dict[str, frozenset[str]] = {
    # their own caseload only (see CASELOAD_ONLY)
    "clinician": CLINICAL,
    # every client of the practice, the clinician actions, and oversight
    "supervisor": CLINICAL | {"quality_lab", "rate", "audit_log", "import"},
    # read drafts and summaries, run the quality lab and rate; never sign, share, delete or export
    "pilot_tester": frozenset({"view", "quality_lab", "rate"}),
    # accounts and the audit log; no clinical actions unless also a clinician
    "admin": frozenset({"manage_users", "audit_log", "import", "maintain"}),
}
CASELOAD_ONLY = frozenset({"clinician"})
ACTIONS = tuple(sorted(set().union(*ALLOWED.values())))
LABELS = {
    "view": "view this chart",
    "generate": "draft treatment summaries",
    "edit": "edit drafts",
    "update": "update drafts",
    "undo": "undo draft versions",
    "discard": "discard drafts",
    "sign": "sign treatment summaries",
    "download": "download summaries",
    "share": "share summaries",
    "delete": "delete signed summaries",
    "export": "export client data",
    "portal_token": "manage portal access",
    "quality_lab": "use the quality lab",
    "rate": "rate drafts",
    "audit_log": "read the audit log",
    "import": "import records",
    "manage_users": "manage user accounts",
    "maintain": "maintain the database",
}


def can(actor: Actor, action: str) -> bool:
    return any(action in ALLOWED.get(role, ()) for role in actor.roles)


def sees_all_clients(actor: Actor) -> bool:
    """Roles that reach every client for what they may do; a clinician alone sees their caseload."""
    return any(role not in CASELOAD_ONLY and ALLOWED.get(role, frozenset()) & {"view"} for role in actor.roles)


def in_scope(actor: Actor, client_clinician_id: str | None) -> bool:
    return sees_all_clients(actor) or (actor.clinician_id is not None and client_clinician_id == actor.clinician_id)


def require(store, actor: Actor, action: str, client_id: str | None = None) -> None:
    """Raise PermissionDenied (and audit the refusal) unless the actor's roles allow the action on
    this client."""
    allowed = can(actor, action)
    if allowed and client_id is not None and not sees_all_clients(actor):
        allowed = in_scope(actor, store.client(client_id).clinician_id)
        if not allowed:
            _refuse(
                store,
                actor,
                action,
                client_id,
                "This client is not on your caseload. Ask a supervisor, or the client's clinician, if you need access.",
            )
    if not allowed:
        _refuse(
            store,
            actor,
            action,
            client_id,
            f"Your role ({', '.join(actor.roles) or 'none'}) does not allow you to {LABELS.get(action, action)}.",
        )


def _refuse(store, actor: Actor, action: str, client_id: str | None, message: str) -> None:
    store.audit(
        datetime.now(UTC).replace(tzinfo=None),
        actor.id,
        "permission_denied",
        client_id,
        None,
        None,
        f"refused: {action}",
    )
    raise PermissionDenied(message)
