"""The Summary workspace rerun with a draft open (AppTest, in process), against a trivial page in the
same harness (AppTest's own cost) and the same workspace on the small demo database."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from core import auth
from ui import keys

from .common import sample, stats_ms
from .drafting import ACTOR

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL = "import streamlit as st\nst.title('Trivial page')\nst.write('Nothing to compute.')\n"


def _clear() -> None:
    import streamlit as st

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no runtime" notices outside a server
    st.cache_data.clear()
    st.cache_resource.clear()


def workspace(db: Path, client_id: str):
    from streamlit.testing.v1 import AppTest

    os.environ["TS_DB_PATH"] = str(db)
    _clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[keys.ACTOR] = ACTOR  # signed in, as the page would be
    at.session_state[keys.SIGNED_IN_AT] = auth.now()
    at.query_params["client"] = client_id
    at.query_params["tab"] = "Summary"
    at.switch_page("pages/client.py").run()
    if at.exception:
        raise RuntimeError(f"the workspace failed: {at.exception[0].message}")
    if not any(k.startswith("editor:") for k in at.session_state.keys()):
        raise RuntimeError("the workspace did not open the draft")
    return at


def edit(at, db: Path, key: str, draft_id: str, text: str):
    from core import summaries
    from ui.common import practice

    w = at.session_state[key]
    saved = summaries.save(practice(), ACTOR, draft_id, text, base_revision=w.revision)
    at.session_state[key] = dataclasses.replace(w, text=text, revision=saved.revision)
    return at


def trivial():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(TRIVIAL, default_timeout=60)
    at.run()
    return at


def run(targets: dict[str, tuple[Path, str]], reruns: int, rounds: int = 3) -> dict:
    """targets: name -> (database, client with an open draft). Rounds alternate the pages so the
    machine's noise falls on all of them alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    times |= {f"{name}, after an edit": [] for name in targets}
    times["trivial page"] = []
    first: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    previous = os.environ.get("TS_DB_PATH")
    try:
        for _ in range(rounds):
            for name, (db, client_id) in targets.items():
                holder: list = []
                first[name] += sample(lambda _i: holder.append(workspace(db, client_id)), 1, warmup=0)
                at = holder[0]
                times[name] += sample(lambda _i: at.run(), reruns, warmup=2)
                # Typing: the editor's save event is what its callback does (core save, the window's
                # new revision), then the rerun checks the new text.
                key = next(k for k in at.session_state.keys() if k.startswith("editor:"))
                draft_id, base = key.removeprefix("editor:"), at.session_state[key].text
                times[f"{name}, after an edit"] += sample(
                    lambda i: edit(at, db, key, draft_id, f"{base}\n\nEdit {len(times[name])}-{i}.").run(),
                    max(3, reruns // 2),
                    warmup=1,
                )
                if at.exception:
                    raise RuntimeError(f"the workspace failed on rerun: {at.exception[0].message}")
            at = trivial()
            times["trivial page"] += sample(lambda _i: at.run(), reruns, warmup=2)
    finally:
        _clear()
        if previous is None:
            os.environ.pop("TS_DB_PATH", None)
        else:
            os.environ["TS_DB_PATH"] = previous
    out = {name: stats_ms(t) for name, t in times.items()}
    for name, t in first.items():
        out[name]["first_run_p50_ms"] = stats_ms(t)["p50_ms"]
    return out
