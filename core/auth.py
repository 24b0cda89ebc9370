"""Sign-in: local accounts with argon2 password hashes and lockout, OIDC users, signature re-authentication."""

from __future__ import annotations

import functools
import secrets
import threading
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import access
from .errors import InvalidInput, NotFound, PermissionDenied, SessionEnded
from .models import ROLES, Actor, UserAccount, UserSummary
from .text import clean

if TYPE_CHECKING:
    from .service import Practice

MAX_FAILURES = 5  # failed sign-ins in a row before the account locks
LOCK_MINUTES = 15
IDLE_MINUTES = access.IDLE_MINUTES
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
    display_name, email = clean(display_name).strip(), clean(email).strip() or None
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
    if disabled:  # now, not at the session's next action: enabling again must not revive it
        p.store.end_user_sessions(user_id, now(), "account disabled")
    p.store.audit(
        now(), actor.id, "account", None, None, None, f"user {user_id} {'disabled' if disabled else 'enabled'}"
    )


def reset_password(p: Practice, actor: Actor, user_id: str, password: str) -> None:
    access.require(p.store, actor, "manage_users")
    if not p.store.user(user_id):
        raise NotFound(f"There is no user {user_id!r}.")
    _check_password(password)
    p.store.set_password_hash(user_id, HASHER.hash(password))
    p.store.end_user_sessions(user_id, now(), "password reset")  # a stolen session ends with the old password
    p.store.audit(now(), actor.id, "account", None, None, None, f"password of {user_id} reset")


def load_demo_accounts(p: Practice) -> bool:
    """The demo accounts, when the database has no users yet."""
    if p.store.count_users():
        return False
    for user_id, name, roles, clinician_id, email, password in DEMO_ACCOUNTS:
        _create(p, user_id, name, roles, password, clinician_id, email)
    return True


# Sign-in attempts for one account take turns (Streamlit sessions are threads of one process): the
# lock check, the password check and the count of a failure are one step, so parallel guesses are
# counted one by one and the right password among them is refused once the account is locked.
_attempts: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_attempts_guard = threading.Lock()


def _attempt_lock(user_id: str) -> threading.Lock:
    with _attempts_guard:
        return _attempts[user_id]


def sign_in(p: Practice, user_id: str, password: str) -> Actor:
    """A local sign-in, with a session that core checks on every action. Repeated failures lock the
    account for a while; every attempt is audited (never the password)."""
    name = clean(user_id).strip().lower()
    with _attempt_lock(name):
        user = p.store.user(name)
        moment = now()
        if user is None:
            _equal_time(password)  # an unknown name takes as long as a wrong password: names are not told
            p.store.audit(moment, name[:40] or "-", "sign_in_failed", detail="unknown user")
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
            raise PermissionDenied(_count_failure(p, user.id, moment, "wrong password") or BAD_CREDENTIALS) from None
        p.store.record_sign_in(user.id, 0, None)
        if user.password_hash and HASHER.check_needs_rehash(user.password_hash):
            p.store.set_password_hash(user.id, HASHER.hash(password))
        return _start_session(p, user, "local", moment, "password")


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("not the password of anyone")


def _equal_time(password: str) -> None:
    try:
        HASHER.verify(_dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        pass


def _count_failure(p: Practice, user_id: str, moment: datetime, what: str) -> str | None:
    """Count and audit a wrong password; the lockout message when this one locked the account."""
    until = moment + timedelta(minutes=LOCK_MINUTES)
    failures = p.store.count_failed_sign_in(user_id, moment, MAX_FAILURES, until)
    if failures == 0:
        p.store.end_user_sessions(user_id, moment, "account locked")
        p.store.audit(
            moment,
            user_id,
            "lockout",
            detail=f"{what}: {MAX_FAILURES} failed attempts; locked for {LOCK_MINUTES} minutes",
        )
        return _locked_message(until, moment)
    p.store.audit(moment, user_id, "sign_in_failed", detail=f"{what}: {failures} failed attempts")
    return None


def _start_session(p: Practice, user: UserAccount, how: str, moment: datetime, detail: str) -> Actor:
    session_id = secrets.token_urlsafe(24)
    p.store.start_session(session_id, user, how, moment)
    p.store.audit(moment, user.id, "sign_in", detail=detail)
    return replace(actor_of(p, user, how), session_id=session_id)


def check_session(p: Practice, actor: Actor) -> None:
    """SessionEnded unless the actor's session is still good (the screens call this on every rerun;
    core's permission check calls it on every action)."""
    access.check_session(p.store, actor)


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
    return _start_session(p, user, "oidc", now(), "oidc")


def sign_out(p: Practice, actor: Actor, reason: str = "signed out") -> None:
    if actor.session_id:
        p.store.end_session(actor.session_id, now(), reason)
        p.tickets.forget(actor.session_id)
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
    access.check_session(p.store, actor)
    with _attempt_lock(actor.id):
        user = p.store.user(actor.id)
        try:
            HASHER.verify((user.password_hash if user else None) or "", password or "")
        except (VerificationError, InvalidHashError):
            # counted like a failed sign-in: a wrong password at Sign is a guess too
            locked = _count_failure(p, actor.id, now(), "signature confirmation") if user else None
            if locked:
                if actor.session_id:
                    p.store.end_session(actor.session_id, now(), "locked after failed signature confirmations")
                raise SessionEnded(locked + " You have been signed out; the draft is kept.") from None
            raise PermissionDenied("The password is not right; the summary was not signed.") from None
        p.store.record_sign_in(user.id if user else actor.id, 0, None)


def acting_clinician(p: Practice, actor: Actor, clinician_id: str) -> Actor:
    """The command line signs as a named clinician (the trusted shell of an administrator). The
    signature is the clinician's; the audit log names who ran the command (cli:<user>)."""
    access.require(p.store, actor, "manage_users")
    clinician = p.store.clinician(clinician_id)
    return Actor(actor.id, clinician.display_name, ("clinician",), clinician.credentials, clinician.id, "cli")


def clinicians(p: Practice, actor: Actor) -> list:
    """The practice's clinicians, for linking an account to one."""
    access.require(p.store, actor, "manage_users")
    return p.store.clinicians()
