"""Sign-in, roles and signature confirmation, enforced in core, on both engines."""

from datetime import timedelta

import pytest

from core import access, auth, charts, evaluation, maintenance, ratings, summaries
from core.errors import InvalidInput, PermissionDenied
from core.models import Actor
from tests import engines

ENGINES = engines.BOTH

PASSWORDS = {user: password for user, *_, password in auth.DEMO_ACCOUNTS}
CLIENT = "C1001"  # on Dana's caseload
OTHER = "C1002"  # not on Dana's caseload


def actor(practice, user):
    return auth.actor_of(practice, practice.store.user(user))


@pytest.fixture
def people(practice):
    return {u: actor(practice, u) for u in PASSWORDS}


def signed_summary(practice, people, client=CLIENT):
    ruth = people["ruth"]
    today = practice.today()
    d = summaries.generate(practice, ruth, client, today - timedelta(days=182), today).draft
    return summaries.sign(practice, ruth, d.id, password=PASSWORDS["ruth"])


def open_draft(practice, people, client=CLIENT):
    today = practice.today()
    return summaries.generate(practice, people["ruth"], client, today - timedelta(days=182), today).draft


# Each action, run as `who`, after the preconditions were set up by the supervisor.
def act(practice, people, who, action):
    a = people[who]
    today = practice.today()
    if action == "view":
        summaries.summaries(practice, a, CLIENT)
    elif action == "generate":
        summaries.generate(practice, a, CLIENT, today - timedelta(days=182), today)
    elif action in ("edit", "update", "undo", "discard"):
        d = open_draft(practice, people)
        if action == "undo":
            summaries.update(practice, people["ruth"], d.id, d.text, "shorter", base_revision=None)
        {
            "edit": lambda: summaries.save(practice, a, d.id, d.text + " edited", base_revision=None),
            "update": lambda: summaries.update(practice, a, d.id, d.text, "shorter", base_revision=None),
            "undo": lambda: summaries.undo(practice, a, d.id, base_revision=None),
            "discard": lambda: summaries.discard(practice, a, d.id),
        }[action]()
    elif action == "sign":
        d = open_draft(practice, people)
        summaries.sign(practice, a, d.id, password=PASSWORDS[who])
    elif action == "download":
        summaries.record_download(practice, a, signed_summary(practice, people).id)
    elif action == "share":
        summaries.share(practice, a, signed_summary(practice, people).id)
    elif action == "delete":
        summaries.delete(practice, a, signed_summary(practice, people).id, "test")
    elif action == "portal_token":
        summaries.issue_portal_token(practice, a, CLIENT)
    elif action == "quality_lab":
        evaluation.evaluate(practice, a, "offline", [CLIENT])
    elif action == "rate":
        ratings.rate(practice, a, "summary", signed_summary(practice, people).id, {k: 3 for k, _, _ in ratings.PDQI9})
    elif action == "audit_log":
        summaries.audit_log(practice, a)
    elif action == "manage_users":
        auth.list_users(practice, a)
    elif action == "maintain":
        maintenance.init(practice, a)
    else:
        raise AssertionError(action)


