"""The AI engine against a gateway that misbehaves, through the real SDK: malformed event streams, web
pages in place of the API, odd Message Batches answers, and gateways that are silent or trickle, held
to the time limit of a generation (Settings.generation_seconds)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx2
import pytest

from core import summaries
from core.config import Settings
from core.engines import get_engine
from core.engines.anthropic import AnthropicEngine
from core.engines.base import time_limit
from core.engines.offline import OfflineEngine
from core.errors import EngineBusy, EngineUnreachable
from core.models import Actor
from tests.fake_anthropic import (
    FakeMessagesAPI,
    error_response,
    message_events,
    misbehaving_gateway,
    say_nothing,
    sse,
    trickle,
)
from tests.test_anthropic_engine import DRAFT, KEY, engine, whole
from tests.test_batch_eval import BATCH, FakeBatchAPI

UNREADABLE = "The AI service sent an answer the app could not read. Try again; if it keeps happening"
WEB_PAGE = "Could not reach the AI service: a web page answered instead"
PORTAL = b"<!doctype html><html><body><h1>Welcome to Guest Wi-Fi</h1><a href='/login'>Sign in</a></body></html>"
PING = sse([{"type": "ping"}])
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")


def streamed(body: bytes):
    return lambda _request: httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def events_then(extra: bytes, cut: int = 3) -> bytes:
    """A good stream with `extra` bytes after its first `cut` events."""
    events = message_events(DRAFT)
    return sse(events[:cut]) + extra + sse(events[cut:])


# -- malformed event streams ------------------------------------------------------------------------

MALFORMED = {
    "garbage between events": events_then(b"\xff\xfe<<proxy buffer overrun>>\x00\n\n"),
    "an event with invalid JSON": events_then(
        b'event: content_block_delta\ndata: {"type": "content_block_delta", \n\n'
    ),
    "an event that is not an object": events_then(b"event: content_block_delta\ndata: [1, 2]\n\n"),
    "a delta for a block that never started": events_then(
        b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 7, '
        b'"delta": {"type": "text_delta", "text": "x"}}\n\n'
    ),
    "text before message_start": sse(message_events(DRAFT)[1:]),
    "no message_stop at the end": sse(message_events(DRAFT)[:-1]),
    "cut off before the message ends": sse(message_events(DRAFT)[:-2]),
    "an empty body": b"",
    "a message_start without usage": sse(
        [{"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant", "content": []}}]
        + message_events(DRAFT)[1:]
    ),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_stream_is_an_error_the_clinician_can_act_on(practice, tmp_path, body):
    fake = FakeMessagesAPI(streamed(body))
    with pytest.raises(EngineBusy, match=UNREADABLE) as caught:
        engine(fake, tmp_path).generate(whole(practice, "Zoë Ñúñez"))
    assert caught.value.message.endswith("Your draft is unchanged.") and caught.value.__cause__ is not None
    assert len(fake.requests) == 1  # the SDK does not resend a request whose answer it started reading


def test_an_unknown_event_type_mid_stream_is_skipped(practice, tmp_path):
    """The API may add event types (its versioning policy says to ignore unknown ones), so a draft
    with one still arrives whole."""
    body = events_then(b'event: thinking_aloud\ndata: {"type": "thinking_aloud", "note": 1}\n\n', cut=5)
    draft = engine(FakeMessagesAPI(streamed(body)), tmp_path).generate(whole(practice, "Zoë Ñúñez"))
    assert draft.text.startswith("## Identifying context")


def test_a_malformed_update_leaves_the_draft_exactly_as_it_was(practice, tmp_path):
    fake = FakeMessagesAPI(message_events(DRAFT), streamed(MALFORMED["garbage between events"]))
    practice.engines["anthropic"] = engine(fake, tmp_path)
    today = practice.today()
    draft = summaries.generate(
        practice, DANA, "C1001", today - timedelta(days=182), today, "Case consultation", engine="anthropic"
    ).draft
    before = summaries.active_draft(practice, DANA, "C1001")
    with pytest.raises(EngineBusy, match="Your draft is unchanged"):
        summaries.update(practice, DANA, draft.id, draft.text + " edited", "shorter", base_revision=None)
    assert summaries.active_draft(practice, DANA, "C1001") == before and len(fake.requests) == 2


def test_an_error_of_the_text_sink_is_not_mistaken_for_the_services(practice, tmp_path):
    def broken_sink(_text):
        raise KeyError("the UI's own bug")

    with pytest.raises(KeyError, match="the UI's own bug"):
        engine(FakeMessagesAPI(message_events(DRAFT)), tmp_path).generate(whole(practice, "Zoë Ñúñez"), broken_sink)


# -- a web page in place of the API -----------------------------------------------------------------


@pytest.mark.parametrize(
    "status,content_type",
    [(200, "text/html"), (200, "text/html; charset=utf-8"), (403, "text/html"), (511, "text/html")],
    ids=["captive portal", "portal with charset", "proxy block page", "network authentication required"],
)
def test_a_web_page_is_reported_as_the_network_not_the_service(practice, tmp_path, status, content_type):
    fake = FakeMessagesAPI(lambda _r: httpx2.Response(status, headers={"content-type": content_type}, content=PORTAL))
    with pytest.raises(EngineUnreachable, match=WEB_PAGE) as caught:
        engine(fake, tmp_path, max_retries=2).generate(whole(practice, "Zoë Ñúñez"))
    assert "offline engine works without a connection" in caught.value.message
    assert "API key" not in caught.value.message  # a proxy's 403 page says nothing about the key
    assert len(fake.requests) == 1  # the same page would answer again


def test_a_redirect_to_a_sign_in_page_is_a_web_page(practice, tmp_path):
    def portal(request):
        if request.url.host == "portal.example":
            return httpx2.Response(200, headers={"content-type": "text/html"}, content=PORTAL)
        return httpx2.Response(302, headers={"location": "http://portal.example/login"})

    fake = FakeMessagesAPI(portal)
    settings = Settings(db_path=tmp_path / "unused.duckdb", anthropic_api_key=KEY)
    # The SDK's own HTTP client follows redirects, as this one does.
    client = httpx2.Client(transport=fake.transport, follow_redirects=True)
    with pytest.raises(EngineUnreachable, match=WEB_PAGE):
        AnthropicEngine.from_settings(settings, http_client=client).generate(whole(practice, "Zoë Ñúñez"))


def test_a_json_answer_to_a_streamed_request_is_unreadable(practice, tmp_path):
    fake = FakeMessagesAPI(lambda _r: httpx2.Response(200, json={"hello": "from a gateway"}))
    with pytest.raises(EngineBusy, match=UNREADABLE):
        engine(fake, tmp_path).generate(whole(practice, "Zoë Ñúñez"))


# -- the Message Batches path -----------------------------------------------------------------------

ENDED = {
    **BATCH,
    "processing_status": "ended",
    "results_url": "https://api.anthropic.com/v1/messages/batches/msgbatch_fake/results",
}


def batch_engine(fake, tmp_path, handler):
    """The engine on FakeBatchAPI, with `handler` answering first (None: the fake answers)."""

    def handle(request):
        return handler(request) or fake.handle(request)

    return AnthropicEngine.from_settings(
        Settings(db_path=tmp_path / "unused.duckdb", anthropic_api_key=KEY),
        http_client=httpx2.Client(transport=httpx2.MockTransport(handle)),
        max_retries=0,
    )


def html(_request):
    return httpx2.Response(200, headers={"content-type": "text/html"}, content=PORTAL)


def on_path(suffix, respond):
    return lambda request: respond(request) if request.url.path.endswith(suffix) else None


BATCH_FAULTS = {
    "create: a web page": ("submit", html, EngineUnreachable, WEB_PAGE),
    "create: invalid JSON": (
        "submit",
        lambda _r: httpx2.Response(200, headers={"content-type": "application/json"}, content=b"{nope"),
        EngineBusy,
        UNREADABLE,
    ),
    "create: no batch id": ("submit", lambda _r: httpx2.Response(200, json={}), EngineBusy, UNREADABLE),
    "retrieve: a web page": ("collect", html, EngineUnreachable, WEB_PAGE),
    "retrieve: no processing status": ("collect", lambda _r: httpx2.Response(200, json={}), EngineBusy, UNREADABLE),
    "results: a web page": ("collect", on_path("/results", html), EngineUnreachable, WEB_PAGE),
    "results: a line that is not JSON": (
        "collect",
        on_path("/results", lambda _r: httpx2.Response(200, content=b"<<garbage>>\n")),
        EngineBusy,
        UNREADABLE,
    ),
}


@pytest.mark.parametrize("call,handler,error,message", BATCH_FAULTS.values(), ids=BATCH_FAULTS.keys())
def test_an_odd_batch_answer_is_an_error_the_supervisor_can_act_on(practice, tmp_path, call, handler, error, message):
    fake = FakeBatchAPI()
    sel = whole(practice, "Zoë Ñúñez")
    fake.created = [{"custom_id": "job-1"}]
    fake.finish()
    ai = batch_engine(fake, tmp_path, handler)
    with pytest.raises(error, match=message) as caught:
        ai.submit_batch({"job-1": sel}) if call == "submit" else ai.collect_batch("msgbatch_fake", {"job-1": sel})
    assert caught.value.__cause__ is not None


def test_one_unreadable_batch_result_does_not_lose_the_others(practice, tmp_path):
    fake = FakeBatchAPI()
    sel = whole(practice, "Zoë Ñúñez")
    fake.created = [{"custom_id": "good"}]
    fake.finish()
    good = json.dumps(fake.result({"custom_id": "good"})).encode()
    odd = [
        {"custom_id": "odd-message", "result": {"type": "succeeded", "message": {"content": "not a list"}}},
        {"custom_id": "no-result"},
        {"custom_id": 42, "result": {"type": "succeeded"}},
    ]
    lines = b"\n".join([good, *(json.dumps(o).encode() for o in odd)]) + b"\n"
    ai = batch_engine(fake, tmp_path, on_path("/results", lambda _r: httpx2.Response(200, content=lines)))
    jobs = {"good": sel, "odd-message": sel, "no-result": sel}
    out = ai.collect_batch("msgbatch_fake", jobs)
    assert out is not None and out["good"].text.startswith("## Identifying context")
    assert out["odd-message"] == out["no-result"] == "The AI service's result for this request could not be read."


# -- the time limit of a generation -----------------------------------------------------------------

LIMIT = 1.5


def loopback_engine(base_url, tmp_path, limit=LIMIT):
    """The engine as configured in production (the SDK's own HTTP client, 120 s reads, 2 retries),
    with a short time limit."""
    settings = Settings(
        db_path=tmp_path / "unused.duckdb", anthropic_api_key=KEY, anthropic_base_url=base_url, generation_seconds=limit
    )
    return AnthropicEngine.from_settings(settings)


def timed_failure(ai, sel, on_text=None):
    started = time.monotonic()
    with pytest.raises(EngineUnreachable) as caught:
        ai.generate(sel, on_text)
    return time.monotonic() - started, caught.value.message


GATEWAYS = {
    "silent": say_nothing,
    "trickling bytes of no event": trickle(drip=b":", every=0.2),
    "trickling pings for ever": trickle(first=sse(message_events(DRAFT)[:2]), drip=PING, every=0.2),
}


@pytest.mark.parametrize("answer", GATEWAYS.values(), ids=GATEWAYS.keys())
def test_a_gateway_that_never_finishes_is_stopped_at_the_time_limit(practice, tmp_path, answer):
    sel = whole(practice, "Zoë Ñúñez")
    with misbehaving_gateway(answer) as (base_url, arrivals):
        elapsed, message = timed_failure(loopback_engine(base_url, tmp_path), sel)
        time.sleep(1.0)  # time for a retry, had the SDK been left to make one after the limit
    assert LIMIT - 0.1 <= elapsed < LIMIT + 3, elapsed
    assert message.startswith(f"The AI service did not finish within {LIMIT:g} seconds (the time limit)")
    assert message.endswith("Your draft is unchanged.")
    assert len(arrivals) == 1  # and no retry once the limit had passed


def test_a_stream_that_goes_quiet_just_before_the_limit_is_stopped_at_the_limit(practice, tmp_path):
    """Pings until just before the limit, then silence: each read may wait as long as the time left
    when the attempt began, so only a caller that stops waiting keeps to the limit."""
    limit = 2.0
    first = sse(message_events(DRAFT)[:6])  # the first paragraph, and the start of the next
    sel = whole(practice, "Zoë Ñúñez")
    chunks: list[str] = []
    with misbehaving_gateway(trickle(first=first, drip=PING, every=0.2, for_seconds=1.8)) as (base_url, _):
        elapsed, message = timed_failure(loopback_engine(base_url, tmp_path, limit), sel, chunks.append)
    assert limit - 0.1 <= elapsed < limit + 0.8, elapsed
    assert "did not finish within 2 seconds" in message
    assert chunks == ["## Identifying context\n\n"]  # shown while it streamed, and never kept


def test_a_retry_the_service_asks_to_wait_past_the_limit_fails_now(practice, tmp_path):
    fake = FakeMessagesAPI(lambda _r: httpx2.Response(429, headers={"retry-after": "600"}, json={}))
    started = time.monotonic()
    with pytest.raises(EngineBusy, match="too many requests"):
        engine(fake, tmp_path, max_retries=2).generate(whole(practice, "Zoë Ñúñez"))
    assert time.monotonic() - started < 5 and len(fake.requests) == 1


def test_a_retry_within_the_limit_is_still_made(practice, tmp_path):
    fake = FakeMessagesAPI(lambda _r: error_response(529, "overloaded_error"), message_events(DRAFT))
    draft = engine(fake, tmp_path, max_retries=2).generate(whole(practice, "Zoë Ñúñez"))
    assert len(fake.requests) == 2 and draft.text.startswith("## Identifying context")


def test_the_engine_tells_its_time_limit_before_anyone_waits(tmp_path):
    settings = Settings(db_path=tmp_path / "x.duckdb", anthropic_api_key=KEY, generation_seconds=45)
    assert time_limit(get_engine("anthropic", settings)) == 45.0
    assert time_limit(get_engine("anthropic", Settings(db_path=tmp_path / "x.duckdb", anthropic_api_key=KEY))) == 120
    assert time_limit(OfflineEngine()) is None


def test_the_time_limit_holds_for_batch_calls_too(practice, tmp_path):
    sel = whole(practice, "Zoë Ñúñez")
    with misbehaving_gateway(say_nothing) as (base_url, _):
        ai = loopback_engine(base_url, tmp_path)
        started = time.monotonic()
        with pytest.raises(EngineUnreachable, match="did not finish within 1.5 seconds"):
            ai.submit_batch({"job-1": sel})
    assert time.monotonic() - started < LIMIT + 3
