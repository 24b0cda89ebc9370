"""The Clients list in a real browser: search without accents, read what waits on each chart (the open
draft, the last signed summary, unsigned notes), and one click on a row opens that client's Summary tab."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from core import summaries
from core.clock import local_time
from core.models import Actor
from core.service import Practice
from tests.pages.test_clients_page import COLUMNS

from .conftest import Server, new_page
from .journey import EDITOR_LABEL, shot, sign_in, wait_idle

pytestmark = pytest.mark.e2e
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
CLIENT = "C1001"  # Zoë Ñúñez, on Dana's caseload


@pytest.fixture(scope="module")
def waiting(tmp_path_factory):
    """A server whose demo charts hold Dana's open draft on Zoë Ñúñez; yields it and how the list shows it."""
    shown: dict[str, str] = {}

    def prepare(p: Practice) -> None:
        today = p.today()
        draft = summaries.generate(p, DANA, CLIENT, today - timedelta(days=182), today, "Case consultation").draft
        shown["draft"] = f"{local_time(draft.created_at, p.settings.timezone):%Y-%m-%d %H:%M} · Dana Whitfield"
        shown["text"] = draft.text

    server = Server(tmp_path_factory.mktemp("clients-list"), prepare)
    yield server, shown
    server.stop()


def first_row(page: Page) -> dict[str, str]:
    """The grid draws on a canvas and keeps its cells in an accessible table inside it: the first row's
    cells by column heading."""
    grid = page.get_by_test_id("stDataFrame")
    expect(grid.locator("th[role=columnheader]")).to_have_text(COLUMNS)
    cells = grid.locator("tr[aria-rowindex='2'] td[role=gridcell]")
    expect(cells).to_have_count(len(COLUMNS))
    return dict(zip(COLUMNS, cells.all_text_contents()))


@pytest.fixture
def wide(browser):
    """A wide window: the grid draws only the columns in view, and here all of them are."""
    pg = new_page(browser, width=1920, height=1000)
    yield pg
    pg.context.close()


def test_search_see_the_draft_and_click_a_row_to_its_summary_tab(waiting, wide, artifacts):
    server, shown = waiting
    page = wide
    page.goto(server.url)
    sign_in(page, "dana")
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.get_by_placeholder("e.g. Ñúñez or C1001").fill("nunez")  # no accents typed
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^1 client\. Select a row to open the client's Summary tab"))).to_be_visible()
    wait_idle(page)
    row = first_row(page)
    assert row["Client"] == "Zoë Ñúñez" and row["ID"] == CLIENT, row
    assert row["Draft in progress"] == row["Draft last changed"] == shown["draft"], row
    assert row["Last signed"] == "" and row["Unsigned notes"] == "0", row
    shot(page, artifacts, "clients-list-search")

    box = page.get_by_test_id("stDataFrame").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 120, box["y"] + 52)  # a cell of the first row (not its row marker)
    expect(page.get_by_role("heading", name="Zoë Ñúñez")).to_be_visible()
    expect(page.get_by_role("tab", name="Summary")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label(EDITOR_LABEL)).to_have_value(shown["text"])  # the draft in progress, open
    assert "tab=Summary" in page.url
    page.get_by_role("tab", name="Chart").click()  # the chart is a tab away
    expect(page.get_by_role("heading", name="Score trends")).to_be_visible()
