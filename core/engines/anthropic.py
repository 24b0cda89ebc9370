"""The AI engine: drafts with Claude through the official SDK (the only module that imports it)."""

from __future__ import annotations

import email.utils
import queue
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from datetime import UTC, datetime
from typing import Any, TypeVar

import anthropic
import httpx2
from anthropic.types import Message

from ..config import Settings
from ..errors import (
    ConsentRequired,
    EngineBusy,
    EngineError,
    EngineNotConfigured,
    EngineRejected,
    EngineUnreachable,
    InvalidInput,
    SourcesTooLarge,
)
from ..models import Citation, Draft, Generation
from ..safety import neutralize_markdown
from ..sources import Selection
from ..text import attribute
from .base import TextSink, missing_sections
from .prompts import MAX_TOKENS, PROMPT_VERSION, SOURCE_TOKEN_BUDGET, Request, build_request

TIMEOUT_SECONDS = 120.0  # per read: the longest silence allowed (the time limit bounds a whole call)
CONNECT_TIMEOUT_SECONDS = 10.0
MAX_RETRIES = 2  # the SDK's own retries, with backoff and retry-after: 408, 409, 429, 5xx, 529, connection errors
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")  # the separator of core.text.paragraphs
TRUNCATED = "*The AI draft stopped at its length limit here; any sections after this point are missing.*"
UNCHANGED = "Your draft is unchanged."
UNREADABLE = (
    "The AI service sent an answer the app could not read. Try again; if it keeps happening, use the "
    "offline engine and tell your administrator. " + UNCHANGED
)
WEB_PAGE = (
    "Could not reach the AI service: a web page answered instead (such as a Wi-Fi sign-in page or a proxy's "
    "error page). Check the network connection, sign in to it in a browser if it asks, and try again; the "
    "offline engine works without a connection. " + UNCHANGED
)
UNREADABLE_RESULT = "The AI service's result for this request could not be read."
BATCH_STATUSES = ("in_progress", "canceling", "ended")  # a batch's processing_status
T = TypeVar("T")

NO_KEY = (
    "The AI engine cannot be used: no API key configured; the offline engine is available (it drafts on "
    "this computer and nothing leaves the practice). To use the AI engine, ask your administrator to set "
    "ANTHROPIC_API_KEY."
)
NO_CONSENT = (
    "This client has not consented to AI-assisted documentation, so nothing was sent to the AI engine. "
    "The offline engine remains available: it drafts on this computer and nothing leaves the practice. "
    "Record the client's consent in the chart before using the AI engine."
)


