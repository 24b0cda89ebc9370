"""What an Update changed, in a real browser from the Clients list: reject one change, accept another,
and the saved draft is exactly the text those choices give."""

import re

import pytest
from playwright.sync_api import expect

from core import changes, summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice

from .journey import editor, generate, open_from_clients, shot, sign_in, summary_tab, wait_idle

pytestmark = pytest.mark.e2e
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")


def test_accept_one_change_of_an_update_and_reject_another(own_server, page, artifacts):
    page.goto(own_server.url)
    sign_in(page, "dana")
    open_from_clients(page, "Ñúñez", "Zoë Ñúñez")
    summary_tab(page)
    generate(page)
    page.get_by_text("Shorter", exact=True).click()
    expect(page.get_by_label("Instruction for Update")).to_have_value("shorter")
    page.get_by_role("button", name="Update").click()
    review = page.get_by_test_id("stExpander").filter(has_text="What the Update changed")
    expect(review).to_be_visible()
    expect(review.get_by_text(re.compile(r"^Change 1 of \d+"))).to_be_visible()
    review.get_by_text("Reject", exact=True).first.click()  # change 1 undone
    review.get_by_text("Accept", exact=True).nth(1).click()  # change 2 kept as the Update made it (and the rest)
    wait_idle(page)
    shot(page, artifacts, "22-update-changes")
    review.get_by_role("button", name="Apply my choices").click()
    expect(review).to_have_count(0)
    wait_idle(page)
    on_screen = editor(page).input_value()
    own_server.stop()
    p = Practice.open(Settings(db_path=own_server.db), demo_data=False)
    draft = summaries.active_draft(p, DANA, "C1001")
    kinds = [v.kind for v in draft.versions]
    assert kinds == ["generated", "refined", "edited"]
    generated, updated = draft.versions[0].text, draft.versions[1].text
    comparison = changes.compare(generated, updated)
    assert len(comparison.changes) >= 2
    assert draft.text == changes.resolve(comparison, {0: False}) == on_screen
    p.store.close()
