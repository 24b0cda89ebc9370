"""Who may do what: the role matrix, enforced in core (pages only hide what this refuses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .errors import PermissionDenied, SessionEnded
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
IDLE_MINUTES = 30  # a signed-in session ends after this long without activity
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


def _role_allows(role: str, action: str, on_caseload: bool | None) -> bool:
    """One role, one action, one client: on_caseload None asks about no particular client."""
    return action in ALLOWED.get(role, ()) and (role not in CASELOAD_ONLY or on_caseload is not False)


def can(actor: Actor, action: str, client_clinician_id: str | None = None, *, client: bool = False) -> bool:
    """Whether one of the actor's roles allows the action, on this client if `client` is set (its
    clinician id given). Decided role by role: roles never combine into more than one of them allows
    (a clinician who is also a pilot tester reads every chart, but signs, shares, deletes and exports
    only on their own caseload)."""
    on_caseload = (actor.clinician_id is not None and client_clinician_id == actor.clinician_id) if client else None
    return any(_role_allows(role, action, on_caseload) for role in actor.roles)


def sees_all_clients(actor: Actor, action: str = "view") -> bool:
    """Whether some role allows the action on every client (else only on the actor's caseload)."""
    return any(_role_allows(role, action, False) for role in actor.roles)


def require(store, actor: Actor, action: str, client_id: str | None = None) -> None:
    """Raise PermissionDenied (and audit the refusal) unless the actor's session is good and one of
    their roles allows the action on this client."""
    check_session(store, actor)
    if not can(actor, action):
        _refuse(
            store,
            actor,
            action,
            client_id,
            f"Your role ({', '.join(actor.roles) or 'none'}) does not allow you to {LABELS.get(action, action)}.",
        )
    if client_id is not None and not can(actor, action, store.client(client_id).clinician_id, client=True):
        _refuse(
            store,
            actor,
            action,
            client_id,
            "This client is not on your caseload. Ask a supervisor, or the client's clinician, if you need access.",
        )


SESSION_TOUCH_SECONDS = 30  # last_seen is written at most this often; the idle limit is in minutes


def check_session(store, actor: Actor) -> None:
    """SessionEnded unless the actor's sign-in session is still good: not signed out, not idle past
    the limit, the account neither disabled nor locked, its roles those it signed in with. Actors made
    in-process (the command line, tests) carry no session and are trusted as they are."""
    if actor.session_id is None:
        return
    moment = datetime.now(UTC).replace(tzinfo=None)
    found = store.session(actor.session_id)
    if found is None:
        raise SessionEnded("This sign-in is not known. Sign in again.")
    user_id, roles, last_seen, ended_at, end_reason = found
    if ended_at is not None:
        raise SessionEnded(f"You were signed out ({end_reason}). Sign in again to continue.")
    user = store.user(user_id)
    reason, message = None, None
    if moment - last_seen > timedelta(minutes=IDLE_MINUTES):
        reason = f"signed out after {IDLE_MINUTES} minutes without activity"
        message = f"You were signed out after {IDLE_MINUTES} minutes without activity. Sign in again to continue."
    elif user is None or user.disabled:
        reason, message = "account disabled", "This account was disabled by the practice administrator."
    elif user.locked_until and user.locked_until > moment:
        reason, message = "account locked", "This account is locked after too many failed sign-ins."
    elif user.roles != roles:
        reason = "roles changed"
        message = "Your roles changed since you signed in. Sign in again to continue with the new ones."
    if reason:
        store.end_session(actor.session_id, moment, reason)
        store.audit(moment, user_id, "sign_out", detail=reason)
        raise SessionEnded(message or reason)
    if (moment - last_seen).total_seconds() > SESSION_TOUCH_SECONDS:
        store.touch_session(actor.session_id, moment)


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
