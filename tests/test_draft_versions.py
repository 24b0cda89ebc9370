"""Draft versions on both engines: edits based on a stale revision are refused in core, Undo and
Redo restore whole versions, nothing is ever dropped, and every author is in the audit log."""

import threading
from datetime import timedelta

import pytest

from core import summaries
from core.errors import DraftClosed, StaleDraft
from core.models import Actor
from core.store import MIGRATIONS, Store
from tests.engines import BOTH

ENGINES = BOTH

CLIENT = "C1001"
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")
PASSWORDS = {"dana": "dana-demo-2026", "ruth": "ruth-demo-2026"}


def start(practice, purpose="Case consultation"):
    today = practice.today()
    return summaries.generate(practice, DANA, CLIENT, today - timedelta(days=365), today, purpose).draft


def test_two_windows_never_overwrite_each_other(practice):
    """The sequence seen in the app: Dana saves, Ruth saves over older text, Dana's stale window saves."""
    d = start(practice)
    loaded = d.revision  # both windows open the draft at this revision
    dana = summaries.save(practice, DANA, d.id, d.text + "\nEDIT-1", base_revision=loaded)
    assert dana.revision == loaded + 1

    with pytest.raises(StaleDraft, match=r"Dana Whitfield changed this draft at \d\d:\d\d:\d\d") as ruth_refused:
        summaries.save(practice, RUTH, d.id, d.text + "\nEDIT-2", base_revision=loaded)
    assert ruth_refused.value.revision == dana.revision
    assert summaries.active_draft(practice, RUTH, CLIENT).text.endswith("EDIT-1")  # nothing saved over Dana's

    # Ruth loads the latest and saves her edit on it: a version of her own, audited under her name.
    latest = summaries.active_draft(practice, RUTH, CLIENT)
    ruth = summaries.save(practice, RUTH, d.id, latest.text + "\nEDIT-2", base_revision=latest.revision)
    with pytest.raises(StaleDraft, match="Ruth Abernathy changed this draft"):
        summaries.save(practice, DANA, d.id, d.text + "\nEDIT-1\nEDIT-3", base_revision=dana.revision)

    final = summaries.active_draft(practice, DANA, CLIENT)
    assert final.text.endswith("EDIT-1\nEDIT-2") and final.revision == ruth.revision
    assert [(v.kind, v.author) for v in final.versions] == [
        ("generated", "dana"),
        ("edited", "dana"),
        ("edited", "ruth"),
    ]
    saves = [(e.actor, e.action) for e in summaries.audit_log(practice, RUTH, CLIENT) if e.action == "save"]
    assert sorted(saves) == [("dana", "save"), ("ruth", "save")]
    # Undo goes back through both edits to the generated text.
    back = summaries.undo(practice, DANA, d.id, base_revision=final.revision)
    assert back.text.endswith("EDIT-1") and not back.text.endswith("EDIT-2")


def test_a_window_that_only_caught_up_is_not_a_conflict(practice):
    d = start(practice)
    summaries.save(practice, DANA, d.id, d.text + "\nsame words", base_revision=d.revision)
    again = summaries.save(practice, RUTH, d.id, d.text + "\nsame words", base_revision=d.revision)
    assert again.revision == d.revision + 1  # the stored text already is this text: nothing to refuse