ACTIONS = [
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
    "portal_token",
    "quality_lab",
    "rate",
    "audit_log",
    "manage_users",
    "maintain",
]
# What each demo role may do, as the product requires (not derived from the code's own table).
EXPECTED = {
    "dana": {
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
        "portal_token",
    },
    "ruth": {
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
        "portal_token",
        "quality_lab",
        "rate",
        "audit_log",
    },
    "pat": {"view", "quality_lab", "rate"},
    "alex": {"audit_log", "manage_users", "maintain"},
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_role_against_every_action(practice, people, who, action):
    if action in EXPECTED[who]:
        act(practice, people, who, action)
    else:
        with pytest.raises(PermissionDenied):
            act(practice, people, who, action)
        denied = [e for e in practice.store.audit_entries() if e.action == "permission_denied"]
        assert denied and denied[0].actor == who and denied[0].detail == f"refused: {action}"


def test_clinicians_reach_only_their_caseload(practice, people):
    dana = people["dana"]
    today = practice.today()
    assert {r.clinician_id for r in charts.find_clients(practice, dana)} == {"K01"}
    assert (
        len(charts.find_clients(practice, people["ruth"])) == 44 and charts.find_clients(practice, people["alex"]) == []
    )
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        summaries.generate(practice, dana, OTHER, today - timedelta(days=182), today)
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        charts.chart(practice, dana, OTHER)
    assert charts.chart(practice, dana, CLIENT).client.id == CLIENT


def test_sign_in_and_lockout_after_repeated_failures(practice):
    assert auth.sign_in(practice, "dana", PASSWORDS["dana"]).clinician_id == "K01"
    for _ in range(auth.MAX_FAILURES - 1):
        with pytest.raises(PermissionDenied, match="not right"):
            auth.sign_in(practice, "dana", "wrong-password")
    with pytest.raises(PermissionDenied, match="locked for 15 more minutes"):
        auth.sign_in(practice, "dana", "wrong-password")
    with pytest.raises(PermissionDenied, match="locked"):
        auth.sign_in(practice, "dana", PASSWORDS["dana"])  # even the right password, while locked
    actions = [e.action for e in practice.store.audit_entries() if e.actor == "dana"]
    assert actions[:3] == ["sign_in_failed", "lockout", "sign_in_failed"] and actions[-1] == "sign_in"
    practice.store.record_sign_in("dana", 0, auth.now() - timedelta(minutes=1))  # the lock has run out
    assert auth.sign_in(practice, "dana", PASSWORDS["dana"]).id == "dana"


def test_unknown_and_disabled_accounts(practice, people):
    with pytest.raises(PermissionDenied, match="user name or password is not right"):
        auth.sign_in(practice, "nobody", "whatever-password")
    auth.set_disabled(practice, people["alex"], "pat")
    with pytest.raises(PermissionDenied, match="disabled"):
        auth.sign_in(practice, "pat", PASSWORDS["pat"])


def test_passwords_are_never_stored_or_logged_in_clear(practice, people):
    auth.add_user(practice, people["alex"], "sam", "Sam Ortiz", ["clinician"], "first-secret-pw", "K02")
    auth.reset_password(practice, people["alex"], "sam", "second-secret-pw")
    for attempt in ("third-secret-pw", "second-secret-pw"):
        try:
            auth.sign_in(practice, "sam", attempt)
        except PermissionDenied:
            pass
    con = engines.raw(practice.store)
    practice.store.close()
    dump = " ".join(
        str(row) for table in ("users", "audit_log", "meta") for row in con.execute(f"SELECT * FROM {table}").fetchall()
    )
    for secret in ("first-secret-pw", "second-secret-pw", "third-secret-pw", *PASSWORDS.values()):
        assert secret not in dump
    hashes = [r[0] for r in con.execute("SELECT password_hash FROM users").fetchall()]
    assert all(h.startswith("$argon2id$") for h in hashes)
    with pytest.raises(engines.CONSTRAINT):
        con.execute("UPDATE users SET password_hash = 'plain-text' WHERE id = 'sam'")


def test_account_rules(practice, people):
    alex = people["alex"]
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        auth.add_user(practice, alex, "lee", "Lee Park", ["pilot_tester"], "short")
    with pytest.raises(InvalidInput, match="need the clinician record"):
        auth.add_user(practice, alex, "lee", "Lee Park", ["clinician"], "long-enough-pw")
    with pytest.raises(InvalidInput, match="Roles must be some of"):
        auth.add_user(practice, alex, "lee", "Lee Park", ["owner"], "long-enough-pw")
    auth.add_user(practice, alex, "lee", "Lee Park", ["admin", "clinician"], "long-enough-pw", "K03")
    lee = auth.sign_in(practice, "lee", "long-enough-pw")
    assert lee.roles == ("admin", "clinician") and access.can(lee, "sign") and access.can(lee, "manage_users")
    assert not access.sees_all_clients(lee)


def test_accounts_are_records_and_the_list_has_no_password_hashes(practice, people):
    account = practice.store.user("dana")
    assert account.roles == ("clinician",) and account.clinician_id == "K01"
    assert account.password_hash.startswith("$argon2id$") and account.password_hash not in repr(account)
    listed = {u.id: u for u in auth.list_users(practice, people["alex"])}
    assert set(listed) == set(PASSWORDS) and listed["dana"] == account.summary
    assert not any(hasattr(u, "password_hash") for u in listed.values())
    assert people["dana"] == Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")


def test_actor_roles_are_a_tuple_never_a_joined_string():
    with pytest.raises(TypeError, match="tuple"):
        Actor("cli:x", "x", "supervisor,admin")  # type: ignore[arg-type]


def test_signature_needs_the_password_again(practice, people):
    d = open_draft(practice, people)
    with pytest.raises(PermissionDenied, match="password is not right"):
        summaries.sign(practice, people["ruth"], d.id, password="guess")
    assert summaries.active_draft(practice, people["ruth"], CLIENT) is not None
    assert summaries.sign(practice, people["ruth"], d.id, password=PASSWORDS["ruth"]).signer_name == "Ruth Abernathy"


def test_oidc_users_sign_only_after_a_recent_sign_in(practice, people):
    ruth = auth.sign_in_oidc(practice, "RUTH@riverbend.example")
    assert ruth.auth == "oidc" and ruth.id == "ruth"
    d = open_draft(practice, people)
    with pytest.raises(PermissionDenied, match="sign in again"):
        summaries.sign(practice, ruth, d.id, signed_in_at=auth.now() - timedelta(hours=2))
    assert summaries.sign(practice, ruth, d.id, signed_in_at=auth.now()).verified
    with pytest.raises(PermissionDenied, match="no active account for your e-mail"):
        auth.sign_in_oidc(practice, "stranger@example.org")
