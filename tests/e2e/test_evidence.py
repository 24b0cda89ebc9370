"""Checking a draft against its sources in a real browser, from the Clients list: open the paragraph's
cited note and see the passage it quotes highlighted; search the sources beside the editor."""

import re

import pytest
from playwright.sync_api import expect

from .journey import generate, open_from_clients, shot, sign_in, summary_tab, wait_idle

pytestmark = pytest.mark.e2e


def test_a_clinician_opens_a_citation_and_sees_the_cited_passage(server, page, artifacts):
    page.goto(server.url)
    sign_in(page, "dana")
    open_from_clients(page, "Ñúñez", "Zoë Ñúñez")
    summary_tab(page)
    if page.get_by_role("button", name="Sign & Approve").count() == 0:
        generate(page)
    page.get_by_role("tab", name="Evidence by paragraph").click()
    page.get_by_role("combobox", name="Paragraph").click()
    page.keyboard.type("At the most recent session")
    page.keyboard.press("Enter")
    wait_idle(page)
    pane = page.get_by_role("tabpanel", name="Evidence by paragraph")
    # the first paragraph's cited items stay on screen for a moment after the pick: wait for the chosen one's
    expect(pane.get_by_text(re.compile(r"^At the most recent session \(")).first).to_be_visible()
    expect(pane.get_by_text("Cited chart items", exact=True)).to_have_count(1)
    quoted = pane.get_by_text(re.compile(r"^At the most recent session \(\d{4}-\d\d-\d\d\): ")).first.inner_text()
    day, said = re.match(r"At the most recent session \((\S+)\): (.+)", quoted).groups()
    pane.get_by_role("radio", name=f"Progress note {day}", exact=True).click()
    wait_idle(page)
    mark = pane.locator(".stMarkdownColoredBackground").first
    expect(mark).to_be_visible()
    assert mark.inner_text().strip() in said  # the note's own words, the ones the paragraph carries
    expect(pane.get_by_text(re.compile(rf"^Progress note {day} · "))).to_be_visible()
    mark.scroll_into_view_if_needed()
    shot(page, artifacts, "20-evidence-cited-passage")

    page.get_by_role("tab", name="Sources").click()
    sources = page.get_by_role("tabpanel", name="Sources")
    sources.get_by_placeholder("e.g. sleep, PHQ-9, 2026-03").fill("safety plan")
    sources.get_by_placeholder("e.g. sleep, PHQ-9, 2026-03").press("Enter")
    wait_idle(page)
    expect(sources.get_by_text(re.compile(r"^\d+ of \d+ sources · \d+ cited by the draft$"))).to_be_visible()
    found, total = map(
        int, re.match(r"(\d+) of (\d+)", sources.get_by_text(re.compile(r"^\d+ of \d+ sources")).inner_text()).groups()
    )
    assert 0 < found < total
    sources.locator("[data-testid=stExpander]").first.click()
    expect(sources.locator(".stMarkdownColoredBackground").first).to_contain_text(re.compile("safety plan", re.I))
    shot(page, artifacts, "21-sources-search")
