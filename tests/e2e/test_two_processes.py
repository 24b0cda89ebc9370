"""Two app processes on one PostgreSQL database, as behind a reverse proxy with sticky sessions: two
people, each served by another process, on the same client's draft and on different clients' at once.
The one-draft rule, the stale-edit refusal, signing and the audit log hold across the processes, no
edit is lost, and the command line works while both run."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from core import summaries
from core.service import Practice
from tests.e2e.conftest import ROOT, Server, new_page
from tests.e2e.journey import editor, generate, open_from_clients, sign_draft, sign_in, status, summary_tab, type_at_end
from tests.test_summaries import RUTH

ON_POSTGRESQL = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@pytest.fixture
def two_servers(engine, pg_database, tmp_path):
    url = pg_database()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    servers = [Server(tmp_path / "a", database_url=url), Server(tmp_path / "b", database_url=url)]
    yield servers
    for s in servers:
        s.stop()


def open_client(pg, server, user, search, name):
    pg.goto(server.url)
    sign_in(pg, user)
    open_from_clients(pg, search, name)
    summary_tab(pg)


@ON_POSTGRESQL
def test_two_processes_share_one_practice_and_lose_nothing(two_servers, browser, artifacts):
    a, b = two_servers
    dana, ruth = new_page(browser), new_page(browser)
    open_client(dana, a, "dana", "Harlow", "Hector Harlow")
    open_client(ruth, b, "ruth", "Harlow", "Hector Harlow")

    generate(dana)  # in process A; process B shows the same draft: one draft per client across processes
    ruth.reload()
    sign_in(ruth, "ruth")
    expect(editor(ruth)).to_have_value(editor(dana).input_value())
    expect(ruth.get_by_role("button", name="Generate")).to_have_count(0)

    type_at_end(dana, "\nEDIT-A1")
    expect(status(dana)).to_have_text(re.compile(r"^Saved "), timeout=5_000)
    type_at_end(ruth, "\nEDIT-B1")  # on the text from before EDIT-A1, saved through the other process
    expect(ruth.get_by_text(re.compile(r"Dana Whitfield changed this draft at"))).to_be_visible(timeout=10_000)
    expect(status(ruth)).to_have_text(re.compile(r"^Not saved"))
    expect(editor(ruth)).to_have_value(re.compile(r"EDIT-B1$"))  # her text stays on screen
    ruth.get_by_role("button", name="Load the latest version").click()
    expect(editor(ruth)).to_have_value(re.compile(r"EDIT-A1$"))
    type_at_end(ruth, "\nEDIT-B1")
    expect(status(ruth)).to_have_text(re.compile(r"^Saved "), timeout=5_000)

    # The command line works while both processes run: a note imported now is in the next draft of either.
    cli = subprocess.run(
        [sys.executable, "-m", "core", "clients", "--db", a.settings.database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0 and "Hector Harlow" in cli.stdout, cli.stderr

    # Different clients at once, one in each process.
    dana2, ruth2 = new_page(browser), new_page(browser)
    open_client(dana2, a, "dana", "Ñúñez", "Zoë Ñúñez")
    open_client(ruth2, b, "ruth", "Sandoval", "Mateo Sandoval")
    for pg in (dana2, ruth2):
        pg.get_by_role("button", name="Add").click()
        pg.get_by_text("Treatment Summary", exact=True).click()
    for pg in (dana2, ruth2):
        pg.get_by_role("button", name="Generate").click(no_wait_after=True)
    for pg in (dana2, ruth2):
        expect(editor(pg)).to_have_value(re.compile(r"^## Identifying context"))

    # Signed in process A while Ruth, in process B, types: she is told who signed, and keeps her text.
    type_at_end(dana, "\nEDIT-A2")  # Dana's window is the stale one now
    expect(dana.get_by_text(re.compile(r"Ruth Abernathy changed this draft at"))).to_be_visible(timeout=10_000)
    dana.get_by_role("button", name="Load the latest version").click()
    expect(editor(dana)).to_have_value(re.compile(r"EDIT-A1\nEDIT-B1$"))
    sign_draft(dana, "dana")
    type_at_end(ruth, "\nEDIT-B2 after signing")
    expect(ruth.get_by_text(re.compile(r"was signed by Dana Whitfield at"))).to_be_visible(timeout=10_000)
    expect(ruth.locator("[data-testid='stCode']")).to_contain_text("EDIT-B2 after signing")

    for pg in (dana, ruth, dana2, ruth2):
        pg.context.close()
    # Read while the servers still run (PostgreSQL admits every process): one chain, every author in it.
    p = Practice.open(a.settings)
    signed = summaries.summaries(p, RUTH, "C1011")
    assert len(signed) == 1 and signed[0].verified and signed[0].text.endswith("EDIT-A1\nEDIT-B1")
    log = {(e.actor, e.action) for e in summaries.audit_log(p, RUTH, "C1011")}
    assert log >= {("dana", "generate"), ("dana", "save"), ("ruth", "save"), ("dana", "sign")}
    drafted = {r.full_name for r in p.store.client_rows() if r.draft_started_at is not None}
    assert drafted == {"Zoë Ñúñez", "Mateo Sandoval"}  # each made in its own process
    assert p.store.audit_chain().holds
    p.store.close()
