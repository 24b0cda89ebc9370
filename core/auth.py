"""Sign-in: local accounts with argon2 password hashes and lockout, OIDC users, signature re-authentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import access
from .errors import InvalidInput, NotFound, PermissionDenied
from .models import ROLES, Actor, UserAccount, UserSummary

if TYPE_CHECKING:
    from .service import Practice

MAX_FAILURES = 5  # failed sign-ins in a row before the account locks
LOCK_MINUTES = 15
IDLE_MINUTES = 30  # a signed-in session expires after this long without activity
SIGNATURE_LOGIN_MINUTES = 15  # an OIDC user signing must have signed in this recently
MIN_PASSWORD = 10
HASHER = PasswordHasher()
BAD_CREDENTIALS = "The user name or password is not right."

# The demo database's accounts, one per role (documented in the README).
DEMO_ACCOUNTS = (
    ("dana", "Dana Whitfield", ("clinician",), "K01", "dana@riverbend.example", "dana-demo-2026"),
    ("ruth", "Ruth Abernathy", ("supervisor",), "K06", "ruth@riverbend.example", "ruth-demo-2026"),
    ("pat", "Pat Lindgren", ("pilot_tester",), None, "pat@riverbend.example", "pat-demo-2026"),
    ("alex", "Alex Moreno", ("admin",), None, "alex@riverbend.example", "alex-demo-2026"),
)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def actor_of(p: Practice, user: UserAccount, auth: str = "local") -> Actor:
    credentials = p.store.clinician(user.clinician_id).credentials if user.clinician_id else ""
    return Actor(user.id, user.display_name, user.roles, credentials, user.clinician_id, auth)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD} characters.")


def _create(
    p: Practice,
    user_id: str,
    display_name: str,
    roles,
    password: str | None,
    clinician_id: str | None,
    email: str | None,
) -> None:
    roles = tuple(roles)
    if not roles or any(r not in ROLES for r in roles):
        raise InvalidInput(f"Roles must be some of: {', '.join(ROLES)}.")
    if p.store.user(user_id):
        raise InvalidInput(f"There is already a user {user_id!r}.")
    if clinician_id:
        p.store.clinician(clinician_id)
    if {"clinician", "supervisor"} & set(roles) and not clinician_id:
        raise InvalidInput("Clinicians and supervisors need the clinician record they sign as (--clinician ID).")
    if password is not None:
        _check_password(password)
    p.store.add_user(
        UserAccount(
            id=user_id,
            display_name=display_name,
            roles=roles,
            clinician_id=clinician_id,
            email=email,
            password_hash=HASHER.hash(password) if password else None,
            disabled=False,
            failed_attempts=0,
            locked_until=None,
            created_at=now(),
        )
    )


def add_user(
    p: Practice,
    actor: Actor,
    user_id: str,
    display_name: str,
    roles,
    password: str | None = None,
    clinician_id: str | None = None,
    email: str | None = None,
) -> None:
    access.require(p.store, actor, "manage_users")
    _create(p, user_id, display_name, roles, password, clinician_id, email)
    p.store.audit(now(), actor.id, "account", None, None, None, f"user {user_id} added ({', '.join(roles)})")


def list_users(p: Practice, actor: Actor) -> list[UserSummary]:
    """Every account, without password hashes."""
    access.require(p.store, actor, "manage_users")
    return [u.summary for u in p.store.users()]


def set_disabled(p: Practice, actor: Actor, user_id: str, disabled: bool = True) -> None:
    access.require(p.store, actor, "manage_users")
    if not p.store.user(user_id):
        raise NotFound(f"There is no user {user_id!r}.")
    p.store.set_disabled(user_id, disabled)
    p.store.audit(
        now(), actor.id, "account", None, None, None, f"user {user_id} {'disabled' if disabled else 'enabled'}"
    )


def reset_password(p: Practice, actor: Actor, user_id: str, password: str) -> None:
    access.require(p.store, actor, "manage_users")
    if not p.store.user(user_id):
        raise NotFound(f"There is no user {user_id!r}.")
    _check_password(password)
    p.store.set_password_hash(user_id, HASHER.hash(password))
    p.store.audit(now(), actor.id, "account", None, None, None, f"password of {user_id} reset")


def load_demo_accounts(p: Practice) -> bool:
    """The demo accounts, when the database has no users yet."""
    if p.store.count_users():
        return False
    for user_id, name, roles, clinician_id, email, password in DEMO_ACCOUNTS:
        _create(p, user_id, name, roles, password, clinician_id, email)
    return True


def sign_in(p: Practice, user_id: str, password: str) -> Actor:
    """A local sign-in. Repeated failures lock the account for a while; all of it is audited
    (never the password)."""
    user = p.store.user((user_id or "").strip().lower())
    moment = now()
    if user is None:
        p.store.audit(moment, (user_id or "")[:40] or "-", "sign_in_failed", detail="unknown user")
        raise PermissionDenied(BAD_CREDENTIALS)
    if user.disabled:
        p.store.audit(moment, user.id, "sign_in_failed", detail="account disabled")
        raise PermissionDenied("This account is disabled. Ask the practice administrator.")
    if user.locked_until and user.locked_until > moment:
        p.store.audit(moment, user.id, "sign_in_failed", detail="account locked")
        raise PermissionDenied(_locked_message(user.locked_until, moment))
    try:
        HASHER.verify(user.password_hash or "", password or "")
    except (VerificationError, InvalidHashError):
        failures = user.failed_attempts + 1
        locked = moment + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        p.store.record_sign_in(user.id, 0 if locked else failures, locked)
        p.store.audit(
            moment,
            user.id,
            "lockout" if locked else "sign_in_failed",
            detail=f"{failures} failed attempts" + (f"; locked for {LOCK_MINUTES} minutes" if locked else ""),
        )
        raise PermissionDenied(_locked_message(locked, moment) if locked else BAD_CREDENTIALS) from None
    p.store.record_sign_in(user.id, 0, None)
    if user.password_hash and HASHER.check_needs_rehash(user.password_hash):
        p.store.set_password_hash(user.id, HASHER.hash(password))
    p.store.audit(moment, user.id, "sign_in", detail="password")
    return actor_of(p, user)


def _locked_message(until: datetime, moment: datetime) -> str:
    minutes = max(1, round((until - moment).total_seconds() / 60))
    return (
        f"Too many failed sign-ins: this account is locked for {minutes} more minute"
        f"{'s' if minutes != 1 else ''}. Try again later or ask the practice administrator."
    )


def sign_in_oidc(p: Practice, email: str | None) -> Actor:
    """A user the practice's identity provider signed in, matched to an account by e-mail."""
    user = p.store.user_by_email(email or "")
    if user is None or user.disabled:
        p.store.audit(now(), (email or "-")[:60], "sign_in_failed", detail="no active account for this e-mail")
        raise PermissionDenied(
            "You are signed in with the practice's identity provider, but there is no active "
            "account for your e-mail address here. Ask the practice administrator."
        )
    p.store.audit(now(), user.id, "sign_in", detail="oidc")
    return actor_of(p, user, "oidc")


