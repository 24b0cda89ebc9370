"""The clinician's journey in a real browser, by clicking from the Clients list: open a client, add a
summary, type (and reload mid-typing), Update, Undo, Redo, sign, download, share, portal, delete."""

import io
import re
import urllib.error
import urllib.request
import zipfile

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from core import summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice

from .conftest import new_page
from .journey import (
    PASSWORDS,
    editor,
    generate,
    open_from_clients,
    shot,
    sign_draft,
    sign_in,
    status,
    summary_tab,
    type_at_end,
)

pytestmark = pytest.mark.e2e
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")


def fetch_status(url: str) -> int:
    """What the address answers to a request without the browser (no cookie, no session)."""
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_deep_link_as_the_first_request_asks_to_sign_in_first(server, page, artifacts):
    """The first request after the server starts is a link to a chart: the sign-in form, never the chart."""
    page.goto(f"{server.url}/client?client=C1001")
    expect(page.get_by_role("heading", name="Treatment Summaries")).to_be_visible()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_text("Zoë Ñúñez")).to_have_count(0)
    shot(page, artifacts, "00-sign-in")
    sign_in(page, "dana")
    expect(page.get_by_role("heading", name="Zoë Ñúñez")).to_be_visible()  # back to where the link pointed
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # inside the app's frame


def test_several_people_following_deep_links_right_after_a_start_all_get_the_frame(own_server, browser):
    """Before app.py has run once, Streamlit runs a linked screen's file directly; the screen draws
    the frame itself. Four people open links and sign in at the same moment: all are let in, inside it."""
    people = ["dana", "ruth", "dana", "ruth"]
    pages = [new_page(browser) for _ in people]
    for pg in pages:
        pg.goto(f"{own_server.url}/client?client=C1001")
    for pg in pages:
        expect(pg.get_by_label("User name")).to_be_visible()
        expect(pg.get_by_text("Zoë Ñúñez")).to_have_count(0)
    for pg, user in zip(pages, people):  # no waiting between them
        pg.get_by_label("User name").fill(user)
        pg.get_by_label("Password", exact=True).fill(PASSWORDS[user])
    for pg in pages:
        pg.get_by_role("button", name="Sign in").click(no_wait_after=True)
    for pg in pages:  # a cold start on a fresh clone compiles every module first: correctness, not speed
        expect(pg.get_by_role("heading", name="Zoë Ñúñez")).to_be_visible(timeout=30_000)
        expect(pg.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)
        expect(pg.get_by_role("link", name="Clients")).to_be_visible(timeout=30_000)
        pg.context.close()


