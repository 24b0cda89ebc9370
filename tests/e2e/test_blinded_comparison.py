"""A blinded comparison in a real browser: a supervisor opens the Quality lab from the sidebar, rates
two drafts shown as Draft 1 and Draft 2 with nothing naming their engines, and only the saved rating
says which run wrote which."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core import evaluation
from core.models import Actor

from .conftest import Server
from .journey import shot, sign_in, wait_idle

pytestmark = pytest.mark.e2e
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06")


@pytest.fixture
def two_runs(tmp_path):
    def prepare(p):
        evaluation.evaluate(p, RUTH, "offline", ["C1001"], label="Offline baseline")
        evaluation.evaluate(p, RUTH, "offline", ["C1001"], label="Offline again")

    s = Server(tmp_path, prepare)
    yield s
    s.stop()


def test_a_rater_sees_no_engine_until_the_blinded_rating_is_saved(two_runs, page, artifacts):
    page.goto(two_runs.url)
    sign_in(page, "ruth")
    page.get_by_role("link", name="Quality lab").click()
    page.get_by_role("tab", name="Blinded comparison").click()
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_role("heading", name="Draft 1")).to_be_visible()
    expect(main.get_by_text("Pair 1 of 2")).to_be_visible()
    text = main.inner_text()
    for hidden in ("offline", "Offline baseline", "rules-v1", "offline-2"):
        assert hidden not in text
    shot(page, artifacts, "40-blinded-comparison")
    fours = main.get_by_role("radio", name="4", exact=True)
    expect(fours).to_have_count(18)  # nine PDQI-9 items for each draft
    for n in range(18):
        fours.nth(n).click()
        wait_idle(page)
    main.get_by_role("radiogroup", name="Which draft would you rather sign?").get_by_text("Draft 2").click()
    main.get_by_label("Why").fill("Both are complete; Draft 2 reads more clearly.")
    main.get_by_role("button", name="Save blinded rating").click()
    expect(
        main.get_by_text(re.compile(r"^Saved\. Draft 1 was Offline (baseline|again) \(model rules-v1"))
    ).to_be_visible()
    expect(main.get_by_text("Pair 2 of 2")).to_be_visible()