class AnthropicEngine:
    """Streams a draft from Claude with the chart items as cited, cached documents."""

    name = "anthropic"
    prompt_version = PROMPT_VERSION

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str,
        *,
        max_tokens: int = MAX_TOKENS,
        budget: int = SOURCE_TOKEN_BUDGET,
        time_limit_seconds: float = Settings.generation_seconds,
    ):
        self.client = client
        self.model = model
        self.label = f"AI draft (Anthropic {model})"
        self.max_tokens = max_tokens
        self.budget = budget
        # The longest one call to the service may take, retries and streaming included; the UI says it
        # before the clinician waits (core.engines.base.time_limit).
        self.time_limit_seconds = time_limit_seconds

    def __repr__(self) -> str:  # the client holds the key: never part of a repr
        return f"AnthropicEngine(model={self.model!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        client: anthropic.Anthropic | None = None,
        http_client: httpx2.Client | None = None,
        timeout: float = TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
        **options,
    ) -> AnthropicEngine:
        """The engine for the configured key, model and base URL (a gateway); tests hand in an
        `http_client` with a fake transport, or a ready `client`."""
        if client is None:
            if not settings.anthropic_api_key:
                raise EngineNotConfigured(NO_KEY)
            # An explicit key also stops the SDK from looking for credentials files of its own.
            client = anthropic.Anthropic(
                api_key=settings.anthropic_api_key,
                base_url=settings.anthropic_base_url,
                timeout=anthropic.Timeout(timeout, connect=CONNECT_TIMEOUT_SECONDS),
                max_retries=max_retries,
                http_client=http_client,
            )
        return cls(client, settings.anthropic_model, time_limit_seconds=settings.generation_seconds, **options)

    def generate(self, selection: Selection, on_text: TextSink | None = None) -> Draft:
        return self._draft(selection, "generate", None, None, on_text)

    def refine(
        self, selection: Selection, current_text: str, instruction: str, on_text: TextSink | None = None
    ) -> Draft:
        if not instruction.strip():
            raise InvalidInput("Write what the update should change, for example 'shorter' or 'focus on risk'.")
        return self._draft(selection, "refine", current_text, instruction, on_text)

    def _draft(self, selection: Selection, kind, current_text, instruction, on_text) -> Draft:
        if not selection.client.ai_consent_on:
            raise ConsentRequired(NO_CONSENT)
        request = build_request(
            selection, kind, current_text, instruction, model=self.model, max_tokens=self.max_tokens, budget=self.budget
        )
        started = time.perf_counter()
        stream_out = ParagraphStream(on_text)
        message: Message | None = None
        # Only the service's answer is translated: an error of on_text (the UI's) passes as it is.
        with closing(self._guarded(lambda client: stream_draft(client, request.body))) as answer:
            for item in answer:
                if isinstance(item, str):
                    stream_out.feed(item)
                else:
                    message = item
        if message is None:  # stream_draft ends with the message or raises
            raise EngineBusy(UNREADABLE)
        stream_out.close()
        if message.stop_reason == "max_tokens":
            stream_out.emit(TRUNCATED)
        return self._to_draft(message, request, selection, started)

    def _guarded(self, produce: Callable[[anthropic.Anthropic], Generator[T]]) -> Generator[T]:
        """What `produce` yields from a client held to the time limit, read in a helper thread: a
        connection gone silent holds up only that thread, so the clinician hears within the limit
        whatever the network does. Every failure arrives as an EngineError."""
        deadline = Deadline(self.time_limit_seconds)
        client = self.client.with_middleware(Guard(deadline, self.client.timeout))
        box: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

        def run() -> None:
            items = produce(client)
            try:
                for item in items:
                    box.put((True, item))
                box.put((False, None))
            except Exception as e:  # anything reading an untrusted answer raised, translated here
                box.put((False, failure(e, deadline, self.model, self.client.timeout)))
            finally:
                items.close()

        threading.Thread(target=run, name="anthropic-call", daemon=True).start()
        try:
            while True:
                try:
                    more, value = box.get(timeout=deadline.remaining())
                except queue.Empty:
                    raise over_time(deadline.seconds) from None
                if not more:
                    if value is not None:
                        raise value
                    return
                yield value
        finally:
            deadline.stop()  # the helper sends nothing more and ends at its next read

    def _ask(self, ask: Callable[[anthropic.Anthropic], T]) -> T:
        """One answer from the service, within the time limit."""

        def once(client: anthropic.Anthropic) -> Generator[T]:
            yield ask(client)

        with closing(self._guarded(once)) as answers:
            return next(answers)

    def _to_draft(self, message, request: Request, selection: Selection, started: float) -> Draft:
        """A finished message (streamed or from a batch) as a draft with per-paragraph citations."""
        paragraphs, citations = assemble(message.content, request)
        if message.stop_reason == "max_tokens":
            paragraphs.append(TRUNCATED)
        if not paragraphs:
            raise EngineError(
                "The AI engine returned no draft text. Try again, or use the offline engine. " + UNCHANGED
            )
        text = "\n\n".join(paragraphs) + "\n"
        missing = missing_sections(text)
        if missing and message.stop_reason != "max_tokens":
            raise EngineError(
                "The AI engine's draft lacks required sections (" + ", ".join(missing) + "), so it was not used. "
                "Try again, or use the offline engine. " + UNCHANGED
            )
        if not citations:  # a response without citations still gets its sources, found by the text
            citations = attribute(text, [i for i in selection.items if i.id in request.document_ids])
        usage = message.usage
        generation = Generation(
            engine=self.name,
            model=message.model or self.model,
            prompt_version=PROMPT_VERSION,
            generated_at=datetime.now(UTC).replace(tzinfo=None),
            duration_ms=round((time.perf_counter() - started) * 1000),
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_input_tokens,
            cache_write_tokens=usage.cache_creation_input_tokens,
            label=self.label,
        )
        return Draft(text, citations, generation, request.omitted_ids)

    # -- Message Batches (evaluation runs at half the cost) ---------------------------------------------

    def _request(self, selection: Selection) -> Request:
        if not selection.client.ai_consent_on:
            raise ConsentRequired(NO_CONSENT)
        return build_request(
            selection, "generate", None, None, model=self.model, max_tokens=self.max_tokens, budget=self.budget
        )

    def submit_batch(self, jobs: dict[str, Selection]) -> str:
        """Submit one draft request per job (custom id -> selection) through the Message Batches API;
        results are collected later with collect_batch. Returns the batch id."""
        # Plain dicts in the API's shape (prompts.py builds bodies without SDK types).
        requests: list[Any] = [{"custom_id": job_id, "params": self._request(sel).body} for job_id, sel in jobs.items()]

        def create(client: anthropic.Anthropic) -> str:
            batch_id = getattr(client.messages.batches.create(requests=requests), "id", None)
            if not isinstance(batch_id, str) or not batch_id:  # the run could never be collected
                raise Unreadable("the created batch has no id")
            return batch_id

        return self._ask(create)

    def collect_batch(self, batch_id: str, jobs: dict[str, Selection]) -> dict[str, Draft | str] | None:
        """The drafts of a finished batch (or, per job, why there is none); None while it is processing."""

        def fetch(client: anthropic.Anthropic) -> list[Any] | None:
            status = getattr(client.messages.batches.retrieve(batch_id), "processing_status", None)
            if status not in BATCH_STATUSES:  # else an odd answer would leave the run pending for ever
                raise Unreadable(f"processing_status {status!r}")
            return list(client.messages.batches.results(batch_id)) if status == "ended" else None

        entries = self._ask(fetch)
        if entries is None:
            return None
        out: dict[str, Draft | str] = {}
        for entry in entries:
            job_id = getattr(entry, "custom_id", None)
            if isinstance(job_id, str) and job_id in jobs:
                out[job_id] = self._batch_draft(getattr(entry, "result", None), jobs[job_id])
        return out

    def _batch_draft(self, result: Any, selection: Selection) -> Draft | str:
        """One batch result as a draft, or why there is none."""
        kind = getattr(result, "type", None)
        if kind == "succeeded":
            try:
                message = readable(getattr(result, "message", None))
                return self._to_draft(message, self._request(selection), selection, time.perf_counter())
            except Unreadable:
                return UNREADABLE_RESULT
            except EngineError as e:
                return e.message
        if not isinstance(kind, str):
            return UNREADABLE_RESULT
        detail = getattr(getattr(getattr(result, "error", None), "error", None), "message", None)
        return f"The request {kind}" + (f": {detail}" if isinstance(detail, str) else ".")


