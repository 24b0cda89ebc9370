"""Notes from a file in a real browser, from the Clients list: a supervisor opens a client's chart,
follows "Import notes from files", uploads a consult note, finds it among the chart's session notes,
and drafts a summary that takes its diagnosis and plan from the note's own sections."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .journey import EDITOR_LABEL, generate, open_from_clients, shot, sign_in, summary_tab, wait_idle

pytestmark = pytest.mark.e2e


def test_a_supervisor_imports_a_note_from_the_chart_and_drafts_from_it(own_server, page, artifacts, tmp_path):
    day = (date.today() - timedelta(days=3)).isoformat()
    export = tmp_path / "consult.csv"
    export.write_text(
        "date,type,title,text\n"
        f'{day},progress,Psychiatric consult,"IDENTIFYING DATA: , The patient was seen for panic attacks.,'
        "DIAGNOSES:,AXIS I:,1.  Panic disorder without agoraphobia.,PLAN: , Start CBT for panic; "
        'follow up with the psychiatrist in two weeks."\n'
    )
    page.goto(own_server.url)
    sign_in(page, "ruth")
    open_from_clients(page, "Abernethy", "Jamal Abernethy")
    page.get_by_role("tab", name="Chart").click()
    page.get_by_role("link", name="Import notes from files").click()
    expect(page.get_by_role("heading", name="Import notes")).to_be_visible()
    # the chart it came from, chosen
    expect(page.get_by_role("combobox", name="Import into the chart of")).to_have_value("Jamal Abernethy (C1012)")
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(export)
    expect(page.get_by_text("consult.csv")).to_be_visible()
    page.get_by_role("button", name="Import notes").click()
    expect(page.get_by_text("consult.csv: 1 note (1 progress) for client C1012; added 1.")).to_be_visible()
    shot(page, artifacts, "30-import-notes")

    page.get_by_role("link", name="Open the chart").click()
    expect(page.get_by_role("heading", name="Jamal Abernethy")).to_be_visible()
    page.get_by_role("tab", name="Chart").click()
    page.get_by_text(re.compile(r"^Show the signed session notes")).click()
    wait_idle(page)
    expect(page.get_by_text("Start CBT for panic", exact=False).first).to_be_visible()

    summary_tab(page)
    generate(page)
    text = page.get_by_label(EDITOR_LABEL).input_value()
    assert "Axis I: Panic disorder without agoraphobia." in text
    assert "- Start CBT for panic; follow up with the psychiatrist in two weeks." in text
    assert "IDENTIFYING DATA" not in text and "PLAN:" not in text
    shot(page, artifacts, "31-draft-from-imported-note")
