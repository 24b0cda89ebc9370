"""The app's one route of its own (mounted by serve.py): GET /download/<ticket> serves a ticket's
file once (see core.downloads)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from core import downloads
from core.errors import UserError

from .common import practice

ROUTE = "/download/{ticket}"


async def serve(request: Request) -> Response:
    """GET /download/<ticket>: the file, once; anything else is 404 with what to do."""
    try:
        file = await run_in_threadpool(downloads.redeem, practice(), request.path_params["ticket"])
    except UserError as e:
        return PlainTextResponse(e.message, status_code=404, headers={"Cache-Control": "no-store"})
    return Response(
        file.data,
        media_type=file.mime,
        headers={
            "Content-Disposition": f'attachment; filename="{file.file_name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