def sign_out(p: Practice, actor: Actor, reason: str = "signed out") -> None:
    p.store.audit(now(), actor.id, "sign_out", detail=reason)


def confirm_signature(
    p: Practice, actor: Actor, password: str | None = None, signed_in_at: datetime | None = None
) -> None:
    """Before a signature is applied: the password again (local accounts), or a recent sign-in
    with the identity provider (OIDC)."""
    if actor.auth == "cli":
        return
    if actor.auth == "oidc":
        if signed_in_at is None or now() - signed_in_at > timedelta(minutes=SIGNATURE_LOGIN_MINUTES):
            raise PermissionDenied(
                f"To sign, sign in again with the practice's identity provider (a sign-in within "
                f"the last {SIGNATURE_LOGIN_MINUTES} minutes is needed)."
            )
        return
    user = p.store.user(actor.id)
    try:
        HASHER.verify((user.password_hash if user else None) or "", password or "")
    except (VerificationError, InvalidHashError):
        p.store.audit(now(), actor.id, "sign_in_failed", detail="signature confirmation: wrong password")
        raise PermissionDenied("The password is not right; the summary was not signed.") from None


def acting_clinician(p: Practice, actor: Actor, clinician_id: str) -> Actor:
    """The command line signs as a named clinician (the trusted shell of an administrator)."""
    access.require(p.store, actor, "manage_users")
    clinician = p.store.clinician(clinician_id)
    return Actor(clinician.id, clinician.display_name, ("clinician",), clinician.credentials, clinician.id, "cli")


def clinicians(p: Practice, actor: Actor) -> list:
    """The practice's clinicians, for linking an account to one."""
    access.require(p.store, actor, "manage_users")
    return p.store.clinicians()
