"""The store's memory of reads (core.store.memo): a selection made again is served from memory, a chart
import or a sign-out is seen at once by every Store on the file, and the memory stays within its bounds."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest

from core import auth, charts, sources
from core.errors import SessionEnded
from core.models import Actor
from core.note_files import Defaults
from core.service import Practice
from core.store.memo import Memo
from tests import engines
from tests.conftest import ANCHOR, ROOT
from tests.test_hardening import DANA_PASSWORD

ENGINES = engines.BOTH
IMPORTER = Actor("alex", "Alex Moreno", ("admin",))
START, END = ANCHOR - timedelta(days=182), ANCHOR


def test_a_selection_made_again_is_the_one_in_memory_and_equal_to_a_fresh_read(practice):
    first = sources.select(practice.store, "C1001", START, END, "", ANCHOR)
    again = sources.select(practice.store, "C1001", START, END, "", ANCHOR)
    assert again is first
    fresh = sources._select(practice.store, "C1001", sources.DateRange(START, END), "")
    assert fresh == first and fresh is not first


def test_an_imported_note_is_in_the_next_selection_of_every_store_on_the_file(practice, tmp_path):
    before = sources.select(practice.store, "C1001", START, END, "", ANCHOR)
    other = Practice.open(
        engines.settings_for(engines.target(practice.store)), today=lambda: ANCHOR
    )  # a second Store, same file
    assert sources.select(other.store, "C1001", START, END, "", ANCHOR) == before  # in its memory too
    note = tmp_path / "session.txt"
    note.write_text("Client reports a new part-time job and sleeping seven hours most nights.")
    charts.import_notes(practice, IMPORTER, "C1001", [note], Defaults(note_date=END - timedelta(days=1)))
    for store in (practice.store, other.store):
        after = sources.select(store, "C1001", START, END, "", ANCHOR)
        assert len(after.notes) == len(before.notes) + 1
        assert any("part-time job" in n.text for n in after.notes)


def test_a_sign_out_in_one_window_ends_the_session_everywhere_at_once(practice):
    actor = auth.sign_in(practice, "dana", DANA_PASSWORD)
    auth.check_session(practice, actor)  # read once: now in memory
    other = Practice.open(engines.settings_for(engines.target(practice.store)), today=lambda: ANCHOR)
    auth.check_session(other, actor)
    auth.sign_out(other, actor)  # signed out through the other Store
    with pytest.raises(SessionEnded, match="signed out"):
        auth.check_session(practice, actor)


def test_the_memory_keeps_within_its_entries_and_bytes_least_recently_used_first():
    memo = Memo(("bounds", "test"), max_entries=3, max_bytes=100)
    for k in "abc":
        memo.get(k, lambda k=k: k, lambda _v: 10)
    memo.get("a", lambda: "never read")  # a is used again: b is now the oldest
    memo.get("d", lambda: "d", lambda _v: 10)
    assert len(memo) == 3 and memo.get("b", lambda: "read again", lambda _v: 10) == "read again"
    memo.get("big", lambda: "x", lambda _v: 95)  # keeping it pushes everything else out
    assert len(memo) == 1 and memo.bytes == 95
    assert memo.get("huge", lambda: "y", lambda _v: 101) == "y" and "huge" not in memo._entries


def test_a_read_that_a_write_overtook_is_not_kept():
    memo = Memo(("overtaken", "test"))

    def read_while_written():
        memo.changed()  # another thread's write lands while this read is in flight
        return "read before the write committed"

    memo.get("k", read_while_written)
    assert memo.get("k", lambda: "read after") == "read after"


def test_a_failed_read_is_not_kept(practice):
    calls = []

    def failing():
        calls.append(1)
        raise LookupError("no such client")

    memo = practice.store.memo
    for _ in range(2):
        with pytest.raises(LookupError):
            memo.get(("failing", date.today()), failing)
    assert len(calls) == 2


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_note_imported_by_another_process_is_in_the_next_selection_of_a_running_app(practice, tmp_path):
    """On PostgreSQL the command line runs beside the app: what it writes reaches the app's memory at once."""
    before = sources.select(practice.store, "C1001", START, END, "", ANCHOR)
    assert sources.select(practice.store, "C1001", START, END, "", ANCHOR) is before  # in memory
    note = tmp_path / "session.txt"
    note.write_text("Client reports a new part-time job and sleeping seven hours most nights.")
    cli = subprocess.run(
        [sys.executable, "-m", "core", "import-notes", "--db", practice.store.url, "--client", "C1001", str(note)]
        + ["--date", (END - timedelta(days=1)).isoformat(), "--author", "K01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    after = sources.select(practice.store, "C1001", START, END, "", ANCHOR)
    assert len(after.notes) == len(before.notes) + 1
    assert any("part-time job" in n.text for n in after.notes)
