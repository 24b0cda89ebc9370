"""Stopping the AI engine mid-draft in a real browser: the progress names the section being written,
Stop ends the stream, and what was written is kept as an incomplete draft the clinician can discard.
The real SDK streams from a loopback gateway that writes a little every fraction of a second."""

import re

import pytest
from playwright.sync_api import expect

from tests.fake_anthropic import SSE_HEAD, chunk, message_events, misbehaving_gateway, sse

from .conftest import Server
from .journey import editor, open_from_clients, sign_in, summary_tab

pytestmark = pytest.mark.e2e
OPENING = "## Identifying context\n\nThe client is 63 years old.\n\n## Reason for referral and presenting concerns\n\n"


def slow_draft(conn, stop):
    """A streamed message that starts two sections and then adds a word every 0.3 s, never finishing."""
    events = message_events([(OPENING, [])], complete=False)
    head = [e for e in events if e["type"] in ("message_start", "content_block_start")]
    deltas = [e for e in events if e["type"] == "content_block_delta"]
    conn.sendall(SSE_HEAD + chunk(sse(head + deltas)))
    while not stop.wait(0.3):
        word = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "referral "}}
        conn.sendall(chunk(sse([word])))


def test_stop_keeps_what_the_engine_wrote_as_an_incomplete_draft(tmp_path, page, monkeypatch, artifacts):
    with misbehaving_gateway(slow_draft) as (url, arrivals):
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
        server = Server(tmp_path)
        try:
            page.goto(server.url)
            sign_in(page, "dana")
            open_from_clients(page, "Ñúñez", "Zoë Ñúñez")
            summary_tab(page)
            page.get_by_role("button", name="Add").click()
            page.get_by_text("Treatment Summary", exact=True).click()
            page.get_by_text(re.compile(r"^AI draft \(Anthropic ")).click()  # the engine choice
            page.get_by_role("button", name="Generate").click()
            expect(
                page.get_by_text(re.compile(r"^Writing “Reason for referral and presenting concerns” · 1 of 9"))
            ).to_be_visible()
            page.screenshot(path=artifacts / "e2e" / "23-generation-progress.png")
            page.get_by_role("button", name="Stop and keep what is written").click()
            expect(editor(page)).to_have_value(re.compile(r"^## Identifying context\n\nThe client is 63 years old\."))
            expect(page.get_by_text(re.compile(r"^Stopped\. What the engine had written"))).to_be_visible()
            expect(page.get_by_text(re.compile(r"stopped by the user before it finished: incomplete"))).to_be_visible()
            page.get_by_role("button", name="Discard draft").click()
            expect(page.get_by_role("dialog")).to_be_visible()
        finally:
            server.stop()
    assert len(arrivals) == 1  # one request, abandoned: no retry after the Stop
