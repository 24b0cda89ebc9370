"""A bounded load test on loopback: people signing in at the same moment (with a run of wrong
passwords for another account among them), then typing into their drafts at once. No screen may
show an error page, and no typed edit may be lost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core import auth, summaries
from core.config import Settings
from core.errors import InsufficientInformation, PermissionDenied
from core.models import Actor
from core.service import Practice
from tests.e2e.conftest import Server, new_page
from tests.e2e.journey import PASSWORDS, editor, open_from_clients, status, summary_tab, type_at_end

ADMIN = Actor("cli:test", "test", ("supervisor", "admin"), auth="cli")
GUESSES = 8  # wrong passwords for pat, tried in parallel with the sign-ins
ROUNDS = 3  # bursts of typing in every window


def drafts_for_six(p: Practice) -> list[tuple[str, str, str]]:
    """(user, client id, client name) with a draft each: three of Dana's clients, three others for Ruth."""
    today, chosen = p.today(), []
    for user, mine in (("dana", True), ("ruth", False)):
        for r in p.store.client_rows():
            if len([c for c in chosen if c[0] == user]) == 3 or (r.clinician_id == "K01") != mine:
                continue
            try:
                summaries.generate(p, ADMIN, r.id, today - timedelta(days=365), today, "Case consultation")
            except InsufficientInformation:
                continue
            chosen.append((user, r.id, r.full_name))
    return chosen


def test_parallel_sign_ins_and_autosaves_show_no_error_page_and_lose_no_edit(tmp_path, browser):
    people: list[tuple[str, str, str]] = []

    server = Server(tmp_path, lambda p: people.extend(drafts_for_six(p)))
    try:
        windows = [new_page(browser) for _ in people]
        guessers = [new_page(browser) for _ in range(GUESSES)]
        for pg in windows + guessers:
            pg.goto(server.url)
        for pg in windows + guessers:
            expect(pg.get_by_label("User name")).to_be_visible()
        for pg, (user, _, _) in zip(windows, people):
            pg.get_by_label("User name").fill(user)
            pg.get_by_label("Password", exact=True).fill(PASSWORDS[user])
        for i, pg in enumerate(guessers):
            pg.get_by_label("User name").fill("pat")
            pg.get_by_label("Password", exact=True).fill(f"not-pats-password-{i}")
        for pg in windows + guessers:  # all at once, no waiting between them
            pg.get_by_role("button", name="Sign in").click(no_wait_after=True)
        for pg in guessers:
            refused = pg.get_by_text(re.compile(r"user name or password is not right|account is locked"))
            expect(refused).to_be_visible(timeout=30_000)
        for pg in windows:
            expect(pg.get_by_role("heading", name="Clients")).to_be_visible(timeout=30_000)

        for pg, (_, client_id, name) in zip(windows, people):
            open_from_clients(pg, client_id, name)
            summary_tab(pg)
            expect(editor(pg)).to_have_value(re.compile(r"^## Identifying context"))
        for n in range(ROUNDS):
            for pg, (_, client_id, _) in zip(windows, people):  # one burst in each window, none waits
                type_at_end(pg, f"\nLOAD {client_id} {n}")
        for pg in windows:
            expect(status(pg)).to_have_text(re.compile(r"^Saved "), timeout=20_000)
        for pg in windows + guessers:
            expect(pg.get_by_test_id("stException")).to_have_count(0)
            pg.context.close()
    finally:
        server.stop()

    p = Practice.open(Settings(db_path=server.db))
    for _, client_id, _ in people:
        text = summaries.active_draft(p, ADMIN, client_id).text
        assert text.endswith("\n".join(f"LOAD {client_id} {n}" for n in range(ROUNDS))), client_id
    entries = p.store.audit_entries(limit=100_000)
    assert sum(e.action == "sign_in" for e in entries) == len(people)
    pat = [e for e in entries if e.actor == "pat"]
    assert len(pat) == GUESSES and sum(e.action == "lockout" for e in pat) == 1  # every guess counted
    assert p.store.user("pat").locked_until is not None
    assert p.store.audit_chain().holds
    with pytest.raises(PermissionDenied, match="locked"):  # the right password, while locked
        auth.sign_in(p, "pat", "pat-demo-2026")
    p.store.close()
