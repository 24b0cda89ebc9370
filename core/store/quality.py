"""SQL of the quality lab: PDQI-9 ratings and evaluation runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields

from ..errors import Refused
from ..integrity import canonical
from ..models import Citation, EvalItem, EvalRun
from .dbapi import CONSTRAINT

PDQI_COLUMNS = (
    "up_to_date",
    "accurate",
    "thorough",
    "useful",
    "organized",
    "comprehensible",
    "succinct",
    "synthesized",
    "consistent",
)
RATING_COLUMNS = (
    "id",
    "target_kind",
    "target_id",
    "version",
    "client_id",
    "engine",
    "model",
    "prompt_version",
    "rater",
    "rated_at",
    *PDQI_COLUMNS,
    "comment",
)
ITEM_COLUMNS = (
    "id",
    "run_id",
    "client_id",
    "range_label",
    "range_start",
    "range_end",
    "status",
    "text",
    "citations",
    "metrics",
    "message",
)
BLIND_COLUMNS = (
    "id",
    "item_a",
    "item_b",
    "shown_first",
    "preferred",
    "reason",
    "rater",
    "rated_at",
    "rating_a",
    "rating_b",
)
RUN_COLUMNS = tuple(f.name for f in fields(EvalRun))
assert ITEM_COLUMNS == tuple(f.name for f in fields(EvalItem))


class QualityStore:
    """Ratings and evaluation runs (mixed into Store)."""

    _cursor: Callable
    _transaction: Callable
    _audit: Callable

    def add_rating(self, rating: dict, actor: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                f"INSERT INTO ratings ({', '.join(RATING_COLUMNS)}) VALUES ({', '.join('?' for _ in RATING_COLUMNS)})",
                [rating[c] for c in RATING_COLUMNS],
            )
            self._audit(  # chained like every entry
                cur,
                rating["rated_at"],
                actor,
                "rate",
                rating["client_id"],
                rating["target_id"] if rating["target_kind"] == "summary" else None,
                rating["target_id"] if rating["target_kind"] == "draft" else None,
                f"PDQI-9 on {rating['target_kind']} {rating['target_id']}",
            )

    def add_blind_rating(self, blind: dict, rating_a: dict, rating_b: dict, actor: str) -> None:
        """A blinded comparison's two ratings and its preference, all or nothing; a tester rates a pair once."""
        try:
            with self._transaction() as cur:
                for rating in (rating_a, rating_b):
                    cur.execute(
                        f"INSERT INTO ratings ({', '.join(RATING_COLUMNS)}) "
                        f"VALUES ({', '.join('?' for _ in RATING_COLUMNS)})",
                        [rating[c] for c in RATING_COLUMNS],
                    )
                row = blind | {"rating_a": rating_a["id"], "rating_b": rating_b["id"]}
                cur.execute(
                    f"INSERT INTO blind_ratings ({', '.join(BLIND_COLUMNS)}) VALUES ({', '.join('?' for _ in BLIND_COLUMNS)})",
                    [row[c] for c in BLIND_COLUMNS],
                )
                self._audit(
                    cur,
                    blind["rated_at"],
                    actor,
                    "rate",
                    rating_a["client_id"],
                    None,
                    None,
                    f"blinded PDQI-9 of {blind['item_a']} and {blind['item_b']}",
                )
        except CONSTRAINT as e:
            if "blind_ratings" in str(e) or "Duplicate" in str(e):
                raise Refused("You have already rated this pair; each tester rates a pair once.") from None
            raise

    def blind_ratings(self) -> list[dict]:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(BLIND_COLUMNS)} FROM blind_ratings ORDER BY rated_at, id").fetchall()
        return [dict(zip(BLIND_COLUMNS, r)) for r in rows]

    def ratings(self, target_kind: str | None = None, target_id: str | None = None) -> list[dict]:
        with self._cursor() as cur:
            rows = cur.execute(
                f"""SELECT {", ".join(RATING_COLUMNS)} FROM ratings
                    WHERE ($k IS NULL OR target_kind = $k) AND ($t IS NULL OR target_id = $t)
                    ORDER BY rated_at, id""",
                {"k": target_kind, "t": target_id},
            ).fetchall()
        return [dict(zip(RATING_COLUMNS, r)) for r in rows]

    def add_eval_run(self, run: EvalRun, items: list[EvalItem]) -> None:
        with self._transaction() as cur:
            cur.execute(
                f"INSERT INTO eval_runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' for _ in RUN_COLUMNS)})",
                [getattr(run, c) for c in RUN_COLUMNS],
            )
            for item in items:
                self._put_item(cur, item)

    @staticmethod
    def _put_item(cur, item: EvalItem) -> None:
        citations = (
            None
            if item.citations is None
            else [{"paragraph": c.paragraph, "item_ids": list(c.item_ids)} for c in item.citations]
        )
        json_values = {"citations": citations, "metrics": item.metrics}
        values = [
            (json.dumps(canonical(json_values[c])) if json_values[c] is not None else None)
            if c in json_values
            else getattr(item, c)
            for c in ITEM_COLUMNS
        ]
        cur.execute(
            f"INSERT INTO eval_items ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' for _ in ITEM_COLUMNS)}) "
            f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in ITEM_COLUMNS if c != 'id')}",
            values,
        )

    def complete_eval_run(self, run_id: str, items: list[EvalItem]) -> None:
        """Results of a submitted batch arrived: store them and mark the run complete."""
        with self._transaction() as cur:
            for item in items:
                self._put_item(cur, item)
            cur.execute("UPDATE eval_runs SET status = 'complete' WHERE id = ?", [run_id])

    def eval_runs(self) -> list[EvalRun]:
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {', '.join(RUN_COLUMNS)} FROM eval_runs ORDER BY created_at DESC, id"
            ).fetchall()
        return [EvalRun(*r) for r in rows]

    def eval_item(self, item_id: str) -> EvalItem | None:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM eval_items WHERE id = ?", [item_id]).fetchall()
        return self._items(rows)[0] if rows else None

    def eval_items(self, run_id: str) -> list[EvalItem]:
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {', '.join(ITEM_COLUMNS)} FROM eval_items WHERE run_id = ? ORDER BY client_id, range_label",
                [run_id],
            ).fetchall()
        return self._items(rows)

    @staticmethod
    def _items(rows) -> list[EvalItem]:
        out = []
        for r in rows:
            item = dict(zip(ITEM_COLUMNS, r))
            citations = json.loads(item["citations"]) if item["citations"] is not None else None
            item["citations"] = (
                None
                if citations is None
                else tuple(
                    Citation(c["paragraph"], tuple(c["item_ids"]), tuple((q[0], q[1]) for q in c.get("quotes", ())))
                    for c in citations
                )
            )
            item["metrics"] = json.loads(item["metrics"]) if item["metrics"] is not None else None
            out.append(EvalItem(**item))
        return out