def test_clinician_journey_by_clicking(server, page, artifacts):
    url = server.url
    page.goto(url)
    sign_in(page, "dana")
    open_from_clients(page, "Ñúñez", "Zoë Ñúñez")
    shot(page, artifacts, "01-record")
    # The sidebar's "Client record" returns to the client last opened.
    page.get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.get_by_role("link", name="Client record").click()
    expect(page.get_by_role("heading", name="Zoë Ñúñez")).to_be_visible()

    summary_tab(page)
    generate(page, "Case consultation")
    expect(status(page)).to_have_text(re.compile(r"^Saved \d\d:\d\d:\d\d$"))
    shot(page, artifacts, "02-draft")

    typed = "\n\nSeen today; engaged and hopeful."
    type_at_end(page, typed)
    expect(status(page)).to_have_text(re.compile(r"Unsaved changes|Saving…"))
    expect(status(page)).to_have_text(re.compile(r"^Saved \d\d:\d\d:\d\d$"), timeout=5_000)  # no blur, no Enter
    text = editor(page).input_value()
    assert text.endswith(typed.strip())
    page.reload()
    sign_in(page, "dana")
    expect(editor(page)).to_have_value(text)  # the reload lost nothing

    page.get_by_text("Shorter", exact=True).click()
    expect(page.get_by_label("Instruction for Update")).to_have_value("shorter")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_text(re.compile(r"^Version 3 of 3 · updated by Dana Whitfield"))).to_be_visible()
    expect(editor(page)).not_to_have_value(text)
    shorter = editor(page).input_value()
    assert len(shorter) < len(text)
    shot(page, artifacts, "03-updated")
    page.get_by_role("button", name="Undo").click()
    expect(editor(page)).to_have_value(text)
    page.get_by_role("button", name="Redo").click()
    expect(editor(page)).to_have_value(shorter)
    page.get_by_role("button", name="Undo").click()
    expect(editor(page)).to_have_value(text)
    page.get_by_text(re.compile(r"^Versions \(3\)")).click()
    expect(page.get_by_role("cell", name="undone")).to_be_visible()

    page.get_by_role("button", name="Sign & Approve").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Dana Whitfield, LCSW")).to_be_visible()
    shot(page, artifacts, "04-sign-dialog")
    dialog.get_by_text("I attest to the statement above").click()
    dialog.get_by_label("Your password, to confirm it is you signing").fill("not-my-password")
    dialog.get_by_label("Your password, to confirm it is you signing").press("Enter")
    dialog.get_by_role("button", name="Sign and Complete").click()
    expect(dialog.get_by_text(re.compile("password is not right"))).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_visible()  # still there after the error
    dialog.get_by_label("Your password, to confirm it is you signing").fill("dana-demo-2026")
    dialog.get_by_label("Your password, to confirm it is you signing").press("Enter")
    dialog.get_by_role("button", name="Sign and Complete").click()
    expect(page.get_by_role("button", name="Share to client portal")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Signed by Dana Whitfield, LCSW on"))).to_be_visible()
    shot(page, artifacts, "05-signed")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = download.value.path().read_bytes()
    assert re.search(r"/download/[\w-]{40,}$", download.value.url)
    assert fetch_status(download.value.url) == 404  # served once: the address gives nothing afterwards
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Seen today; engaged and hopeful." in pdf_text  # the signed text is the text Undo restored
    with page.expect_download() as export:
        page.get_by_role("button", name="Export client data").click()
    with zipfile.ZipFile(export.value.path()) as z:
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
    shot(portal, artifacts, "06-portal")

    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("This summary is shared to the client portal")).to_be_visible()
    expect(dialog.get_by_text(re.compile(r"Signed by Dana Whitfield, LCSW on"))).to_be_visible()
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.get_by_text(re.compile("needs a reason"))).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_visible()
    shot(page, artifacts, "07-delete-dialog")
    dialog.get_by_label("Reason (required)").fill("Wrong date range")
    dialog.get_by_label("Reason (required)").press("Control+Enter")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No signed treatment summaries yet.")).to_be_visible()
    portal.reload()
    expect(portal.get_by_text("has not shared any treatment summaries")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("User name")).to_be_visible()


def test_leaving_with_unsaved_typing_asks_first(server, page):
    page.goto(f"{server.url}/")
    sign_in(page, "dana")
    open_from_clients(page, "C1006", "李娜")
    summary_tab(page)
    generate(page)
    asked = []
    page.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    type_at_end(page, " and more")
    page.evaluate("location.reload()")  # at once, before the pause that saves
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(editor(page)).to_have_value(re.compile(r"and more$"))  # staying kept the text, and it saves
    expect(status(page)).to_have_text(re.compile(r"^Saved "), timeout=5_000)


