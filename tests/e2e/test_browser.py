"""The whole flow in a real browser: pick a client, generate, edit, refine, sign, share, portal, delete."""

import re
import zipfile

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def wait_idle(page):
    """Streamlit shows a running indicator while a rerun is in flight."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


def shot(page, artifacts, name):
    (artifacts / "e2e").mkdir(exist_ok=True)
    page.screenshot(path=artifacts / "e2e" / f"{name}.png", full_page=True)


def sign_in(page, user="ruth", password="ruth-demo-2026"):
    """A reload starts a new session: the app asks again, then returns to the address asked for."""
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_clinician_flow_end_to_end(server, page, artifacts):
    url = server["url"]
    # The first request after the server starts is a deep link: still the sign-in form, no chart.
    page.goto(f"{url}/client?client=C1001")
    expect(page.get_by_role("heading", name="Treatment Summaries")).to_be_visible()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_text("Zoë Ñúñez")).to_have_count(0)
    shot(page, artifacts, "00-sign-in")
    sign_in(page)
    expect(page.get_by_role("heading", name="Zoë Ñúñez")).to_be_visible()  # back to where the link pointed
    page.goto(url)
    sign_in(page)
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.get_by_placeholder("e.g. Ñúñez or C1001").fill("Ñúñez")
    page.keyboard.press("Enter")
    wait_idle(page)
    shot(page, artifacts, "01-clients")

    page.goto(f"{url}/client?client=C1001&tab=Summary")
    sign_in(page)
    expect(page.get_by_role("heading", name="Zoë Ñúñez")).to_be_visible()
    page.get_by_role("button", name="Add").click()
    page.get_by_text("Treatment Summary", exact=True).click()
    expect(page.get_by_text("New treatment summary")).to_be_visible()
    page.get_by_text("Case consultation", exact=True).click()
    wait_idle(page)
    shot(page, artifacts, "02-sources")

    page.get_by_role("button", name="Generate").click()
    editor = page.get_by_label("Draft text (Markdown); edits save automatically")
    expect(editor).to_be_visible()
    expect(editor).to_have_value(re.compile(r"^## Identifying context"))
    expect(page.get_by_text(re.compile(r"^Saved \d\d:\d\d:\d\d"))).to_be_visible()
    shot(page, artifacts, "03-draft")

    text = editor.input_value().replace("## Current status", "## Current status\n\nSeen today; engaged and hopeful.")
    editor.fill(text)
    editor.press("Control+Enter")  # commits the text area, as a person's blur would
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"version 2 of 2"))).to_be_visible()

    page.get_by_label("Instruction for Update").fill("shorter")
    page.get_by_label("Instruction for Update").press("Enter")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_text(re.compile(r"version 3 of 3"))).to_be_visible()
    expect(editor).not_to_have_value(text)  # the caption can be drawn a few ms before the text area
    assert len(editor.input_value()) < len(text) and "Seen today; engaged and hopeful." in editor.input_value()
    shot(page, artifacts, "04-updated")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text(re.compile(r"version 2 of 3"))).to_be_visible()
    expect(editor).to_have_value(text)

    page.reload()
    sign_in(page)
    expect(page.get_by_label("Draft text (Markdown); edits save automatically")).to_have_value(text)

    page.get_by_role("button", name="Sign & Approve").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Ruth Abernathy, LCSW, Clinical Supervisor")).to_be_visible()
    shot(page, artifacts, "05-sign-dialog")
    dialog.get_by_text("I attest to the statement above").click()
    dialog.get_by_label("Your password, to confirm it is you signing").fill("ruth-demo-2026")
    dialog.get_by_label("Your password, to confirm it is you signing").press("Enter")
    dialog.get_by_role("button", name="Sign and Complete").click()
    expect(page.get_by_role("button", name="Share to client portal")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Signed by Ruth Abernathy, LCSW, Clinical Supervisor on"))).to_be_visible()
    shot(page, artifacts, "06-signed")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf_path = artifacts / "e2e" / "summary.pdf"
    download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as export:
        page.get_by_role("button", name="Export client data").click()
    zip_path = artifacts / "e2e" / "client-data.zip"
    export.value.save_as(zip_path)
    with zipfile.ZipFile(zip_path) as z:
        assert "manifest.json" in z.namelist() and any(n.endswith(".pdf") for n in z.namelist())

    page.get_by_role("button", name="Share to client portal").click()
    expect(page.get_by_role("button", name="Stop sharing")).to_be_visible()
    page.get_by_text("Client portal access").click()
    page.get_by_role("button", name="Create portal access code").click()
    token = page.locator("[data-testid='stCode'] code").inner_text().strip()
    assert len(token) >= 32

    portal = page.context.new_page()
    portal.goto(f"{url}/portal?token={token}")
    expect(portal.get_by_role("heading", name="Hello, Zoë")).to_be_visible()
    expect(portal.get_by_text("Treatment Summary", exact=False).first).to_be_visible()
    shot(portal, artifacts, "07-portal")

    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason (required)").fill("Wrong date range")
    dialog.get_by_label("Reason (required)").press("Control+Enter")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No signed treatment summaries yet.")).to_be_visible()
    shot(page, artifacts, "08-deleted")
    portal.reload()
    expect(portal.get_by_text("has not shared any treatment summaries")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("User name")).to_be_visible()
