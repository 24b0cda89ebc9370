"""What a person does in the browser, as steps the journeys share: sign in, find a client, type."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

EDITOR_LABEL = "Draft text (Markdown); edits save automatically as you type"
PASSWORDS = {"dana": "dana-demo-2026", "ruth": "ruth-demo-2026"}


def wait_idle(page: Page) -> None:
    """Streamlit shows a running indicator while a rerun is in flight, marks the app's script state, and
    keeps the previous run's elements (marked stale) on screen until the new run replaces them."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
    expect(page.locator("[data-testid=stApp][data-test-script-state=running]")).to_have_count(0, timeout=30_000)
    expect(page.locator("[data-stale=true]")).to_have_count(0, timeout=30_000)


def shot(page: Page, artifacts, name: str) -> None:
    """The whole screen: Streamlit scrolls inside its main section, so the window grows to fit it first."""
    (artifacts / "e2e").mkdir(exist_ok=True)
    size = page.viewport_size
    tall = page.evaluate("(document.querySelector('[data-testid=stMain]') || document.body).scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 5000))})
    page.wait_for_timeout(200)
    page.screenshot(path=artifacts / "e2e" / f"{name}.png")
    page.set_viewport_size(size)


def sign_in(page: Page, user: str) -> None:
    """A reload starts a new session: the app asks again, then returns to the address asked for."""
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[user])
    page.get_by_role("button", name="Sign in").click()


def open_from_clients(page: Page, search: str, heading: str) -> None:
    """On the Clients list: search, then select the one matching row by its row marker, as a person clicks."""
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.get_by_placeholder("e.g. Ñúñez or C1001").fill(search)
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^1 client\."))).to_be_visible()
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 52)  # the grid is drawn on a canvas: the first row's marker
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def summary_tab(page: Page) -> None:
    page.get_by_role("tab", name="Summary").click()
    expect(page.get_by_role("heading", name="Treatment summaries")).to_be_visible()


def generate(page: Page, purpose: str | None = None) -> None:
    page.get_by_role("button", name="Add").click()
    page.get_by_text("Treatment Summary", exact=True).click()
    expect(page.get_by_text("New treatment summary")).to_be_visible()
    if purpose:
        page.get_by_text(purpose, exact=True).click()
        wait_idle(page)
    page.get_by_role("button", name="Generate").click()
    expect(editor(page)).to_have_value(re.compile(r"^## Identifying context"))


def editor(page: Page):
    return page.get_by_label(EDITOR_LABEL)


def status(page: Page):
    return page.locator(".ts-editor-status")


def type_at_end(page: Page, text: str) -> None:
    """Type as a person does, with the cursor at the end of the draft, and stay in the field."""
    editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def sign_draft(page: Page, user: str) -> None:
    """Sign & Approve, attest, confirm with the password, complete: the summary is signed on screen."""
    page.get_by_role("button", name="Sign & Approve").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("I attest to the statement above").click()
    dialog.get_by_label("Your password, to confirm it is you signing").fill(PASSWORDS[user])
    dialog.get_by_label("Your password, to confirm it is you signing").press("Enter")
    dialog.get_by_role("button", name="Sign and Complete").click()
    expect(page.get_by_role("button", name="Share to client portal")).to_be_visible()
