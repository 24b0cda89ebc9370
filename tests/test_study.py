"""The pilot study's statistics: blinded comparisons saved and revealed only then, preferences with
a Wilson interval and a sign test, PDQI-9 differences with t intervals, and Krippendorff's alpha,
checked against published values."""

from __future__ import annotations

import numpy as np
import pytest

from core import evaluation, ratings, study
from core.errors import InvalidInput, Refused
from core.models import Actor

PIA = Actor("pia", "Pia Tester", ("pilot_tester",))
LEE = Actor("lee", "Lee Tester", ("pilot_tester",))
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06")
CLIENTS = ["C1001", "C1002", "C1003"]
ALL = {k: 4 for k, _, _ in ratings.PDQI9}


def test_statistics_match_published_values():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units, missing values.
    nan = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    import krippendorff

    assert round(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), 3) == 0.743
    assert round(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"), 3) == 0.849
    # Newcombe (1998), Statistics in Medicine 17:857, example: 81 of 263, Wilson interval 0.2553 to 0.3662.
    w = study.wilson(81, 263)
    assert (round(w.low, 4), round(w.high, 4)) == (0.2553, 0.3662)
    # The exact sign test: 9 of 10 one way is p = 2 * 11 / 1024.
    assert study.sign_test(9, 10) == pytest.approx(2 * 11 / 1024)
    i = study.mean_interval([1.0, 2.0, 3.0, 4.0])  # mean 2.5, sd 1.291, t(0.975, 3) = 3.182
    assert (round(i.low, 3), round(i.high, 3)) == (0.446, 4.554)


@pytest.fixture
def two_runs(practice):
    a = evaluation.evaluate(practice, RUTH, "offline", CLIENTS, label="A")
    b = evaluation.evaluate(practice, RUTH, "offline", CLIENTS, label="B")
    return practice, a, b


def scores(n: int) -> dict[str, int]:
    return {k: n for k, _, _ in ratings.PDQI9}


def test_a_blinded_pair_hides_its_runs_until_saved_and_then_says_which_was_which(two_runs):
    p, a, b = two_runs
    task = study.next_blind(p, PIA, a, b)
    assert task is not None and task.done == 0 and task.total == 6  # 3 clients x 2 windows
    for hidden in (a, b, "offline", "rules-v1", "offline-2"):
        assert hidden not in task.first_text + task.second_text
    assert a not in task.key and b not in task.key
    revealed = study.save_blind(p, PIA, a, b, task.key, scores(5), scores(3), "first", "Draft 1 names the relapse.")
    assert {revealed.first.id, revealed.second.id} == {a, b} and revealed.preferred == "first"
    r = study.results(p, PIA, a, b)
    winner = "a" if revealed.first.id == a else "b"
    assert (r.prefer_a, r.prefer_b) == ((1, 0) if winner == "a" else (0, 1))
    diff = r.items[0].difference.estimate
    assert diff == (2 if winner == "a" else -2)  # A - B, whichever order A was shown in
    c = evaluation.evaluate(p, RUTH, "offline", CLIENTS, label="C")
    other = study.next_blind(p, PIA, a, c)  # a pair of run A with a third run counts only there
    study.save_blind(p, PIA, a, c, other.key, scores(1), scores(1), "second", "Another comparison.")
    assert study.results(p, PIA, a, b).pairs == 1 and study.results(p, PIA, a, c).pairs == 1
    flipped = study.results(p, PIA, b, a)  # the same ratings, runs picked the other way round
    assert (flipped.prefer_a, flipped.prefer_b) == (r.prefer_b, r.prefer_a)
    assert flipped.items[0].difference.estimate == -diff
    assert study.next_blind(p, PIA, a, b).done == 1
    assert study.next_blind(p, LEE, a, b).done == 0  # each tester rates every pair
    with pytest.raises(Refused, match="already rated this pair"):  # the database refuses a second rating
        study.save_blind(p, PIA, a, b, task.key, scores(1), scores(1), "second", "Changed my mind.")
    assert study.results(p, PIA, a, b).pairs == 1


def test_a_refused_blinded_rating_saves_nothing(two_runs):
    p, a, b = two_runs
    task = study.next_blind(p, PIA, a, b)
    half = dict(list(scores(4).items())[:5])
    with pytest.raises(InvalidInput, match="Draft 2: Comprehensible"):
        study.save_blind(p, PIA, a, b, task.key, scores(4), half, "none", "Equal.")
    with pytest.raises(InvalidInput, match="reason"):
        study.save_blind(p, PIA, a, b, task.key, scores(4), scores(4), "none", "  ")
    assert study.results(p, PIA, a, b).pairs == 0 and not ratings.ratings(p, PIA, "eval")


def a_shown_first(p, rater, a, b, key) -> bool:
    """Which way round a pair was shown: what the tester sees, and the test must know to act on it."""
    items_b = {(i.client_id, i.range_label): i for i in evaluation.run(p, RUTH, b)[1]}
    for x in evaluation.run(p, RUTH, a)[1]:
        y = items_b.get((x.client_id, x.range_label))
        if y is not None and study._key(rater.id, x, y) == key:
            return study._a_first(rater.id, x, y)
    raise AssertionError("no pair has that key")


def test_preferences_over_many_pairs_give_an_interval_and_a_sign_test(two_runs):
    p, a, b = two_runs
    for _ in range(6):  # Pia rates A higher and prefers it, wherever it is shown
        task = study.next_blind(p, PIA, a, b)
        if a_shown_first(p, PIA, a, b, task.key):
            study.save_blind(p, PIA, a, b, task.key, scores(4), scores(3), "first", "Draft 1 is clearer.")
        else:
            study.save_blind(p, PIA, a, b, task.key, scores(3), scores(4), "second", "Draft 2 is clearer.")
    for _ in range(3):
        task = study.next_blind(p, LEE, a, b)
        study.save_blind(p, LEE, a, b, task.key, scores(3), scores(3), "none", "No difference.")
    r = study.results(p, RUTH, a, b)
    assert (r.pairs, r.prefer_a, r.prefer_b, r.no_preference) == (9, 6, 0, 3)
    assert r.share_a.estimate == 1.0 and round(r.share_a.low, 3) == 0.61  # Wilson, 6 of 6
    assert r.sign_test_p == pytest.approx(2 / 64)  # exact: both tails of 6 of 6
    assert "Run A is preferred more often than chance" in r.verdict
    accurate = next(i for i in r.items if i.item == "Accurate")
    assert accurate.mean_a > accurate.mean_b and accurate.difference.low > 0


def test_agreement_per_item_flags_where_raters_disagree(two_runs):
    p, a, b = two_runs
    items = [i for i in evaluation.run(p, RUTH, a)[1] if i.status == "drafted"]
    for n, item in enumerate(items):
        pia = {k: 1 + (n % 5) for k, _, _ in ratings.PDQI9}
        lee = dict(pia, succinct=5 - (n % 5))  # agree on all but succinct, where they run opposite
        ratings.rate(p, PIA, "eval", item.id, pia)
        ratings.rate(p, LEE, "eval", item.id, lee)
    found = {x.item: x for x in study.agreement(p, RUTH)}
    assert found["Accurate"].alpha == pytest.approx(1.0) and not found["Accurate"].disagree
    assert found["Succinct"].alpha < 0 and found["Succinct"].disagree
    assert found["Accurate"].targets == len(items) and found["Accurate"].raters == 2


def test_a_study_exports_as_one_zip_whose_every_row_says_its_run(two_runs):
    import csv
    import io
    import json
    import zipfile

    from core import downloads

    p, a, b = two_runs
    task = study.next_blind(p, PIA, a, b)
    study.save_blind(p, PIA, a, b, task.key, scores(4), scores(2), "first", "Draft 1 is complete.")
    item = next(i for i in evaluation.run(p, RUTH, a)[1] if i.status == "drafted")
    ratings.rate(p, LEE, "eval", item.id, scores(3))
    delivery = downloads.redeem(p, downloads.study_ticket(p, RUTH))
    assert delivery.mime == "application/zip" and delivery.file_name.startswith("pilot-study-")
    z = zipfile.ZipFile(io.BytesIO(delivery.data))
    assert set(z.namelist()) == set(study.STUDY_FILES) | {"manifest.json", "README.txt"}
    manifest = json.loads(z.read("manifest.json"))
    table = {n: list(csv.DictReader(io.StringIO(z.read(n).decode()))) for n in study.STUDY_FILES}
    for name, info in manifest["files"].items():
        assert info["rows"] == len(table[name])
    assert {r["run_id"] for r in manifest["runs"]} == {a, b}
    assert len(table["drafts.csv"]) == 12 and all(r["run_id"] in (a, b) and r["engine"] for r in table["drafts.csv"])
    rated = [r for r in table["ratings.csv"] if r["target_kind"] == "eval"]
    assert len(rated) == 3 and all(r["run_id"] in (a, b) for r in rated)
    assert sum(r["blinded"] == "yes" for r in rated) == 2
    [blind] = table["blinded.csv"]
    assert (blind["run_a"], blind["run_b"], blind["reason"]) == (a, b, "Draft 1 is complete.")
    assert {blind["total_a"], blind["total_b"]} == {"36", "18"}
    readme = z.read("README.txt").decode()
    assert all(f"{name}: a row is" in readme for name in study.STUDY_FILES)
    assert any(e.action == "export" and "pilot study" in e.detail for e in p.store.audit_entries())
