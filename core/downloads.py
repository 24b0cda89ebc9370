"""Downloads by ticket: a PDF or a client's export leaves the server once, to the session that asked.

Streamlit's own download button keeps the file in its media store, served to anyone who holds its
address until a later cleanup (measured: still there 40 s after the browser closed). Instead, a
click asks core for a ticket (the session and the role are checked then), the browser fetches
`/download/<ticket>` from the app's own route (serve.py) within TICKET_SECONDS, and redeeming the
ticket checks the session again, renders the bytes, audits the download and forgets the ticket: a
second fetch of the same address finds nothing. The bytes are never stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import access, summaries
from .errors import NotFound
from .models import Actor
from .tickets import Ticket

if TYPE_CHECKING:
    from .service import Practice

TICKET_SECONDS = 10  # from the click to the browser's fetch (it starts at once); good for one fetch
KINDS = {
    "pdf": "download",
    "export": "export",
    "table": "quality_lab",
    "study": "quality_lab",
}  # ticket kind -> the action it needs
GONE = "This download link has expired or was already used. Go back to the app and click the button again."


@dataclass(frozen=True)
class Delivery:
    file_name: str
    mime: str
    data: bytes


def ticket(p: Practice, actor: Actor, kind: str, target: str) -> str:
    """A one-use ticket for the file; refused now (not at the fetch) if the session or role does not allow it."""
    client_id = summaries.get_summary(p, actor, target).client_id if kind == "pdf" else target
    access.require(p.store, actor, KINDS[kind], client_id)
    return p.tickets.add(Ticket(actor, kind, target, time.monotonic() + TICKET_SECONDS))


def table_ticket(p: Practice, actor: Actor, file_name: str, rows: Callable[[], list[dict]]) -> str:
    """A one-use ticket for a quality-lab table as CSV; `rows` runs at the fetch, through core's use cases."""
    access.require(p.store, actor, KINDS["table"])
    return p.tickets.add(Ticket(actor, "table", file_name, time.monotonic() + TICKET_SECONDS, rows))


def study_ticket(p: Practice, actor: Actor) -> str:
    """A one-use ticket for the pilot study's ZIP (core.study.export_study), made at the fetch."""
    access.require(p.store, actor, KINDS["study"])
    return p.tickets.add(Ticket(actor, "study", "study", time.monotonic() + TICKET_SECONDS))


def redeem(p: Practice, token: str) -> Delivery:
    """The file of a ticket, once: the session is checked again, the download audited by the renderer."""
    found = p.tickets.take(token)
    if found is None:
        raise NotFound(GONE)
    if found.kind == "table" and found.rows is not None:
        from . import evaluation

        access.require(p.store, found.actor, KINDS["table"])
        return Delivery(found.target, "text/csv", evaluation.to_csv(found.rows()).encode("utf-8"))
    if found.kind == "study":
        from . import study

        return Delivery(f"pilot-study-{p.today():%Y-%m-%d}.zip", "application/zip", study.export_study(p, found.actor))
    if found.kind == "pdf":
        from . import pdf  # loads PyMuPDF on the first download, not with every page

        s = summaries.get_summary(p, found.actor, found.target)
        return Delivery(
            f"treatment-summary-{s.client_id}-{s.range_end:%Y-%m-%d}.pdf",
            "application/pdf",
            pdf.summary_pdf(p, found.actor, found.target),
        )
    from . import export

    return Delivery(
        f"client-data-{found.target}.zip", "application/zip", export.export_client(p, found.actor, found.target)
    )
