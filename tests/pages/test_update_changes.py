"""What an Update changed, in AppTest: its changes against the version before, one rejected and the
rest accepted, and the saved draft exactly the text those choices give; any two versions compared."""

from core import changes, summaries
from core.config import Settings
from core.service import Practice
from tests.pages.test_workspace import RUTH, add_and_generate, draft_id, open_summary_tab


def stored(app_db):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    try:
        return summaries.active_draft(p, RUTH, "C1001")
    finally:
        p.store.close()


def test_reject_one_change_of_an_update_and_keep_the_rest(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    generated = stored(app_db).text
    at.text_input(key=f"instruction:{d}").input("shorter")
    at = at.button(key=f"update:{d}").click().run()
    assert not at.exception
    updated = stored(app_db)
    assert updated.current_version.kind == "refined"
    comparison = changes.compare(generated, updated.text)
    assert len(comparison.changes) >= 2
    assert any(e.label.startswith("What the Update changed") for e in at.expander)
    v = updated.current_version.number
    at = at.button_group(key=f"update_change:{d}:{v}:0").set_value("Reject").run()
    at = at.button(key=f"apply_changes:{d}:{v}").click().run()
    assert not at.exception
    after = stored(app_db)
    assert after.text == changes.resolve(comparison, {0: False})
    assert after.text != updated.text and after.current_version.kind == "edited"
    assert not any(e.label.startswith("What the Update changed") for e in at.expander)  # decided: gone
    assert [v.kind for v in after.versions] == ["generated", "refined", "edited"]  # the Update's text kept


def test_accepting_every_change_keeps_the_update_and_closes_the_review(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    at.text_input(key=f"instruction:{d}").input("focus on risk")
    at = at.button(key=f"update:{d}").click().run()
    updated = stored(app_db)
    at = at.button(key=f"apply_changes:{d}:{updated.current_version.number}").click().run()
    assert stored(app_db).text == updated.text and len(stored(app_db).versions) == 2
    assert not any(e.label.startswith("What the Update changed") for e in at.expander)


def test_any_two_versions_can_be_compared(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    at.text_input(key=f"instruction:{d}").input("shorter")
    at = at.button(key=f"update:{d}").click().run()
    at = at.selectbox(key=f"compare_a:{d}").set_value(1).run()
    at = at.selectbox(key=f"compare_b:{d}").set_value(2).run()
    assert not at.exception
    heads = [c.value for c in at.caption if c.value.startswith("Change 1 of ")]
    assert heads  # the comparison lists its changes


def test_a_stopped_generation_opens_as_an_incomplete_draft(app, app_db):
    from datetime import timedelta

    from ui import keys

    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    today = p.today()
    p.store.close()
    at = open_summary_tab(app)
    partial = "## Identifying context\n\nThe client is 63 years old.\n\n## Reason for referral and presenting concerns\n\nFrom"
    at.session_state[keys.stop("C1001")] = (today - timedelta(days=180), today, "", [], "offline")
    at.session_state[keys.partial("C1001")] = (partial, 8.0)
    at = at.run()
    assert not at.exception
    draft = stored(app_db)
    assert draft.text.startswith("## Identifying context\n\nThe client is 63 years old.")
    assert "incomplete" in draft.generation.label
    assert any("Stopped. What the engine had written" in i.value for i in at.info)
