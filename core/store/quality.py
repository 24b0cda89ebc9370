"""SQL of the quality lab: PDQI-9 ratings and evaluation runs."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..integrity import canonical

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


class QualityStore:
    """Ratings and evaluation runs (mixed into Store)."""

    _cursor: Callable
    _transaction: Callable

    def add_rating(self, rating: dict, actor: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                f"INSERT INTO ratings ({', '.join(RATING_COLUMNS)}) VALUES ({', '.join('?' for _ in RATING_COLUMNS)})",
                [rating[c] for c in RATING_COLUMNS],
            )
            cur.execute(
                "INSERT INTO audit_log (occurred_at, actor, action, client_id, summary_id, draft_id, detail) "
                "VALUES (?, ?, 'rate', ?, ?, ?, ?)",
                [
                    rating["rated_at"],
                    actor,
                    rating["client_id"],
                    rating["target_id"] if rating["target_kind"] == "summary" else None,
                    rating["target_id"] if rating["target_kind"] == "draft" else None,
                    f"PDQI-9 on {rating['target_kind']} {rating['target_id']}",
                ],
            )

    def ratings(self, target_kind: str | None = None, target_id: str | None = None) -> list[dict]:
        with self._cursor() as cur:
            rows = cur.execute(
                f"""SELECT {", ".join(RATING_COLUMNS)} FROM ratings
                    WHERE ($k IS NULL OR target_kind = $k) AND ($t IS NULL OR target_id = $t)
                    ORDER BY rated_at, id""",
                {"k": target_kind, "t": target_id},
            ).fetchall()
        return [dict(zip(RATING_COLUMNS, r)) for r in rows]

    def add_eval_run(self, run: dict, items: list[dict]) -> None:
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO eval_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run["id"],
                    run["created_at"],
                    run["created_by"],
                    run["engine"],
                    run["model"],
                    run["prompt_version"],
                    run["label"],
                    run["status"],
                    run.get("batch_id"),
                ],
            )
            for item in items:
                self._put_item(cur, item)

    @staticmethod
    def _put_item(cur, item: dict) -> None:
        values = [
            json.dumps(canonical(item[c])) if c in ("citations", "metrics") and item[c] is not None else item[c]
            for c in ITEM_COLUMNS
        ]
        cur.execute(
            f"INSERT OR REPLACE INTO eval_items ({', '.join(ITEM_COLUMNS)}) VALUES "
            f"({', '.join('?' for _ in ITEM_COLUMNS)})",
            values,
        )

    def complete_eval_run(self, run_id: str, items: list[dict]) -> None:
        """Results of a submitted batch arrived: store them and mark the run complete."""
        with self._transaction() as cur:
            for item in items:
                self._put_item(cur, item)
            cur.execute("UPDATE eval_runs SET status = 'complete' WHERE id = ?", [run_id])

    def eval_runs(self) -> list[dict]:
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT id, created_at, created_by, engine, model, prompt_version, label, status, "
                "batch_id FROM eval_runs ORDER BY created_at DESC, id"
            ).fetchall()
        keys = ("id", "created_at", "created_by", "engine", "model", "prompt_version", "label", "status", "batch_id")
        return [dict(zip(keys, r)) for r in rows]

    def eval_item(self, item_id: str) -> dict | None:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM eval_items WHERE id = ?", [item_id]).fetchall()
        return self._items(rows)[0] if rows else None

    def eval_items(self, run_id: str) -> list[dict]:
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {', '.join(ITEM_COLUMNS)} FROM eval_items WHERE run_id = ? ORDER BY client_id, range_label",
                [run_id],
            ).fetchall()
        return self._items(rows)

    @staticmethod
    def _items(rows) -> list[dict]:
        out = []
        for r in rows:
            item = dict(zip(ITEM_COLUMNS, r))
            for c in ("citations", "metrics"):
                item[c] = json.loads(item[c]) if item[c] is not None else None
            out.append(item)
        return out
