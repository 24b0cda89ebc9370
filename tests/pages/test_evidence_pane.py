"""The evidence beside the editor in AppTest: pick a paragraph, open a cited item, see the cited passage
highlighted in the note; a wrong sentence typed into the draft shows its finding on its paragraph; the
sources are searched by words."""

from core import summaries
from core.config import Settings
from core.service import Practice
from tests.pages.test_workspace import RUTH, add_and_generate, draft_id, open_summary_tab
from ui import keys


def open_tab(at, d: str, tab: str):
    """A click on a tab beside the draft: only the open one is worked out, so the click reruns."""
    at.session_state[keys.draft_tabs(d)] = tab
    return at.run()


def evidence_widgets(at, d):
    return at.selectbox(key=f"evidence_paragraph:{d}")


def quoting(at, pick_key: str, chip_key: str, label: str):
    """(the app, the paragraph, its source chips) of the Current status paragraph that quotes the latest
    session's report."""
    for option in at.selectbox(key=pick_key).options:
        if " · Current status · " not in option:
            continue
        value = int(option.split(" ")[0].lstrip("¶")) - 1  # "¶27 · Current status · …" is paragraph 26
        at = at.selectbox(key=pick_key).set_value(value).run()
        try:
            chip = at.button_group(key=f"{chip_key}:{value}")
        except KeyError:  # a paragraph that cites nothing
            continue
        if label in chip.options:
            return at, value, chip
    raise AssertionError(f"no paragraph cites {label}")


def test_a_cited_note_opens_with_the_passage_highlighted(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    assert not [w for w in at.selectbox if w.key == f"evidence_paragraph:{d}"]  # the Checks tab is open
    at = open_tab(at, d, "Evidence by paragraph")
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    draft = summaries.active_draft(p, RUTH, "C1001")
    latest = summaries.draft_selection(p, RUTH, draft).progress_notes[-1]
    label = f"Progress note {latest.note_date.isoformat()}"
    at, value, chip = quoting(at, f"evidence_paragraph:{d}", f"evidence_chip:{d}", label)
    at = chip.set_value(label).run()
    assert not at.exception
    marked = [m.value for m in at.markdown if ":orange-background[" in m.value]
    assert marked, "the note is shown with its cited passage highlighted"
    passage = marked[0].split(":orange-background[", 1)[1].split("]", 1)[0]
    assert passage in latest.text and len(passage.split()) >= 4


def test_a_wrong_sentence_shows_its_finding_on_its_paragraph(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    draft = summaries.active_draft(p, RUTH, "C1001")
    wrong = "No suicidal ideation was ever reported."
    summaries.save(p, RUTH, d, draft.text + "\n\n" + wrong + "\n", base_revision=draft.revision)
    p.store.close()
    at = open_tab(open_summary_tab(app), d, "Evidence by paragraph")
    pick = evidence_widgets(at, d)
    flagged = [label for label in pick.options if label.endswith("⚠")]
    assert len(flagged) == 1 and wrong[:30] in flagged[0]
    value = int(flagged[0].split(" ")[0].lstrip("¶")) - 1
    at = pick.set_value(value).run()
    assert any("risk" in e.value.lower() for e in at.error), [e.value for e in at.error]


def test_the_sources_are_searched_by_words(app, app_db):
    at = add_and_generate(open_summary_tab(app))
    d = draft_id(app_db)
    at = open_tab(at, d, "Sources")
    at = at.text_input(key=f"sources_query:{d}").input("safety plan").run()
    assert not at.exception
    caption = next(c.value for c in at.caption if " of " in c.value and "sources" in c.value)
    found, total = (int(x) for x in caption.split(" sources")[0].split(" of "))
    assert 0 < found < total
    titles = [e.label for e in at.expander]
    assert any("Progress note" in t for t in titles)


def test_the_rater_has_the_same_evidence_beside_the_rating_form(app, app_db):
    from datetime import timedelta

    from tests.pages.test_quality_lab import DANA, lab

    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    today = p.today()
    d = summaries.generate(p, DANA, "C1001", today - timedelta(days=120), today).draft
    at = lab(app)
    at.selectbox(key="lab_client").set_value(next(r for r in p.store.client_rows() if r.id == "C1001")).run()
    latest = summaries.draft_selection(p, RUTH, summaries.active_draft(p, RUTH, "C1001")).progress_notes[-1]
    label = f"Progress note {latest.note_date.isoformat()}"
    at, value, chip = quoting(at, f"evidence_paragraph:lab:{d.id}:1", f"evidence_chip:lab:{d.id}:1", label)
    at = chip.set_value(label).run()
    assert not at.exception
    assert any(":orange-background[" in m.value for m in at.markdown)
    assert at.text_input(key=f"sources_query:lab:{d.id}:1") is not None


def test_the_chart_tab_shows_signed_session_notes_and_never_other_note_text(app, app_db):
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    rows = p.store.client_rows()
    chart = next(
        c
        for c in (p.store.chart(r.id) for r in rows)
        if {"administrative", "cancellation", "clinical"} <= {n.note_type for n in c.notes}
        and any(n.note_type == "progress" and not n.signed for n in c.notes)
    )
    at = app()
    at.query_params["client"] = chart.client.id
    at = at.switch_page("pages/client.py").run()
    assert not at.exception
    assert not any(n.text.splitlines()[0][:40] in m.value for m in at.markdown for n in chart.usable_notes[-1:])
    at = at.toggle(key=f"chart_notes:{chart.client.id}").set_value(True).run()  # shown when asked for
    shown_text = "\n".join(m.value for m in at.markdown)
    latest = chart.usable_notes[-1]
    first_line = next(line for line in latest.text.splitlines() if line.strip())
    assert first_line[:40] in shown_text
    usable = "\n".join(n.text for n in chart.usable_notes)
    hidden = 0
    for n in chart.notes:
        if n not in chart.usable_notes:
            for line in (x for x in n.text.splitlines() if len(x.split()) >= 5 and x not in usable):
                assert line not in shown_text, (n.note_type, n.signed)  # text of its own, never shown
                hidden += 1
    assert hidden
    at = at.text_input(key=f"chart_notes_query:{chart.client.id}").input("zzzz-no-such-word").run()
    assert any(c.value == f"0 of {len(chart.usable_notes)} notes match" for c in at.caption)
