"""Tracked changes of an Update (core.changes): every change found, accepted or rejected one by one,
and the result exactly the text the choices describe."""

from core import changes, charts, sources
from core.engines.offline import OfflineEngine, refine_text
from core.text import paragraphs
from tests.conftest import demo_ranges


def normal(text: str) -> str:
    return "\n\n".join(paragraphs(text)) + "\n"


def test_accepting_everything_gives_the_update_and_rejecting_everything_the_text_before(practice):
    checked = 0
    for row in practice.store.client_rows()[:10]:
        start, end = list(demo_ranges(practice, row.id))[-1]
        try:
            sel = sources.require_sufficient(charts.selection(practice, row.id, start, end, "Transfer of care"))
        except Exception:
            continue
        before = OfflineEngine().generate(sel).text
        for instruction in ("shorter", "focus on risk", "bullet points"):
            after = refine_text(sel, before, instruction)
            c = changes.compare(before, after)
            assert c.changes
            assert changes.resolve(c, {}) == normal(after)
            assert changes.resolve(c, {x.number: False for x in c.changes}) == normal(before)
            checked += 1
    assert checked >= 15


def test_one_change_accepted_and_another_rejected_gives_exactly_that_text():
    before = "## A\n\nOne.\n\nTwo.\n\n## B\n\nThree.\n"
    after = "## A\n\nOne, shorter.\n\nTwo.\n\n## B\n\nThree.\n\nFour, new.\n"
    c = changes.compare(before, after)
    assert [(x.kind, x.removed, x.added, x.section) for x in c.changes] == [
        ("replaced", ("One.",), ("One, shorter.",), "A"),
        ("inserted", (), ("Four, new.",), "B"),
    ]
    assert changes.resolve(c, {0: False, 1: True}) == "## A\n\nOne.\n\nTwo.\n\n## B\n\nThree.\n\nFour, new.\n"
    assert changes.resolve(c, {0: True, 1: False}) == "## A\n\nOne, shorter.\n\nTwo.\n\n## B\n\nThree.\n"


def test_a_deletion_is_placed_under_its_heading_and_can_be_undone():
    before = "## A\n\nOne.\n\n## B\n\nTwo.\n\nThree.\n"
    after = "## A\n\nOne.\n\n## B\n\nThree.\n"
    [d] = changes.compare(before, after).changes
    assert (d.kind, d.removed, d.section) == ("deleted", ("Two.",), "B")
    assert changes.resolve(changes.compare(before, after), {0: False}) == before
    assert changes.compare(before, before).changes == ()
