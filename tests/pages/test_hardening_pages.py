"""What the screens do about the security review's findings: a broken audit chain and a tampered
summary are said, actions past a role are not offered, a session core ended goes to the sign-in
screen, and a database that cannot be opened is explained."""

import json
from datetime import timedelta

from streamlit.testing.v1 import AppTest

from core import auth, summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice
from tests.pages.conftest import ROOT
from ui import keys

ADMIN = Actor("cli:test", "test", ("supervisor", "admin"), auth="cli")


def signed(app_db, client_id="C1001", clinician_id="K01"):
    p = Practice.open(Settings(db_path=app_db))
    today = p.today()
    draft = summaries.generate(p, ADMIN, client_id, today - timedelta(days=182), today, "Case consultation").draft
    s = summaries.sign(p, auth.acting_clinician(p, ADMIN, clinician_id), draft.id)
    return p, s


def texts(at) -> str:
    return " ".join(e.value for kind in ("error", "success", "warning", "info") for e in getattr(at, kind))


def test_the_audit_log_says_whether_its_chain_verifies(app, app_db):
    at = app().switch_page("pages/audit.py").run()
    assert "The audit log verifies" in at.success[0].value
    p = Practice.open(Settings(db_path=app_db))
    first = min(e.id for e in p.store.audit_entries(limit=100_000))
    p.store._con.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?", [first])
    p.store.close()
    at = app().switch_page("pages/audit.py").run()
    assert not at.exception
    assert f"does not verify from entry {first} on" in at.error[0].value


def test_the_quality_lab_does_not_rate_a_tampered_summary(app, app_db):
    p, s = signed(app_db)
    p.store._con.execute("UPDATE summaries SET text = text || ' (edited by SQL)' WHERE id = ?", [s.id])
    client = next(r for r in p.store.client_rows() if r.id == "C1001")
    p.store.close()
    at = app().switch_page("pages/quality_lab.py").run()
    at.selectbox(key="lab_client").set_value(client).run()
    [option] = [o for o in at.selectbox(key="lab_target").options if s.id in o]
    assert "FAILS ITS INTEGRITY CHECK" in option
    at.selectbox(key="lab_target").set_value(("summary", s.id, None, option)).run()
    assert not at.exception
    assert "fails its integrity check" in at.error[0].value and not at.get("form_submit_button")


def test_a_clinician_who_also_tests_is_not_offered_actions_on_another_caseload(app, app_db):
    p = Practice.open(Settings(db_path=app_db))
    other = next(r for r in p.store.client_rows() if r.clinician_id not in ("K01", None))
    p.store.close()
    _, s = signed(app_db, other.id, other.clinician_id)
    p = Practice.open(Settings(db_path=app_db))
    auth.add_user(p, ADMIN, "dual", "Dual Role", ("clinician", "pilot_tester"), "dual-role-2026", "K01")
    actor = auth.sign_in(p, "dual", "dual-role-2026")
    p.store.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state[keys.ACTOR], at.session_state[keys.SIGNED_IN_AT] = actor, auth.now()
    at.query_params["client"], at.query_params["tab"] = other.id, "Summary"
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert s.id in " ".join(m.value for m in at.markdown) or at.caption  # the summary is there to read
    actions = {"Delete", "Share to client portal", "Export client data", "Download PDF"}
    assert not offered(at) & actions
    assert not at.get("menu_button")  # no Add
    at.query_params["client"] = own_client(app_db)
    at.run()
    assert offered(at) >= actions and at.get("menu_button")  # on their own caseload, all of it


def own_client(app_db) -> str:
    p = Practice.open(Settings(db_path=app_db))
    client_id = next(r.id for r in p.store.client_rows() if r.clinician_id == "K01")
    today = p.today()
    draft = summaries.generate(p, ADMIN, client_id, today - timedelta(days=365), today, "").draft
    summaries.sign(p, auth.acting_clinician(p, ADMIN, "K01"), draft.id)
    p.store.close()
    return client_id


def offered(at) -> set[str]:
    """The labels of the buttons on screen, the download buttons (a component of their own) included."""
    labels = {b.label for b in at.button}

    def walk(node):
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if getattr(proto, "component_name", None) == "treatment_summaries.download":
                labels.add(json.loads(proto.json)["label"])
            walk(child)

    walk(at._tree)
    return labels


def test_a_session_core_ended_goes_to_the_sign_in_screen_with_the_reason(app, app_db):
    at = app("dana")
    at.query_params["client"] = "C1001"
    at.switch_page("pages/client.py").run()
    assert "Zoë Ñúñez" in " ".join(t.value for t in at.title)
    p = Practice.open(Settings(db_path=app_db))
    auth.set_disabled(p, ADMIN, "dana")
    p.store.close()
    at.run()
    assert not at.exception
    assert "account disabled" in texts(at)
    assert keys.ACTOR not in at.session_state and at.text_input(key="sign_in_user")


def test_a_database_that_is_not_there_is_explained_on_every_screen(tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("TS_DB_PATH", str(tmp_path / "typo.duckbd"))
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    for page in ("pages/clients.py", "pages/portal.py"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        at.switch_page(page).run()
        assert not at.exception
        assert "There is no database file named" in at.error[0].value and str(tmp_path) not in at.error[0].value
    assert not (tmp_path / "typo.duckbd").exists()
    st.cache_resource.clear()
