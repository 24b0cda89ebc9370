"""The AI engine: drafts with Claude through the official SDK (the only module that imports it)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import anthropic
import httpx2

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

TIMEOUT_SECONDS = 120.0  # per read while streaming, so a long draft is fine as long as text keeps coming
CONNECT_TIMEOUT_SECONDS = 10.0
MAX_RETRIES = 2  # the SDK's own retries, with backoff and retry-after: 408, 409, 429, 5xx, 529, connection errors
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")  # the separator of core.text.paragraphs
TRUNCATED = "*The AI draft stopped at its length limit here; any sections after this point are missing.*"
UNCHANGED = "Your draft is unchanged."

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
    ):
        self.client = client
        self.model = model
        self.label = f"AI draft (Anthropic {model})"
        self.max_tokens = max_tokens
        self.budget = budget

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
        return cls(client, settings.anthropic_model, **options)

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
        try:
            with self.client.messages.stream(**request.body) as stream:
                for event in stream:
                    if event.type == "text":
                        stream_out.feed(event.text)
                message = stream.get_final_message()
        # Once the stream has started, a stalled or dropped connection surfaces as httpx2's own error.
        except (anthropic.AnthropicError, httpx2.TransportError) as e:
            raise translate(e, self.model, self.client.timeout) from e
        stream_out.close()
        if message.stop_reason == "max_tokens":
            stream_out.emit(TRUNCATED)
        return self._to_draft(message, request, selection, started)

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
        try:
            return self.client.messages.batches.create(requests=requests).id
        except anthropic.AnthropicError as e:
            raise translate(e, self.model, self.client.timeout) from e

    def collect_batch(self, batch_id: str, jobs: dict[str, Selection]) -> dict[str, Draft | str] | None:
        """The drafts of a finished batch (or, per job, why there is none); None while it is processing."""
        try:
            if self.client.messages.batches.retrieve(batch_id).processing_status != "ended":
                return None
            entries = list(self.client.messages.batches.results(batch_id))
        except anthropic.AnthropicError as e:
            raise translate(e, self.model, self.client.timeout) from e
        out: dict[str, Draft | str] = {}
        for entry in entries:
            selection = jobs.get(entry.custom_id)
            if selection is None:
                continue
            if entry.result.type != "succeeded":
                error = getattr(getattr(entry.result, "error", None), "error", None)
                out[entry.custom_id] = f"The request {entry.result.type}" + (f": {error.message}" if error else ".")
                continue
            try:
                out[entry.custom_id] = self._to_draft(
                    entry.result.message, self._request(selection), selection, time.perf_counter()
                )
            except EngineError as e:
                out[entry.custom_id] = e.message
        return out


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
    pieces: list[tuple[int, int, list[str]]] = []
    raw = ""
    for block in content:
        if block.type != "text":
            continue
        ids = [
            request.document_ids[c.document_index]
            for c in block.citations or ()
            if isinstance(getattr(c, "document_index", None), int) and 0 <= c.document_index < len(request.document_ids)
        ]
        pieces.append((len(raw), len(raw) + len(block.text), ids))
        raw += block.text
    order = {item_id: n for n, item_id in enumerate(request.document_ids)}
    paragraphs: list[str] = []
    citations: list[Citation] = []
    start = 0
    for end, next_start in [(m.start(), m.end()) for m in PARAGRAPH_BREAK.finditer(raw)] + [(len(raw), len(raw))]:
        text = tidy(raw[start:end])
        if text:
            cited_ids = {i for s, e, cited in pieces if s < end and e > start for i in cited}
            if cited_ids and not text.startswith("#"):  # a heading states nothing to cite
                citations.append(Citation(len(paragraphs), tuple(sorted(cited_ids, key=order.__getitem__))))
            paragraphs.append(text)
        start = next_start
    return paragraphs, tuple(citations)


# -- errors a clinician can act on -------------------------------------------------------------------


def translate(e: Exception, model: str, timeout: object) -> EngineError:
    """The SDK's error (after its own retries) as a message for the clinician. An error inside the
    stream arrives with status 200, so the API's error type decides as much as the status does."""
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
    if not isinstance(e, anthropic.APIStatusError):
        return EngineError(f"The AI service sent a response the app could not read. Try again. {UNCHANGED}")
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
