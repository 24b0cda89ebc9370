"""PDF of a signed two-page summary with its score chart: render time and file size.

Uses the PDF module's public call, core.pdf.summary_pdf(practice, actor, summary_id, created_at), which
verifies the hash and audits the download. Reports "not available" where core.pdf is not there yet.
"""

from __future__ import annotations

from datetime import datetime

from core import summaries
from core.service import Practice

from .common import sample, stats_ms
from .drafting import ACTOR
from .selection import Case


def available() -> str | None:
    """None when core.pdf can be used, else why not."""
    try:
        from core import pdf  # noqa: F401
    except ImportError as e:
        return f"core.pdf is not importable ({e})"
    if not hasattr(pdf, "summary_pdf"):
        return "core.pdf has no summary_pdf"
    return None


def pages(data: bytes) -> int | None:
    try:
        import io

        import pypdf

        return len(pypdf.PdfReader(io.BytesIO(data)).pages)
    except Exception:  # noqa: BLE001 - the page count is informative only
        return None


def run(targets: dict[str, tuple[Practice, Case]], renders: int) -> dict:
    why = available()
    if why:
        return {"available": False, "reason": why}
    from core import pdf

    created = datetime(2026, 7, 1, 12, 0)
    out: dict[str, object] = {"available": True}
    signed = {}
    for name, (p, case) in targets.items():
        draft = summaries.generate(
            p, ACTOR, case.client_id, case.start, case.end, "Transfer of care", replace_existing=True
        ).draft
        signed[name] = summaries.sign(p, ACTOR, draft.id)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    sizes = {}
    for i in range(renders):
        for name, (p, _) in targets.items():
            result: list[bytes] = []
            times[name] += sample(
                lambda _i: result.append(pdf.summary_pdf(p, ACTOR, signed[name].id, created)), 1, warmup=0 if i else 1
            )
            sizes[name] = result[-1]
    for name in targets:
        out[name] = {**stats_ms(times[name]), "bytes": len(sizes[name]), "pages": pages(sizes[name])}
    return out
