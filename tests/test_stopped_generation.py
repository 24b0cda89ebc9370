"""A generation stopped by the user: what the engine had written is kept as the client's draft, marked
incomplete; progress while streaming is read from the sections written so far."""

from datetime import timedelta

import pytest

from core import summaries
from core.engines.base import SECTIONS, progress
from core.errors import InvalidInput
from core.models import Actor

RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06")


def test_progress_counts_the_sections_finished_and_names_the_one_being_written():
    assert progress("") == (0, None)
    assert progress("## Identifying context\n\nThe client") == (0, "Identifying context")
    text = "".join(f"## {s}\n\nText.\n\n" for s in SECTIONS[:4])
    assert progress(text) == (3, SECTIONS[3])


def test_the_text_written_before_stop_becomes_the_draft_marked_incomplete(practice):
    today = practice.today()
    start = today - timedelta(days=180)
    partial = "## Identifying context\n\nThe client is 63 years old. ![x](https://evil.example/p.png)\n\n## Reason"
    started = summaries.keep_stopped(practice, RUTH, "C1001", start, today, "", [], "offline", partial, 12.4)
    draft = started.draft
    assert not started.existing
    assert draft.text.startswith("## Identifying context\n\nThe client is 63 years old.")
    assert "https://evil.example" not in draft.text  # engine output is untrusted Markdown, stopped or not
    assert "stopped by the user" in draft.generation.label and "incomplete" in draft.generation.label
    assert draft.generation.duration_ms == 12400
    assert summaries.active_draft(practice, RUTH, "C1001").id == draft.id
    again = summaries.keep_stopped(practice, RUTH, "C1001", start, today, "", [], "offline", "## Other", 1.0)
    assert again.existing and again.draft.id == draft.id  # the one draft per client is opened, not replaced


def test_nothing_written_is_no_draft(practice):
    today = practice.today()
    with pytest.raises(InvalidInput, match="written nothing"):
        summaries.keep_stopped(practice, RUTH, "C1001", today - timedelta(days=90), today, "", [], "offline", " ", 0.5)
    assert summaries.active_draft(practice, RUTH, "C1001") is None