# -- from the response to a draft ------------------------------------------------------------------


def tidy(paragraph: str) -> str:
    """One paragraph of model output made safe to render, kept one paragraph (citations count them)."""
    return PARAGRAPH_BREAK.sub("\n", neutralize_markdown(paragraph)).strip()


class ParagraphStream:
    """Passes each finished paragraph, made safe, to `on_text`: the same paragraphs the draft ends up
    with, and nothing half-written that could still turn into a link or an image."""

    def __init__(self, sink: TextSink | None):
        self.sink = sink
        self.buffer = ""

    def feed(self, chunk: str) -> None:
        if self.sink is None:
            return
        *done, self.buffer = PARAGRAPH_BREAK.split(self.buffer + chunk)
        for paragraph in done:
            self.emit(tidy(paragraph))

    def close(self) -> None:
        if self.sink is not None:
            self.emit(tidy(self.buffer))
        self.buffer = ""

    def emit(self, paragraph: str) -> None:
        if self.sink is not None and paragraph:
            self.sink(paragraph + "\n\n")


def assemble(content: list, request: Request) -> tuple[list[str], tuple[Citation, ...]]:
    """The draft's paragraphs and, for each, the chart items its cited text blocks point to.

    The API returns the text in blocks, each with the citations of its sentence(s); a paragraph
    cites every item cited by a block that overlaps it."""
    pieces: list[tuple[int, int, list[str], list[tuple[str, str]]]] = []
    raw = ""
    for block in content:
        if block.type != "text":
            continue
        valid = [
            c
            for c in block.citations or ()
            if isinstance(getattr(c, "document_index", None), int) and 0 <= c.document_index < len(request.document_ids)
        ]
        ids = [request.document_ids[c.document_index] for c in valid]
        quotes = [
            (request.document_ids[c.document_index], c.cited_text.strip())
            for c in valid
            if isinstance(getattr(c, "cited_text", None), str) and c.cited_text.strip()
        ]
        pieces.append((len(raw), len(raw) + len(block.text), ids, quotes))
        raw += block.text
    order = {item_id: n for n, item_id in enumerate(request.document_ids)}
    paragraphs: list[str] = []
    citations: list[Citation] = []
    start = 0
    for end, next_start in [(m.start(), m.end()) for m in PARAGRAPH_BREAK.finditer(raw)] + [(len(raw), len(raw))]:
        text = tidy(raw[start:end])
        if text:
            cited_ids = {i for s, e, cited, _ in pieces if s < end and e > start for i in cited}
            quoted = tuple(dict.fromkeys(q for s, e, _, qs in pieces if s < end and e > start for q in qs))
            if cited_ids and not text.startswith("#"):  # a heading states nothing to cite
                ordered = tuple(sorted(cited_ids, key=order.__getitem__))
                citations.append(Citation(len(paragraphs), ordered, quoted))
            paragraphs.append(text)
        start = next_start
    return paragraphs, tuple(citations)