def test_same_base_from_many_threads_one_wins_the_rest_are_told(practice):
    d = start(practice)
    outcomes: dict[int, object] = {}
    barrier = threading.Barrier(6)

    def window(n):
        barrier.wait()
        try:
            outcomes[n] = summaries.save(
                practice, DANA if n % 2 else RUTH, d.id, f"{d.text}\nwindow {n}", base_revision=d.revision
            )
        except Exception as e:  # noqa: BLE001 - the kind of error is what is checked
            outcomes[n] = e

    threads = [threading.Thread(target=window, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [n for n, o in outcomes.items() if isinstance(o, summaries.Saved)]
    refused = [o for o in outcomes.values() if isinstance(o, StaleDraft)]
    assert len(won) == 1 and len(refused) == 5, outcomes
    final = summaries.active_draft(practice, DANA, CLIENT)
    assert final.text.endswith(f"window {won[0]}") and final.revision == d.revision + 1


def test_update_undo_and_stale_windows(practice):
    d = start(practice)
    updated = summaries.update(practice, DANA, d.id, d.text, "focus on risk", base_revision=d.revision)
    with pytest.raises(StaleDraft):
        summaries.update(practice, RUTH, d.id, d.text + "\nmine", "shorter", base_revision=d.revision)
    with pytest.raises(StaleDraft):
        summaries.undo(practice, RUTH, d.id, base_revision=d.revision)
    with pytest.raises(StaleDraft):
        summaries.sign(practice, DANA, d.id, password=PASSWORDS["dana"], base_revision=d.revision)
    assert summaries.active_draft(practice, DANA, CLIENT).revision == updated.revision


def test_undo_and_redo_restore_the_whole_version(practice):
    d = start(practice)
    generated = d.current_version
    updated = summaries.update(practice, DANA, d.id, d.text, "focus on risk", base_revision=d.revision)
    refined = updated.current_version
    assert refined.kind == "refined" and refined.generation.generated_at > generated.generation.generated_at

    back = summaries.undo(practice, DANA, d.id, base_revision=updated.revision)
    assert (back.text, back.generation, back.citations) == (generated.text, generated.generation, generated.citations)
    assert back.changed_at >= updated.changed_at and back.can_redo and back.undone == {refined.number}
    again = summaries.redo(practice, DANA, d.id, base_revision=back.revision)
    assert (again.text, again.generation, again.citations) == (refined.text, refined.generation, refined.citations)
    assert not again.can_redo

    back = summaries.undo(practice, DANA, d.id, base_revision=again.revision)
    signed = summaries.sign(practice, DANA, d.id, password=PASSWORDS["dana"], base_revision=back.revision)
    assert signed.text == generated.text and signed.citations == generated.citations
    assert signed.generation == generated.generation and signed.update_rounds == 0
    actions = [e.action for e in summaries.audit_log(practice, RUTH, CLIENT)]
    assert actions[:5] == ["sign", "undo", "redo", "undo", "update"]


def test_an_edit_after_undo_keeps_the_undone_versions(practice):
    d = start(practice)
    updated = summaries.update(practice, DANA, d.id, d.text, "shorter", base_revision=d.revision)
    back = summaries.undo(practice, DANA, d.id, base_revision=updated.revision)
    edited = summaries.save(practice, DANA, d.id, back.text + "\nAfter undo.", base_revision=back.revision)
    now = summaries.active_draft(practice, DANA, CLIENT)
    assert [v.kind for v in now.versions] == ["generated", "refined", "edited"]
    assert now.text.endswith("After undo.") and now.revision == edited.revision
    assert now.current_version.based_on == 1 and not now.can_redo
    # The undone Update is still there, and can be made current again.
    restored = summaries.restore(practice, DANA, d.id, 2, base_revision=now.revision)
    assert restored.text == updated.text and restored.update_rounds == 1


def test_edits_to_a_draft_signed_elsewhere_say_who_signed_it(practice):
    d = start(practice)
    summaries.sign(practice, DANA, d.id, password=PASSWORDS["dana"], base_revision=d.revision)
    with pytest.raises(DraftClosed, match=r"signed by Dana Whitfield at \d\d:\d\d:\d\d.*was not saved"):
        summaries.save(practice, RUTH, d.id, d.text + "\ntyped in another window", base_revision=d.revision)


def test_edits_to_a_discarded_draft_say_so(practice):
    d = start(practice)
    summaries.discard(practice, RUTH, d.id, base_revision=d.revision)
    with pytest.raises(DraftClosed, match="discarded by Ruth Abernathy"):
        summaries.save(practice, DANA, d.id, d.text + "\nmore", base_revision=d.revision)


def test_drafts_from_before_versions_carried_their_details_migrate(tmp_path):
    """A database written before migration 7 keeps its open draft, with generation and citations per version."""
    path = tmp_path / "old.duckdb"
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
    for version, sql in MIGRATIONS:
        if version < 7:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?)", [version])
    con.execute("INSERT INTO clinicians VALUES ('K01', 'Dana Whitfield', 'LCSW')")
    con.execute(
        "INSERT INTO clients (id, full_name, first_name, last_name, date_of_birth) "
        "VALUES ('C1', 'A B', 'A', 'B', DATE '1990-01-01')"
    )
    gen = (
        '{"engine": "offline", "model": "rules", "prompt_version": "p1", "generated_at": "2026-01-02T03:04:05", '
        '"duration_ms": 5}'
    )
    con.execute(
        "INSERT INTO drafts VALUES ('D1', 'C1', DATE '2026-01-01', DATE '2026-02-01', '', '[]', [], 'dana', "
        'TIMESTAMP \'2026-02-02 10:00:00\', 2, ?, \'[{"paragraph": 0, "item_ids": ["A1"]}]\')',
        [gen],
    )
    for n, kind in ((1, "generated"), (2, "edited")):
        con.execute(
            "INSERT INTO draft_versions VALUES ('D1', ?, ?, NULL, ?, TIMESTAMP '2026-02-02 10:00:00', "
            "TIMESTAMP '2026-02-02 10:00:00')",
            [n, kind, f"text {n}"],
        )
    con.close()
    store = Store(path)
    draft = store.draft("D1")
    assert draft.text == "text 2" and draft.revision == 1 and draft.undo_target == 1
    assert all(v.generation.prompt_version == "p1" and v.citations[0].item_ids == ("A1",) for v in draft.versions)
    store.close()
