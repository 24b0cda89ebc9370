"""The mutation benchmark of the claim checker runs, and every operator injects an error into some
demo draft without breaking the draft's structure. No recall is asserted: figures belong to the
benchmark (bench/mutations.py), not to the tests."""

from __future__ import annotations

import shutil

import pytest

from bench import mutations
from core.config import Settings
from core.service import Practice

from .conftest import ANCHOR


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_db_template):
    path = tmp_path_factory.mktemp("mutations") / "demo.duckdb"
    shutil.copy(demo_db_template, path)
    p = Practice.open(Settings(db_path=path), today=lambda: ANCHOR)
    yield p
    p.store.close()


@pytest.fixture(scope="module")
def pool(demo):
    return mutations.clean_drafts(demo)


def test_every_operator_applies_and_keeps_the_sections(pool):
    assert pool and all(isinstance(d.text, str) and d.text for d in pool)
    made = mutations.mutate(pool)
    chosen = set(mutations.cover(pool, made, mutations.QUICK_CLIENTS))
    quick = [m for m in made if m.draft.client_id in chosen]
    assert {m.operator for m in quick} == set(mutations.OPERATORS)  # the quick sample has every error type
    for m in made:
        assert isinstance(m.text, str) and m.description
        assert mutations.headings(m.text) == mutations.headings(m.draft.text), (m.operator, m.draft.key)
        if m.operator == "citation moved":  # the text stays; what it cites does not
            assert m.text == m.draft.text and m.citations != m.draft.citations
        else:
            assert m.text != m.draft.text, (m.operator, m.draft.key)
        blocks = len(mutations.blocks_of(m.text))
        assert all(0 <= c.paragraph < blocks for c in m.citations)


def test_the_quick_benchmark_runs(pool):
    res = mutations.run(quick=True, pool=pool)
    assert res["clients"] == mutations.QUICK_CLIENTS and res["drafts"] > 0
    assert set(res["operators"]) == set(mutations.OPERATORS)
    assert all(r["applicable"] > 0 for r in res["operators"].values())
    assert res["false_alarms"]["sentences"] > 0
    assert "overall" in mutations.report(res)