# -- the answer read from the service, and the time it may take ----------------------------------------


def stream_draft(client: anthropic.Anthropic, body: dict) -> Generator[str | Message]:
    """The draft's text as it arrives, then the finished message (run in the helper thread)."""
    finished = False
    with client.messages.stream(**body) as stream:
        for event in stream:
            if event.type == "text":
                yield event.text
            finished = finished or event.type == "message_stop"
        if not finished:  # cut short by a proxy, or something else that speaks SSE
            raise Unreadable("the stream ended without message_stop")
        message = stream.get_final_message()
    yield readable(message)


def readable(message: object) -> Message:
    """`message` if it has the shape a draft is read from. The SDK builds streamed and batch messages
    without validating them, so a gateway's odd JSON would otherwise fail later, and less clearly."""
    content = getattr(message, "content", None)
    usage = getattr(message, "usage", None)
    tokens = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    if (
        isinstance(message, Message)
        and isinstance(content, list)
        and all(isinstance(getattr(b, "type", None), str) and isinstance(getattr(b, "text", ""), str) for b in content)
        and isinstance(getattr(message, "model", None), str | None)
        and usage is not None
        and all(isinstance(getattr(usage, name, None), int | None) for name in tokens)
    ):
        return message
    raise Unreadable("the message lacks what a draft is read from")


class Unreadable(Exception):
    """The service's answer is not in the shape the app reads."""


