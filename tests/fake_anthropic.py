"""A hand-written fake of the Messages API at the HTTP level: canned SSE streams and error responses,
served through httpx2.MockTransport (in process) or a tiny loopback HTTP server (for the CLI), and
loopback gateways that misbehave on the wire: silent, trickling, or going quiet mid-stream.

The real SDK builds the requests, parses the stream, retries and maps errors; only the wire is fake."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2

from core.engines.base import SECTIONS

MODEL = "claude-sonnet-4-6"
USAGE = {"input_tokens": 1200, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def cite(document_index: int, cited_text: str = "cited sentence") -> dict:
    """A plain-text document citation as the API sends it."""
    return {
        "type": "char_location",
        "cited_text": cited_text,
        "document_index": document_index,
        "document_title": None,
        "start_char_index": 0,
        "end_char_index": len(cited_text),
    }


def message_events(
    blocks: list[tuple[str, list[dict]]],
    *,
    usage: dict | None = None,
    output_tokens: int = 321,
    stop_reason: str = "end_turn",
    chunk: int = 7,
    model: str = MODEL,
    complete: bool = True,
) -> list[dict]:
    """The events of one streamed message: a text block per (text, citations), the citations first
    (as the API sends them) and the text in small deltas so paragraphs break across chunks. With
    `complete`, a last block adds the required sections the given text lacks, as a model's draft
    has them all (the engine refuses a draft without them)."""
    if complete and stop_reason != "max_tokens":
        given = "".join(text for text, _ in blocks)
        rest = [s for s in SECTIONS if f"## {s}" not in given]
        if rest:
            tail = "".join(f"\n\n## {s}\n\nNot documented in the sources for this range." for s in rest)
            blocks = [*blocks, (tail + "\n", [])]
    events = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {**USAGE, **(usage or {})},
            },
        }
    ]
    for index, (text, citations) in enumerate(blocks):
        start = {"type": "text", "text": ""}
        if citations:
            start["citations"] = []
        events.append({"type": "content_block_start", "index": index, "content_block": start})
        events += [
            {"type": "content_block_delta", "index": index, "delta": {"type": "citations_delta", "citation": c}}
            for c in citations
        ]
        events += [
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "text_delta", "text": text[i : i + chunk]},
            }
            for i in range(0, len(text), chunk)
        ]
        events.append({"type": "content_block_stop", "index": index})
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        }
    )
    events.append({"type": "message_stop"})
    return events


def sse(events: list[dict]) -> bytes:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def stream_response(events: list[dict]) -> httpx2.Response:
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=sse(events))


def error_response(status: int, kind: str, message: str = "fake error") -> httpx2.Response:
    # retry-after-ms keeps the SDK's own retry waits to a millisecond in tests.
    return httpx2.Response(
        status,
        headers={"retry-after-ms": "1", "request-id": "req_fake"},
        json={"type": "error", "error": {"type": kind, "message": message}},
    )


class FakeMessagesAPI:
    """Answers each request with the next responder (the last one repeats) and keeps every request."""

    def __init__(self, *responders: Callable[[httpx2.Request], httpx2.Response] | list[dict]):
        self.responders = [r if callable(r) else (lambda _req, events=r: stream_response(events)) for r in responders]
        self.requests: list[httpx2.Request] = []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.responders[min(len(self.requests), len(self.responders)) - 1](request)

    @property
    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def http_client(self) -> httpx2.Client:
        return httpx2.Client(transport=self.transport)

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]


@contextmanager
def serve(events: list[dict]) -> Iterator[tuple[str, list[dict]]]:
    """A loopback HTTP server that answers POST /v1/messages with the canned stream; yields its base
    URL and the list of request bodies it received."""
    received: list[dict] = []
    body = sse(events)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            if self.path.split("?")[0] != "/v1/messages":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- gateways that misbehave on the wire (loopback sockets, for the time limit) -----------------------

SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
Answer = Callable[[socket.socket, threading.Event], None]


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def say_nothing(_conn: socket.socket, stop: threading.Event) -> None:
    """Accept the request and never answer (a gateway stuck upstream)."""
    stop.wait()


def trickle(first: bytes = b"", drip: bytes = b":", every: float = 0.2, for_seconds: float | None = None) -> Answer:
    """Send SSE headers and `first`, then `drip` every `every` seconds: for ever, or for `for_seconds`
    and then nothing more (the connection left open and silent)."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(SSE_HEAD + (chunk(first) if first else b""))
        ends = None if for_seconds is None else time.monotonic() + for_seconds
        while not stop.wait(every) and (ends is None or time.monotonic() < ends):
            conn.sendall(chunk(drip))
        stop.wait()

    return answer


def read_request(conn: socket.socket) -> bool:
    """Read one HTTP request (headers and a content-length body); False if the client went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            return False
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    needed = int(lengths[0]) if lengths else 0
    while len(body) < needed:
        more = conn.recv(65536)
        if not more:
            return False
        body += more
    return True


@contextmanager
def misbehaving_gateway(answer: Answer) -> Iterator[tuple[str, list[float]]]:
    """A loopback server that reads each request and lets `answer` write to the raw socket; yields
    its base URL and the monotonic time each request arrived (to show no request came late)."""
    arrivals: list[float] = []
    stop = threading.Event()
    conns: list[socket.socket] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)  # so the accepting thread sees `stop`: closing a socket does not wake accept()

    def handle(conn: socket.socket) -> None:
        try:
            if read_request(conn):
                arrivals.append(time.monotonic())
                answer(conn, stop)
        except OSError:  # the client gave up and closed the connection
            pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            conns.append(conn)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", arrivals
    finally:
        stop.set()
        server.close()
        for conn in conns:
            conn.close()
