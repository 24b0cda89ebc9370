"""The Quality lab page: checks beside a draft, PDQI-9 ratings, engine comparison with CSV, edit burden."""

from datetime import timedelta

from core import evaluation, ratings, study, summaries
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
    at.text_area(key=f"comment:draft:{d.id}:1").input("Accurate, but the risk section is thin.")
    at.get("form_submit_button")[0].click().run()
    assert "Rate every PDQI-9 item before saving" in at.error[0].value
    assert ratings.ratings(p, RUTH, "draft", d.id) == []
    # nothing entered is lost: the score and the comment are still there to complete
    assert at.button_group(key=f"accurate:draft:{d.id}:1").value == 5
    assert at.text_area(key=f"comment:draft:{d.id}:1").value == "Accurate, but the risk section is thin."
    for key, _, _ in ratings.PDQI9:
        if key != "accurate":
            at.button_group(key=f"{key}:draft:{d.id}:1").set_value(3)
    at.get("form_submit_button")[0].click().run()
    [saved] = ratings.ratings(p, RUTH, "draft", d.id)
    assert saved.scores["accurate"] == 5 and saved.comment == "Accurate, but the risk section is thin."
    assert at.button_group(key=f"accurate:draft:{d.id}:1:1").value is None  # a fresh form for the next rating


def test_a_blinded_comparison_hides_the_runs_until_the_rating_is_saved(app, app_db):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    first = evaluation.evaluate(p, RUTH, "offline", ["C1001"], label="Offline baseline")
    second = evaluation.evaluate(p, RUTH, "offline", ["C1001"], label="Offline again")
    runs = {r.id: r for r in evaluation.runs(p, RUTH)}
    p.store.close()
    at = lab(app)
    at.session_state["lab_tab"] = "Blinded comparison"
    at.run()
    assert not at.exception
    on_screen = " ".join(  # the page, not the sidebar (which names the practice's configured engine)
        str(e.value) if hasattr(e, "value") else ""
        for kind in ("markdown", "caption", "subheader", "text", "success", "info")
        for e in at.main.get(kind)
    ) + " ".join(str(o) for box in at.main.selectbox for o in box.options)
    for hidden in (
        "offline",
        "Offline baseline",
        "Offline again",
        "rules-v1",
        runs[first].prompt_version,
        first,
        second,
    ):
        assert hidden not in on_screen  # no engine, model, prompt, run label or id before the rating
    assert [s.value for s in at.subheader][-2:] == ["Draft 1", "Draft 2"]
    key = next(b.key for b in at.button if b.key and b.key.startswith("blind_save:")).split(":", 1)[1]
    for draft in ("Draft 1", "Draft 2"):
        for item, _, _ in ratings.PDQI9:
            at.button_group(key=f"{item}:blind:{key}:{draft}").set_value(4 if draft == "Draft 1" else 3)
    at.button(key=f"blind_save:{key}").click().run()
    assert "Give a reason" in at.error[0].value or "which draft" in at.error[0].value
    assert at.button_group(key=f"accurate:blind:{key}:Draft 1").value == 4  # kept after the refusal
    at.radio(key=f"blind_pref:{key}").set_value("first")
    at.text_area(key=f"blind_reason:{key}").input("Draft 1 carries the relapse.")
    at.button(key=f"blind_save:{key}").click().run()
    assert not at.exception and not at.error
    revealed = at.success[0].value
    assert revealed.startswith("Saved. Draft 1 was Offline") and "prompt offline-2" in revealed  # now it is said
    assert "Pair 2 of 2" in at.get("progress")[0].proto.text
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    assert study.results(p, RUTH, first, second).pairs == 1 and len(ratings.ratings(p, RUTH, "eval")) == 2


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
    assert offered(at) >= {"Download drafts' checks (CSV)", "Download by run (CSV)", "Download the study (ZIP)"}
    table = at.dataframe[0].value
    assert list(table["engine"]) == ["offline", "offline"] and table.iloc[0]["leaks"] == 0  # a row per run
    assert table["run_id"].nunique() == 2
    at.selectbox(key="compare_finding").set_value("a wrong claim").run()
    assert not at.expander and any("0 of 4 pairs" in c.value for c in at.main.caption)  # offline drafts: none
    at.selectbox(key="compare_finding").set_value("anything or nothing").run()
    at.multiselect(key="compare_clients").set_value(["C1003"]).run()
    assert len(at.expander) == 2 and all(e.label.startswith("C1003") for e in at.expander)


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
    sections = at.dataframe[2].value  # by section: the one line added lands in the last section
    assert set(sections["section"]) >= {"Identifying context", "Recommendations and next steps"}
    assert sections.loc[sections["section"] == "Recommendations and next steps", "rewritten"].iloc[0] == 1
    assert sections.loc[sections["section"] == "Diagnoses", "mean_retained"].iloc[0] == 1.0
    assert "Download edits by section (CSV)" in offered(at)


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
