"""Source selection for one client and range (core.sources.select + require_sufficient), against
baselines: the code before this benchmark's changes (eight queries per selection), the same data in
arrival order (as a practice writes it, before Store.compact()), and SQLite with indexes.

Every variant runs the same core.sources code; only the store behind it differs, so each figure is
the full path a page pays: SQL, row conversion and the Selection the engines get.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, cast

from core import course, risk, sources
from core.errors import InsufficientInformation
from core.models import Assessment, Chart, Client, Diagnosis, Medication, Note, Plan
from core.store import BaseStore as Store
from core.store.chart import RangeSources

from .common import sample, stats_ms

RANGE_DAYS = (91, 182, 365)  # the app's presets: last 3, 6 and 12 months


@dataclass(frozen=True)
class Case:
    client_id: str
    start: date
    end: date


def cases(store: Store, n: int, seed: int = 11) -> list[Case]:
    """n random clients, each with a preset range ending at the client's last chart entry (a summary
    of the latest care, as a clinician would ask for it)."""
    rng = random.Random(seed)
    with store._cursor() as cur:
        rows = cur.execute(
            "SELECT client_id, max(note_date) FROM notes GROUP BY client_id ORDER BY client_id"
        ).fetchall()
    picked = rng.sample(rows, min(n, len(rows)))
    return [Case(cid, last - timedelta(days=rng.choice(RANGE_DAYS)), last) for cid, last in picked]


def select_and_check(store, case: Case, today: date) -> sources.Selection | None:
    """A selection read from the database (the store's memory of reads left out: a miss, by construction)."""
    rng = sources.validate_range(case.start, case.end, today)
    try:
        return sources.require_sufficient(sources._select(store, case.client_id, rng, ""))
    except InsufficientInformation:
        return None


def hits(store, case_list: list[Case], today: date) -> dict:
    """sources.select made again for a range it has made (the preview, Generate, the checks and every rerun of
    a draft select the same range): served from the store's memory until the chart changes."""
    timings: list[tuple[float, float]] = []
    for case in case_list:
        first = sources.select(store, case.client_id, case.start, case.end, today=today)
        again: list = []
        timings += sample(
            lambda _i: again.append(sources.select(store, case.client_id, case.start, case.end, today=today)), 5, 0
        )
        assert all(x is first for x in again)
    return {**stats_ms(timings), "entries": len(store.memo), "text_bytes": store.memo.bytes}


# -- the code before: eight statements per selection ------------------------------------------------

LEGACY_NOTE_COLUMNS = (
    "n.id, n.client_id, n.note_type, n.note_format, n.note_date, n.title, c.display_name, n.signed_at, n.text"
)
LEGACY_PLAN_COLUMNS = (
    "p.id, p.client_id, p.effective_from, p.effective_to, p.status, p.problems, p.goals, "
    "p.objectives, p.interventions, c.display_name"
)


def _assessment(r) -> Assessment:
    r = list(r)
    r[5] = tuple(r[5]) if r[5] is not None else None
    return Assessment(*r)


def _plan(r) -> Plan:
    r = list(r)
    for i in (5, 6, 7, 8):
        r[i] = tuple(r[i])
    return Plan(*r)


class _Reads(Protocol):
    """The three reads a ThreeReads subclass provides."""

    def range_items(self, client_id: str, start: date, end: date) -> Chart: ...

    def excluded_note_counts(self, client_id: str, start: date, end: date) -> dict[str, int]: ...

    def baseline_assessments(self, client_id: str, before: date) -> list[Assessment]: ...

    def history_assessments(self, client_id: str, before: date) -> list[Assessment]: ...

    def plans_before(self, client_id: str, before: date) -> list[Plan]: ...

    def diagnoses_resolved_before(self, client_id: str, before: date) -> list[Diagnosis]: ...


class ThreeReads:
    """range_sources as three separate reads (items, excluded counts, baselines), as sources.select
    made them before."""

    def range_sources(self: _Reads, client_id: str, start: date, end: date) -> RangeSources:
        return RangeSources(
            self.range_items(client_id, start, end),
            self.excluded_note_counts(client_id, start, end),
            tuple(self.baseline_assessments(client_id, start)),
            tuple(self.history_assessments(client_id, start)),
            tuple(self.plans_before(client_id, start)),
            resolved_before=tuple(self.diagnoses_resolved_before(client_id, start)),
        )


class LegacyChart(ThreeReads):
    """The chart reads as core/store/chart.py had them (commit 1f68a9d), on a store's connection."""

    def __init__(self, store: Store):
        self.store = store

    def notes_before(self, client_id: str, start: date) -> tuple[Note, ...]:
        return self.store.notes_before(client_id, start)  # a read added after that commit: the current one

    def range_items(self, client_id: str, start: date, end: date) -> Chart:
        client = self.store.client(client_id)
        p = {"c": client_id, "s": start, "e": end}
        with self.store._cursor() as cur:
            diagnoses = cur.execute(
                """SELECT * FROM diagnoses WHERE client_id = $c AND onset <= $e
                   AND (resolved IS NULL OR resolved >= $s) ORDER BY onset, id""",
                p,
            ).fetchall()
            assessments = cur.execute(
                """SELECT * FROM assessments WHERE client_id = $c AND administered_on BETWEEN $s AND $e
                   ORDER BY administered_on, instrument, id""",
                p,
            ).fetchall()
            plans = cur.execute(
                f"""SELECT {LEGACY_PLAN_COLUMNS} FROM treatment_plans p LEFT JOIN clinicians c ON c.id = p.author_id
                    WHERE p.client_id = $c AND p.effective_from <= $e
                    AND (p.effective_to IS NULL OR p.effective_to >= $s)
                    ORDER BY p.effective_from, p.id""",
                p,
            ).fetchall()
            notes = cur.execute(
                f"""SELECT {LEGACY_NOTE_COLUMNS} FROM notes n LEFT JOIN clinicians c ON c.id = n.author_id
                    WHERE n.client_id = $c AND n.note_date BETWEEN $s AND $e
                    AND n.note_type IN ('intake', 'progress') AND n.signed_at IS NOT NULL
                    ORDER BY n.note_date, n.id""",
                p,
            ).fetchall()
            meds = cur.execute(
                """SELECT * FROM medications WHERE client_id = $c AND start_date <= $e
                   AND (end_date IS NULL OR end_date >= $s) ORDER BY start_date, id""",
                p,
            ).fetchall()
        return Chart(
            client,
            tuple(Diagnosis(*r) for r in diagnoses),
            tuple(map(_assessment, assessments)),
            tuple(map(_plan, plans)),
            tuple(Note(*r) for r in notes),
            tuple(Medication(*r) for r in meds),
        )

    def excluded_note_counts(self, client_id: str, start: date, end: date) -> dict[str, int]:
        with self.store._cursor() as cur:
            rows = cur.execute(
                """SELECT CASE WHEN note_type IN ('intake', 'progress') THEN 'unsigned' ELSE note_type END AS kind,
                          count(*)
                   FROM notes WHERE client_id = $c AND note_date BETWEEN $s AND $e
                   AND (note_type IN ('administrative', 'cancellation', 'clinical') OR signed_at IS NULL)
                   GROUP BY kind""",
                {"c": client_id, "s": start, "e": end},
            ).fetchall()
        return dict(rows)

    def baseline_assessments(self, client_id: str, before: date) -> list[Assessment]:
        with self.store._cursor() as cur:
            rows = cur.execute(
                """SELECT * FROM assessments WHERE client_id = ? AND administered_on < ?
                   QUALIFY row_number() OVER (PARTITION BY instrument ORDER BY administered_on DESC, id DESC) = 1
                   ORDER BY instrument""",
                [client_id, before],
            ).fetchall()
        return [_assessment(r) for r in rows]

    def history_assessments(self, client_id: str, before: date) -> list[Assessment]:
        with self.store._cursor() as cur:
            rows = cur.execute(
                """SELECT * FROM assessments WHERE client_id = ? AND administered_on < ?
                   ORDER BY administered_on, instrument, id""",
                [client_id, before],
            ).fetchall()
        return [_assessment(r) for r in rows]

    def diagnoses_resolved_before(self, client_id: str, before: date) -> list[Diagnosis]:
        """Diagnoses resolved before the range (a read added after that commit)."""
        with self.store._cursor() as cur:
            rows = cur.execute(
                "SELECT * FROM diagnoses WHERE client_id = ? AND resolved < ? ORDER BY onset, id", [client_id, before]
            ).fetchall()
        return [Diagnosis(*r) for r in rows]

    def plans_before(self, client_id: str, before: date) -> list[Plan]:
        """Plan versions that ended before the range (a read added after that commit)."""
        with self.store._cursor() as cur:
            rows = cur.execute(
                f"""SELECT {LEGACY_PLAN_COLUMNS} FROM treatment_plans p LEFT JOIN clinicians c ON c.id = p.author_id
                    WHERE p.client_id = ? AND p.effective_to < ? ORDER BY p.effective_from, p.id""",
                [client_id, before],
            ).fetchall()
        return [_plan(r) for r in rows]


# -- the row-store lower bound --------------------------------------------------------------------------


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _day(value: str) -> date:
    """A NOT NULL date column: copied from DuckDB, so never empty."""
    return cast(date, _d(value))


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SqliteChart(ThreeReads):
    """The same reads on the SQLite copy (indexes on client_id and date), same models out."""

    def __init__(self, path):
        self.con = sqlite3.connect(str(path), check_same_thread=False)

    def close(self) -> None:
        self.con.close()

    def client(self, client_id: str) -> Client:
        r = self.con.execute("SELECT * FROM clients WHERE id = ?", [client_id]).fetchone()
        r = list(r)
        r[4], r[12] = _d(r[4]), _d(r[12])
        return Client(*r)

    def range_items(self, client_id: str, start: date, end: date) -> Chart:
        client = self.client(client_id)
        s, e = start.isoformat(), end.isoformat()
        q = self.con.execute
        diagnoses = [
            Diagnosis(r[0], r[1], r[2], r[3], r[4], _day(r[5]), _d(r[6]))
            for r in q(
                """SELECT * FROM diagnoses WHERE client_id = ? AND onset <= ? AND (resolved IS NULL OR resolved >= ?)
               ORDER BY onset, id""",
                [client_id, e, s],
            )
        ]
        assessments = [
            self._assessment(r)
            for r in q(
                """SELECT * FROM assessments WHERE client_id = ? AND administered_on BETWEEN ? AND ?
               ORDER BY administered_on, instrument, id""",
                [client_id, s, e],
            )
        ]
        plans = [
            self._plan(r)
            for r in q(
                f"""SELECT {LEGACY_PLAN_COLUMNS} FROM treatment_plans p LEFT JOIN clinicians c ON c.id = p.author_id
                WHERE p.client_id = ? AND p.effective_from <= ? AND (p.effective_to IS NULL OR p.effective_to >= ?)
                ORDER BY p.effective_from, p.id""",
                [client_id, e, s],
            )
        ]
        notes = [
            Note(r[0], r[1], r[2], r[3], _day(r[4]), r[5], r[6], _ts(r[7]), r[8])
            for r in q(
                f"""SELECT {LEGACY_NOTE_COLUMNS} FROM notes n LEFT JOIN clinicians c ON c.id = n.author_id
                WHERE n.client_id = ? AND n.note_date BETWEEN ? AND ?
                AND n.note_type IN ('intake', 'progress') AND n.signed_at IS NOT NULL
                ORDER BY n.note_date, n.id""",
                [client_id, s, e],
            )
        ]
        meds = [
            Medication(r[0], r[1], r[2], r[3], _day(r[4]), _d(r[5]), r[6], r[7])
            for r in q(
                """SELECT * FROM medications WHERE client_id = ? AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)
               ORDER BY start_date, id""",
                [client_id, e, s],
            )
        ]
        return Chart(client, tuple(diagnoses), tuple(assessments), tuple(plans), tuple(notes), tuple(meds))

    def notes_before(self, client_id: str, start: date) -> tuple[Note, ...]:
        """The store's notes_before in SQLite: usable notes before the range, the risk and pacing ones by Python's regex."""
        rows = self.con.execute(
            f"""SELECT {LEGACY_NOTE_COLUMNS} FROM notes n LEFT JOIN clinicians c ON c.id = n.author_id
            WHERE n.client_id = ? AND n.note_date < ? AND n.note_type IN ('intake', 'progress')
            AND n.signed_at IS NOT NULL ORDER BY n.note_date, n.id""",
            [client_id, start.isoformat()],
        ).fetchall()
        notes = (Note(r[0], r[1], r[2], r[3], _day(r[4]), r[5], r[6], _ts(r[7]), r[8]) for r in rows)
        return tuple(
            n
            for n in notes
            if n.note_type == "intake" or risk.TOPIC.search(n.text) or course.NEXT_SESSION.search(n.text)
        )

    @staticmethod
    def _assessment(r) -> Assessment:
        return Assessment(r[0], r[1], r[2], _day(r[3]), r[4], tuple(json.loads(r[5])) if r[5] else None, r[6])

    @staticmethod
    def _plan(r) -> Plan:
        problems, goals, objectives, interventions = (tuple(json.loads(x)) for x in r[5:9])
        return Plan(r[0], r[1], _day(r[2]), _d(r[3]), r[4], problems, goals, objectives, interventions, r[9])

    def diagnoses_resolved_before(self, client_id: str, before: date) -> list[Diagnosis]:
        rows = self.con.execute(
            "SELECT * FROM diagnoses WHERE client_id = ? AND resolved < ? ORDER BY onset, id",
            [client_id, before.isoformat()],
        ).fetchall()
        return [Diagnosis(r[0], r[1], r[2], r[3], r[4], _day(r[5]), _d(r[6])) for r in rows]

    def plans_before(self, client_id: str, before: date) -> list[Plan]:
        rows = self.con.execute(
            f"""SELECT {LEGACY_PLAN_COLUMNS} FROM treatment_plans p LEFT JOIN clinicians c ON c.id = p.author_id
            WHERE p.client_id = ? AND p.effective_to < ? ORDER BY p.effective_from, p.id""",
            [client_id, before.isoformat()],
        ).fetchall()
        return [self._plan(r) for r in rows]

    def excluded_note_counts(self, client_id: str, start: date, end: date) -> dict[str, int]:
        return dict(
            self.con.execute(
                """SELECT CASE WHEN note_type IN ('intake', 'progress') THEN 'unsigned' ELSE note_type END AS kind, count(*)
               FROM notes WHERE client_id = ? AND note_date BETWEEN ? AND ?
               AND (note_type IN ('administrative', 'cancellation', 'clinical') OR signed_at IS NULL)
               GROUP BY kind""",
                [client_id, start.isoformat(), end.isoformat()],
            ).fetchall()
        )

    def baseline_assessments(self, client_id: str, before: date) -> list[Assessment]:
        rows = self.con.execute(
            """SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY instrument
                                                           ORDER BY administered_on DESC, id DESC) AS k
                              FROM assessments WHERE client_id = ? AND administered_on < ?)
               WHERE k = 1 ORDER BY instrument""",
            [client_id, before.isoformat()],
        ).fetchall()
        return [self._assessment(r[:7]) for r in rows]

    def history_assessments(self, client_id: str, before: date) -> list[Assessment]:
        rows = self.con.execute(
            """SELECT * FROM assessments WHERE client_id = ? AND administered_on < ?
               ORDER BY administered_on, instrument, id""",
            [client_id, before.isoformat()],
        ).fetchall()
        return [self._assessment(r[:7]) for r in rows]


# -- the benchmark ------------------------------------------------------------------------------------------


def run(variants: dict[str, object], case_list: list[Case], today: date, repeat: int = 1) -> dict:
    """Time each variant on every case; variants take turns per case so the machine's noise falls
    on all of them alike. Also checks that all variants select the same items."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    mismatches = 0
    for case in case_list:
        reference = None
        for name, store in variants.items():
            result: list = []
            timings[name] += sample(lambda _i: result.append(select_and_check(store, case, today)), repeat, warmup=0)
            sel = result[-1]
            key = (sel.item_ids, sel.excluded, tuple(b.id for b in sel.baseline)) if sel else None
            if reference is None:
                reference = key
            elif key != reference:
                mismatches += 1
    sufficient = sum(1 for c in case_list if select_and_check(next(iter(variants.values())), c, today) is not None)
    return {
        "variants": {name: stats_ms(t) for name, t in timings.items()},
        "cases": len(case_list),
        "sufficient": sufficient,
        "mismatches": mismatches,
    }
