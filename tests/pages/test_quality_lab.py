"""The Quality lab page: checks beside a draft, PDQI-9 ratings, engine comparison with CSV, edit burden."""

from datetime import timedelta

from core import ratings, summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice
from tests.pages.test_hardening_pages import offered

DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")


def lab(app):
    at = app()
    return at.switch_page("pages/quality_lab.py").run()


def test_rate_a_draft_version(app, app_db):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    today = p.today()
    d = summaries.generate(p, DANA, "C1001", today - timedelta(days=120), today).draft
    at = lab(app)
    assert not at.exception
    at.selectbox(key="lab_client").set_value(next(r for r in p.store.client_rows() if r.id == "C1001")).run()
    assert [m.label for m in at.metric][:3] == ["Unsupported facts", "Coverage", "Leaks"]
    assert at.metric[0].value == "0" and at.metric[2].value == "0"
    for key, _, _ in ratings.PDQI9:
        at.button_group(key=f"{key}:draft:{d.id}:1").set_value(4)
    at.text_area(key=f"comment:draft:{d.id}:1").input("Clear and accurate.")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert "Rating saved (total 36 of 45)." in at.success[0].value
    [saved] = ratings.ratings(p, RUTH, "draft", d.id)
    assert saved.comment == "Clear and accurate." and saved.rater == "ruth"


def test_incomplete_rating_is_refused_clearly(app, app_db):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    today = p.today()
    d = summaries.generate(p, DANA, "C1001", today - timedelta(days=120), today).draft
    at = lab(app)
    at.selectbox(key="lab_client").set_value(next(r for r in p.store.client_rows() if r.id == "C1001")).run()
    at.button_group(key=f"accurate:draft:{d.id}:1").set_value(5)
    at.get("form_submit_button")[0].click().run()
    assert "Rate every PDQI-9 item before saving" in at.error[0].value
    assert ratings.ratings(p, RUTH, "draft", d.id) == []


def test_compare_engines_and_download(app):
    at = lab(app)
    at.session_state["lab_tab"] = "Compare engines"
    at.run()
    at.multiselect(key="lab_clients").set_value(["C1001", "C1003"]).run()
    at.button(key="run_comparison").click().run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert len(labels) == 4
    assert all(("A: 0 unsupported" in label or "A: insufficient" in label) for label in labels)
    assert offered(at) >= {"Download drafts' checks (CSV)", "Download by engine (CSV)"}  # served once, by ticket
    table = at.dataframe[0].value
    assert list(table["engine"]) == ["offline"] and table.iloc[0]["leaks"] == 0


def test_edit_burden_tab(app, app_db):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    today = p.today()
    d = summaries.generate(p, DANA, "C1001", today - timedelta(days=120), today).draft
    summaries.sign(p, DANA, d.id, text=d.text + "\nOne more line from the clinician.", password="dana-demo-2026")
    at = lab(app)
    at.session_state["lab_tab"] = "Edit burden"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[0]["retained"] == 1.0 and table.iloc[0]["update_rounds"] == 0


def test_the_lab_shows_each_wrong_claim_with_the_charts_evidence(app, app_db):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    today = p.today()
    d = summaries.generate(p, DANA, "C1001", today - timedelta(days=365), today).draft
    summaries.save(p, DANA, d.id, d.text + "\n\nNo suicidal ideation was ever reported.", base_revision=d.revision)
    at = lab(app)
    at.selectbox(key="lab_client").set_value(next(r for r in p.store.client_rows() if r.id == "C1001")).run()
    at.selectbox(key="lab_target").set_value(("draft", d.id, 2, "Draft version 2 (edited)")).run()
    assert not at.exception
    wrong = next(m for m in at.metric if m.label == "Wrong claims")
    assert wrong.value == "1"
    [error] = [e.value for e in at.error if "ever reported" in e.value]
    assert "Chart:" in error and "suicidal ideation" in error.split("Chart:")[1]
