"""Nobody reaches chart data before signing in; sign-in, sign-out, idle expiry and what each role sees."""

from datetime import timedelta

import pytest

from core import auth
from ui import keys

PAGES = [
    "pages/clients.py",
    "pages/client.py",
    "pages/quality_lab.py",
    "pages/import_fhir.py",
    "pages/audit.py",
    "pages/users.py",
]


def all_text(at) -> str:
    parts = [
        e.value for kind in ("markdown", "title", "subheader", "caption", "info", "text") for e in getattr(at, kind)
    ]
    parts += [str(df.value) for df in at.dataframe]
    return " ".join(map(str, parts))


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_chart_data_before_sign_in(app, page):
    at = app(user=None)
    at.query_params["client"] = "C1001"
    at.switch_page(page).run()
    assert not at.exception
    text = all_text(at)
    # the app routes to the sign-in page; a page reached anyway stops at its first core call
    assert "Sign in" in [b.label for b in at.get("form_submit_button")] or "Please sign in." in text
    for secret in ("Zoë", "Ñúñez", "F32", "PHQ-9", "Dana Whitfield", "MRN"):
        assert secret not in text


def test_sign_in_form_and_wrong_password(app):
    at = app(user=None).run()
    at.text_input(key="sign_in_user").input("dana")
    at.text_input(key="sign_in_password").input("wrong-password")
    at.get("form_submit_button")[0].click().run()
    assert "not right" in at.error[0].value and keys.ACTOR not in at.session_state
    at.text_input(key="sign_in_user").input("dana")
    at.text_input(key="sign_in_password").input("dana-demo-2026")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and at.title[0].value == "Clients"
    assert len(at.dataframe[0].value) == 9  # Dana's caseload only


def test_sign_out_ends_the_session(app):
    at = app("dana").run()
    at.button(key="sign_out").click().run()
    assert keys.ACTOR not in at.session_state
    assert "Zoë Ñúñez" not in all_text(at)
    assert any(e.action == "sign_out" and e.actor == "dana" for e in audit(app))


def audit(app):
    import os

    from core.config import Settings
    from core.service import Practice

    p = Practice.open(Settings(db_path=os.environ["TS_DB_PATH"]), demo_data=False)
    return p.store.audit_entries()


def idle(at) -> None:
    """The session's last activity moved back past the idle limit, as if the user had left."""
    import os

    from core.config import Settings
    from core.service import Practice

    p = Practice.open(Settings(db_path=os.environ["TS_DB_PATH"]))
    p.store.touch_session(
        at.session_state[keys.ACTOR].session_id, auth.now() - timedelta(minutes=auth.IDLE_MINUTES + 1)
    )
    p.store.close()


def test_idle_session_expires(app):
    at = app().run()
    assert "Zoë Ñúñez" in all_text(at)
    idle(at)
    at.run()
    assert "signed out after 30 minutes without activity" in at.info[0].value
    assert "Zoë Ñúñez" not in all_text(at)


def test_pilot_tester_reads_but_cannot_act(app):
    at = app("pat").run()
    links = [link.label for link in at.sidebar.get("page_link")]
    assert "Quality lab" in links and "User accounts" not in links and "Import FHIR" not in links
    at.query_params["client"] = "C1001"
    at.query_params["tab"] = "Summary"
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert not at.get("menu_button")  # no Add
    assert not [b for b in at.button if b.label in ("Sign & Approve", "Share to client portal", "Delete")]


def test_admin_manages_accounts_but_sees_no_charts(app):
    at = app("alex").run()
    links = [link.label for link in at.sidebar.get("page_link")]
    assert "Clients" not in links and "User accounts" in links
    at.switch_page("pages/users.py").run()
    assert set(at.dataframe[0].value["User"]) == {"alex", "dana", "pat", "ruth"}
    at.switch_page("pages/clients.py").run()
    assert "Zoë Ñúñez" not in all_text(at) and "does not allow you to view" in at.error[0].value
