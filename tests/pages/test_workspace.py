"""The Summary tab end to end in AppTest: Add, Generate, edit, Update, undo, sign, share, portal, delete."""

import json
from datetime import timedelta

import pytest

from core import summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice

RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")

CLIENT = "C1001"


def open_summary_tab(app, client=CLIENT):
    at = app()
    at.query_params["client"] = client
    at.query_params["tab"] = "Summary"
    return at.switch_page("pages/client.py").run()


def draft_id(app_db, client=CLIENT):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    draft = summaries.active_draft(p, RUTH, client)
    return draft.id if draft else None


def add_and_generate(at, client=CLIENT):
    at.get("menu_button")[0].click("Treatment Summary").run()
    assert not at.exception
    at.button(key=f"generate:{client}").click().run()
    assert not at.exception
    return at


def editor(at, d):
    """What the draft editor component was given to show: its text, status and revision."""
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if getattr(proto, "component_name", None) == "treatment_summaries.draft_editor":
                found.append(json.loads(proto.json))
            walk(child)

    walk(at._tree)
    return next(data for data in found if data["key"] == d)


def test_full_flow(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    shown = editor(at, d)
    assert shown["text"].startswith("## Identifying context") and shown["status"].startswith("Saved ")
    generated = shown["text"]

    at.text_input(key=f"instruction:{d}").input("shorter").run()
    at.button(key=f"update:{d}").click().run()
    assert not at.exception and not at.error
    shorter = editor(at, d)["text"]
    assert len(shorter) < len(generated) and editor(at, d)["doc"] > shown["doc"]
    assert any(c.value.startswith("Version 2 of 2 · updated by Ruth Abernathy") for c in at.caption)

    at.button(key=f"undo:{d}").click().run()
    assert editor(at, d)["text"] == generated
    assert at.button(key=f"redo:{d}").disabled is False
    at.button(key=f"redo:{d}").click().run()
    assert editor(at, d)["text"] == shorter
    at.button(key=f"undo:{d}").click().run()
    versions = at.table[0].value
    assert list(versions["Kind"]) == ["updated", "generated"] and list(versions["State"]) == ["undone", "current"]
    edited = generated

    at.button(key=f"sign:{d}").click().run()
    assert "Sign and Complete" in [b.label for b in at.button]
    assert any("Ruth Abernathy, LCSW, Clinical Supervisor" in m.value for m in at.markdown)
    assert at.button(key=f"complete:{d}").disabled  # the attestation must be ticked first
    at.checkbox(key=f"attest:{d}").check().run()
    at.text_input(key=f"sign_password:{d}").input("not-my-password").run()
    at.button(key=f"complete:{d}").click().run()
    assert "password is not right" in at.error[0].value and draft_id(app_db) == d
    at.text_input(key=f"sign_password:{d}").input("ruth-demo-2026").run()
    at.button(key=f"complete:{d}").click().run()
    assert not at.exception and draft_id(app_db) is None
    signed = [m.value for m in at.markdown if m.value.startswith("**Treatment Summary**")]
    assert len(signed) == 1

    s = summaries.summaries(Practice.open(Settings(db_path=app_db), demo_data=False), RUTH, CLIENT)[0]
    assert s.text == edited and s.signer_name == "Ruth Abernathy"
    at.button(key=f"share:{s.id}").click().run()
    assert at.button(key=f"share:{s.id}").label == "Stop sharing"
    at.button(key=f"token:{CLIENT}").click().run()
    token = at.code[0].value

    portal = app()
    portal.query_params["token"] = token
    portal.switch_page("pages/portal.py").run()
    assert not portal.exception and portal.subheader[0].value == "Hello, Zoë"
    assert any(m.value.startswith("**Treatment Summary**") for m in portal.markdown)

    at.button(key=f"delete:{s.id}").click().run()
    at.button(key=f"confirm_delete:{s.id}").click().run()
    assert any("needs a reason" in e.value for e in at.error)
    at.text_area(key=f"reason:{s.id}").input("Wrong date range").run()
    at.button(key=f"confirm_delete:{s.id}").click().run()
    assert not at.exception
    assert not [m for m in at.markdown if m.value.startswith("**Treatment Summary**")]
    assert "No signed treatment summaries yet." in [c.value for c in at.caption]
    portal.run()
    assert "has not shared any treatment summaries" in portal.info[0].value


def summaries_text(app_db, client=CLIENT):
    return summaries.active_draft(Practice.open(Settings(db_path=app_db), demo_data=False), RUTH, client).text


def test_insufficient_range_is_explained_and_generate_disabled(app):
    at = open_summary_tab(app, "C1002")  # Theo Marchetti: too little documentation
    at.get("menu_button")[0].click("Treatment Summary").run()
    at.button_group(key="range:C1002").set_value("Last 3 months").run()
    assert not at.exception
    assert "Not enough information for a treatment summary" in at.warning[0].value
    assert "expand the date range" in at.warning[0].value
    assert at.button(key="generate:C1002").disabled


def test_inverted_custom_range_is_a_clear_error(app):
    at = open_summary_tab(app)
    at.get("menu_button")[0].click("Treatment Summary").run()
    at.button_group(key=f"range:{CLIENT}").set_value("Custom").run()
    today = at.date_input(key=f"to:{CLIENT}").value
    at.date_input(key=f"from:{CLIENT}").set_value(today).run()
    at.date_input(key=f"to:{CLIENT}").set_value(today - timedelta(days=10)).run()
    assert not at.exception
    assert "after it ends" in at.error[0].value
    assert not [b for b in at.button if b.label == "Generate"]


def test_one_draft_rule_across_two_sessions(app, app_db):
    first = open_summary_tab(app)
    second = open_summary_tab(app)
    first.get("menu_button")[0].click("Treatment Summary").run()
    second.get("menu_button")[0].click("Treatment Summary").run()
    first.button(key=f"generate:{CLIENT}").click().run()
    d = draft_id(app_db)
    second.button(key=f"generate:{CLIENT}").click().run()
    assert not second.exception
    assert "started in another window or session meanwhile" in second.info[0].value
    assert editor(second, d)["text"] == editor(first, d)["text"]
    assert draft_id(app_db) == d


def test_a_new_session_restores_the_autosaved_text(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    text = editor(at, d)["text"] + "\nAdded before closing the browser."
    summaries.save(p, RUTH, d, text, base_revision=p.store.draft(d).revision)
    p.store.close()
    again = open_summary_tab(app)
    assert editor(again, d)["text"] == text and editor(again, d)["status"].startswith("Saved ")


def test_a_window_behind_another_is_told_and_loads_the_latest(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    dana = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
    latest = p.store.draft(d)
    summaries.save(p, dana, d, latest.text + "\nDana's edit.", base_revision=latest.revision)
    p.store.close()
    at.run()
    assert "Dana Whitfield changed this draft at" in at.info[0].value
    at.text_input(key=f"instruction:{d}").input("shorter").run()
    at.button(key=f"update:{d}").click().run()  # Update from the window that is behind: refused, nothing lost
    assert "Dana Whitfield changed this draft" in at.error[0].value
    assert summaries_text(app_db).endswith("Dana's edit.")
    at.button(key=f"load_latest:{d}").click().run()
    assert editor(at, d)["text"].endswith("Dana's edit.") and not at.info


def test_add_while_a_draft_exists_opens_it(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    at.get("menu_button")[0].click("Treatment Summary").run()
    assert "already has a draft in progress" in at.info[0].value
    assert editor(at, draft_id(app_db))["text"].startswith("## Identifying context")


def test_discard_asks_first(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    at.button(key=f"discard:{d}").click().run()
    at.button(key=f"keep:{d}").click().run()
    assert draft_id(app_db) == d
    at.button(key=f"discard:{d}").click().run()
    at.button(key=f"confirm_discard:{d}").click().run()
    assert draft_id(app_db) is None and not at.exception


@pytest.mark.parametrize("page", ["pages/clients.py", "pages/client.py", "pages/audit.py", "pages/portal.py"])
def test_every_page_renders(app, page):
    at = app()
    at.query_params["client"] = CLIENT
    at.switch_page(page).run()
    assert not at.exception


def test_audit_page_lists_actions(app):
    add_and_generate(open_summary_tab(app))
    audit = app()
    audit.switch_page("pages/audit.py").run()
    table = audit.dataframe[0].value
    assert list(table["Action"][:2]) == ["sign_in", "generate"]  # newest first: signing in to read the log
    assert table.iloc[1]["Who"] == "ruth"


def test_bad_portal_code(app):
    at = app()
    at.query_params["token"] = "nope"
    at.switch_page("pages/portal.py").run()
    assert "not valid or has been revoked" in at.error[0].value


def test_with_an_ai_key_the_offline_engine_stays_available_and_serves_clients_without_consent(app, app_db, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key-not-used")
    at = open_summary_tab(app)
    at.get("menu_button")[0].click("Treatment Summary").run()
    assert [o for o in at.radio(key=f"engine:{CLIENT}").options][1].startswith("Rule-based draft")
    soren = "C1008"  # Søren Østergaard: no consent to AI-assisted documentation
    at = open_summary_tab(app, soren)
    at.get("menu_button")[0].click("Treatment Summary").run()
    assert "has not consented to AI-assisted documentation" in at.info[0].value
    at.button_group(key=f"range:{soren}").set_value("Whole treatment").run()
    at.button(key=f"generate:{soren}").click().run()
    assert not at.exception and not at.error
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    assert summaries.active_draft(p, RUTH, soren).generation.engine == "offline"


def test_a_future_range_says_it_is_in_the_future(app):
    at = open_summary_tab(app)
    at.get("menu_button")[0].click("Treatment Summary").run()
    at.button_group(key=f"range:{CLIENT}").set_value("Custom").run()
    today = at.date_input(key=f"to:{CLIENT}").value
    at.date_input(key=f"from:{CLIENT}").set_value(today + timedelta(days=3)).run()
    at.date_input(key=f"to:{CLIENT}").set_value(today + timedelta(days=30)).run()
    assert not at.exception
    assert "starts in the future" in at.error[0].value and "after it ends" not in at.error[0].value


def test_an_over_long_purpose_is_kept_and_the_limit_named(app):
    at = open_summary_tab(app)
    at.get("menu_button")[0].click("Treatment Summary").run()
    pasted = "Transfer of care. " * 280  # about 5,000 characters
    at.text_input(key=f"purpose:{CLIENT}").input(pasted).run()
    assert at.text_input(key=f"purpose:{CLIENT}").value == pasted
    assert "keep it under 500" in at.error[0].value