class WebPage(Exception):
    """A page meant for a browser answered in place of the API."""


class OutOfTime(Exception):
    """The call's time limit passed. Not an SDK error, so the SDK's retry loop never retries it."""


class Deadline:
    """The end of one call to the service on the monotonic clock, shared with the helper thread that
    makes the call; `stop()` ends it early, when the caller has stopped waiting."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.stopped = False

    def remaining(self) -> float:
        return 0.0 if self.stopped else max(0.0, self.ends - time.monotonic())

    def check(self) -> None:
        if self.remaining() <= 0:
            raise OutOfTime(f"{self.seconds:g} seconds")

    def stop(self) -> None:
        self.stopped = True


class Guard(anthropic.Middleware):
    """Inside the SDK's retry loop, once per attempt: no attempt starts after the deadline and none may
    outlast it (its timeouts are cut to the time left), a retry the service asks to wait longer for is
    not made, a streamed body stops at the deadline, and a web page is refused as an answer."""

    def __init__(self, deadline: Deadline, timeout: object):
        self.deadline = deadline
        self.timeout = timeout  # the client's, for a request that sets none of its own

    def handle(self, request: anthropic.APIRequest, call_next: anthropic.CallNext) -> anthropic.APIResponse[Any]:
        self.deadline.check()
        timeout = self.timeout if isinstance(request.timeout, anthropic.NotGiven) else request.timeout
        response = call_next(request.copy(timeout=cut_to(timeout, self.deadline.remaining())))
        http = response.http_response
        if is_web_page(http):
            http.close()
            raise WebPage(f"{http.status_code} {http.headers.get('content-type')}")
        if not http.is_success:
            if retry_wait(http.headers) >= self.deadline.remaining():
                http.headers["x-should-retry"] = "false"  # the SDK obeys it: the error now, not after the limit
        elif request.stream and isinstance(http.stream, httpx2.SyncByteStream):
            http.stream = DeadlineBody(http.stream, self.deadline)  # as the SDK's tracing wraps it
        return response


class DeadlineBody(httpx2.SyncByteStream):
    """A streamed body that stops at the deadline however slowly its bytes trickle in (a read's
    timeout bounds only the silence between them)."""

    def __init__(self, body: httpx2.SyncByteStream, deadline: Deadline):
        self.body = body
        self.deadline = deadline

    @property
    def elapsed(self) -> object:  # httpx2.Response.elapsed looks for it on the body
        return getattr(self.body, "elapsed", None)

    @property
    def stream_observer(self) -> object:  # the SDK's tracing looks for it on the body
        return getattr(self.body, "stream_observer", None)

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.deadline.check()
            yield chunk

    def close(self) -> None:
        self.body.close()


def cut_to(timeout: object, seconds: float) -> httpx2.Timeout:
    """The SDK's per-operation timeouts, none longer than `seconds`."""
    if not isinstance(timeout, httpx2.Timeout):
        timeout = httpx2.Timeout(timeout if isinstance(timeout, int | float) else None)
    limits = {name: seconds if value is None else min(value, seconds) for name, value in timeout.as_dict().items()}
    return httpx2.Timeout(**limits)


def retry_wait(headers: httpx2.Headers) -> float:
    """How long the SDK would wait before retrying, as the service asked (0 when it did not ask)."""
    for name, unit in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers.get(name, "")) * unit
        except ValueError:
            continue
    try:
        return email.utils.parsedate_to_datetime(headers.get("retry-after", "")).timestamp() - time.time()
    except (TypeError, ValueError):
        return 0.0