def test_two_windows_on_one_draft_never_lose_an_edit(own_server, browser, artifacts):
    dana, ruth = new_page(browser), new_page(browser)
    for pg, user in ((dana, "dana"), (ruth, "ruth")):
        pg.goto(own_server.url)
        sign_in(pg, user)
        open_from_clients(pg, "Harlow", "Hector Harlow")
        summary_tab(pg)
    generate(dana)
    ruth.reload()
    sign_in(ruth, "ruth")
    expect(editor(ruth)).to_have_value(editor(dana).input_value())

    type_at_end(dana, "\nEDIT-1")
    expect(status(dana)).to_have_text(re.compile(r"^Saved "), timeout=5_000)
    type_at_end(ruth, "\nEDIT-2")  # on the text from before EDIT-1
    expect(ruth.get_by_text(re.compile(r"Dana Whitfield changed this draft at"))).to_be_visible(timeout=10_000)
    expect(status(ruth)).to_have_text(re.compile(r"^Not saved"))
    expect(editor(ruth)).to_have_value(re.compile(r"EDIT-2$"))  # her text stays on screen
    expect(ruth.locator("[data-testid='stCode']")).to_contain_text("EDIT-2")
    shot(ruth, artifacts, "10-stale-window")
    ruth.get_by_role("button", name="Load the latest version").click()
    expect(editor(ruth)).to_have_value(re.compile(r"EDIT-1$"))
    type_at_end(ruth, "\nEDIT-2")
    expect(status(ruth)).to_have_text(re.compile(r"^Saved "), timeout=5_000)

    type_at_end(dana, "\nEDIT-3")  # Dana's window is the stale one now
    expect(dana.get_by_text(re.compile(r"Ruth Abernathy changed this draft at"))).to_be_visible(timeout=10_000)
    expect(editor(dana)).to_have_value(re.compile(r"EDIT-1\nEDIT-3$"))
    dana.get_by_role("button", name="Save my text as the newest version").click()
    expect(status(dana)).to_have_text(re.compile(r"^Saved "))
    dana.get_by_text(re.compile(r"^Versions \(4\)")).click()
    for author in ("Dana Whitfield", "Ruth Abernathy"):
        expect(dana.get_by_role("cell", name=author).first).to_be_visible()

    # Signed in Dana's window while Ruth types: Ruth is told who signed, and keeps what she typed.
    sign_draft(dana, "dana")
    type_at_end(ruth, "\nEDIT-4 after signing")
    expect(ruth.get_by_text(re.compile(r"was signed by Dana Whitfield at"))).to_be_visible(timeout=10_000)
    expect(ruth.locator("[data-testid='stCode']")).to_contain_text("EDIT-4 after signing")
    shot(ruth, artifacts, "11-signed-elsewhere")

    for pg in (dana, ruth):
        pg.context.close()
    # The audit log names everyone who saved.
    own_server.stop()
    p = Practice.open(Settings(db_path=own_server.db), demo_data=False)
    log = {(e.actor, e.action) for e in summaries.audit_log(p, RUTH, "C1011")}
    assert log >= {("dana", "generate"), ("dana", "save"), ("ruth", "save"), ("dana", "sign")}
    p.store.close()


def test_signing_over_a_statement_the_chart_contradicts_goes_through_the_checklist(server, page, artifacts):
    """A wrong sentence typed into the draft is listed before signing, signing needs its
    acknowledgement, and the PDF's generation details then carry it."""
    page.goto(server.url)
    sign_in(page, "dana")
    open_from_clients(page, "Ñúñez", "Zoë Ñúñez")
    summary_tab(page)
    if page.get_by_role("button", name="Sign & Approve").count() == 0:
        generate(page)
    type_at_end(page, "\n\nNo suicidal ideation was ever reported.")
    expect(status(page)).to_have_text(re.compile(r"^Saved "), timeout=10_000)
    page.get_by_role("button", name="Sign & Approve").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(re.compile(r"Before you sign: 1 statement\(s\) disagree"))).to_be_visible()
    expect(dialog.get_by_text("No suicidal ideation was ever reported.", exact=False).first).to_be_visible()
    dialog.get_by_text("I attest to the statement above").click()
    dialog.get_by_label("Your password, to confirm it is you signing").fill("dana-demo-2026")
    dialog.get_by_label("Your password, to confirm it is you signing").press("Enter")
    expect(dialog.get_by_role("button", name="Sign and Complete")).to_be_disabled()  # not yet acknowledged
    shot(page, artifacts, "12-sign-checklist")
    dialog.get_by_text(re.compile(r"^I have read the 1 statement")).click()
    dialog.get_by_role("button", name="Sign and Complete").click()
    expect(page.get_by_role("button", name="Share to client portal").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").first.click()
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages
    )
    assert "Signed with open findings" in text and "No suicidal ideation was ever reported" in text