def is_web_page(response: httpx2.Response) -> bool:
    """A page for a browser, not the API's answer: a captive portal's sign-in (200, or 511 Network
    Authentication Required) or a proxy's block page. A 5xx page is a failing gateway: the SDK retries
    it and it is reported as a temporary problem."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    status = response.status_code
    return kind in ("text/html", "application/xhtml+xml") and (status < 500 or status == 511)


# -- errors a clinician can act on -------------------------------------------------------------------


def over_time(seconds: float) -> EngineUnreachable:
    return EngineUnreachable(
        f"The AI service did not finish within {seconds:g} seconds (the time limit), so the app stopped "
        f"waiting. Try again in a moment; a shorter date range is quicker, and the offline engine does not "
        f"depend on the network. {UNCHANGED}"
    )


def failure(e: Exception, deadline: Deadline, model: str, timeout: object) -> EngineError:
    """A failed call as the clinician's message; once the time limit has passed, the limit is the news
    (a timeout then is one the deadline cut short)."""
    error = over_time(deadline.seconds) if deadline.remaining() <= 0 else translate(e, model, timeout)
    error.__cause__ = e
    return error


def translate(e: Exception, model: str, timeout: object) -> EngineError:
    """The SDK's error (after its own retries), or whatever reading an odd answer raised, as a message
    for the clinician. An error inside the stream arrives with status 200, so the API's error type
    decides as much as the status does."""
    if isinstance(e, WebPage):
        return EngineUnreachable(WEB_PAGE)
    if isinstance(e, (anthropic.APITimeoutError, httpx2.TimeoutException)):
        seconds = timeout.read if isinstance(timeout, httpx2.Timeout) else timeout
        within = f" within {seconds:g} seconds" if isinstance(seconds, (int, float)) else " in time"
        return EngineUnreachable(
            f"The AI service did not answer{within}. Try again in a moment; a shorter date "
            f"range is quicker. {UNCHANGED}"
        )
    if isinstance(e, (anthropic.APIConnectionError, httpx2.TransportError)):
        return EngineUnreachable(
            "Could not reach the AI service (no connection to it or to the practice's "
            "gateway). Check the network and try again; the offline engine works without a "
            f"connection. {UNCHANGED}"
        )
    if not isinstance(e, anthropic.APIStatusError):  # Unreadable, bad JSON or UTF-8, events out of order...
        return EngineBusy(UNREADABLE)
    status, kind = e.status_code, e.type or ""
    detail = (e.api_message or "").lower()
    if status == 401 or kind == "authentication_error":
        return EngineRejected(
            "The AI service did not accept the configured API key. Ask your administrator to "
            f"check ANTHROPIC_API_KEY; the offline engine remains available. {UNCHANGED}"
        )
    if status == 403 or kind == "permission_error":
        return EngineRejected(
            f"The configured API key is not allowed to use the model {model}. Ask your "
            f"administrator to check the key's permissions; the offline engine remains "
            f"available. {UNCHANGED}"
        )
    if status == 404 or kind == "not_found_error":
        return EngineRejected(
            f"The AI service does not offer the model '{model}'. Ask your administrator to check "
            f"TS_MODEL; the offline engine remains available. {UNCHANGED}"
        )
    if status == 413 or kind == "request_too_large" or (status == 400 and "too long" in detail):
        return SourcesTooLarge(
            "The chart items in this range are too large to send to the AI service in one "
            "request. Choose a shorter date range or untick some items; the offline engine has "
            f"no such limit. {UNCHANGED}"
        )
    if status == 429 or kind == "rate_limit_error":
        return EngineBusy(
            "The AI service is receiving too many requests from this practice right now; try again "
            f"in a minute. {UNCHANGED}"
        )
    if status == 529 or kind == "overloaded_error":
        return EngineBusy(f"The AI service is busy right now; try again in a minute. {UNCHANGED}")
    if status >= 500 or kind == "api_error":
        return EngineBusy(f"The AI service had a temporary problem; try again in a few minutes. {UNCHANGED}")
    return EngineError(
        f"The AI service could not process this request ({kind or f'error {status}'}). "
        f"{UNCHANGED} If it happens again, use the offline engine and tell your administrator."
    )
