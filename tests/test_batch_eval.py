"""Evaluation through the Message Batches API: submitted once, collected later, through the real SDK
against a fake batch endpoint (no network)."""

from __future__ import annotations

import json

import httpx2
import pytest

from core import evaluation
from core.config import Settings
from core.engines.anthropic import AnthropicEngine
from core.engines.base import SECTIONS
from core.errors import InvalidInput
from core.models import Actor, Citation
from tests.fake_anthropic import MODEL, USAGE, cite

KEY = "sk-ant-test-not-a-real-key-0123456789"
SUPERVISOR = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06")
BATCH = {
    "id": "msgbatch_fake",
    "type": "message_batch",
    "created_at": "2026-06-30T12:00:00Z",
    "expires_at": "2026-07-01T12:00:00Z",
    "request_counts": {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
}


class FakeBatchAPI:
    """Create, retrieve and results of one batch; 'ended' once `finish()` was called."""

    def __init__(self):
        self.created: list[dict] = []
        self.ended = False
        self.bodies: list[bytes] = []

    def finish(self):
        self.ended = True

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(request.content)
        path = request.url.path
        if request.method == "POST" and path == "/v1/messages/batches":
            self.created = json.loads(request.content)["requests"]
            return httpx2.Response(200, json={**BATCH, "processing_status": "in_progress"})
        if path == "/v1/messages/batches/msgbatch_fake":
            state = {
                "processing_status": "ended",
                "ended_at": "2026-06-30T13:00:00Z",
                "results_url": "https://api.anthropic.com/v1/messages/batches/msgbatch_fake/results",
            }
            return httpx2.Response(
                200, json={**BATCH, **(state if self.ended else {"processing_status": "in_progress"})}
            )
        if path == "/v1/messages/batches/msgbatch_fake/results":
            lines = [json.dumps(self.result(r)) for r in self.created]
            return httpx2.Response(200, content="\n".join(lines).encode())
        return httpx2.Response(404, json={"type": "error", "error": {"type": "not_found_error", "message": path}})

    @staticmethod
    def result(request: dict) -> dict:
        if request["custom_id"].endswith("-182"):
            return {
                "custom_id": request["custom_id"],
                "result": {
                    "type": "errored",
                    "error": {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                },
            }
        blocks = [{"type": "text", "text": f"## {s}\n\n"} for s in SECTIONS]
        blocks.insert(
            1,
            {
                "type": "text",
                "text": "Attended sessions regularly.\n\n",
                "citations": [cite(0, "Attended sessions regularly")],
            },
        )
        message = {
            "id": "msg_b",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": blocks,
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": USAGE,
        }
        return {"custom_id": request["custom_id"], "result": {"type": "succeeded", "message": message}}


def test_batch_run_is_submitted_then_collected(practice, tmp_path):
    fake = FakeBatchAPI()
    practice.engines["anthropic"] = AnthropicEngine.from_settings(
        Settings(db_path=tmp_path / "unused.duckdb", anthropic_api_key=KEY),
        http_client=httpx2.Client(transport=httpx2.MockTransport(fake.handle)),
    )
    clients = ["C1001", "C1008"]  # C1008 (Søren Østergaard) has not consented
    run_id = evaluation.evaluate(practice, SUPERVISOR, "anthropic", clients, batch=True)
    run, items = evaluation.run(practice, SUPERVISOR, run_id)
    assert run.status == "pending" and run.batch_id == "msgbatch_fake"
    assert {r["custom_id"] for r in fake.created} == {i.id for i in items if i.status == "pending"}
    assert all(r["params"]["model"] == MODEL and r["params"]["messages"] for r in fake.created)
    assert {i.status for i in items if i.client_id == "C1008"} <= {"failed", "insufficient"}
    sent = b" ".join(fake.bodies).decode()
    client = practice.store.client("C1001")
    assert not any(x in sent for x in (client.full_name, client.last_name, client.mrn, client.phone))

    assert evaluation.collect_batches(practice, SUPERVISOR, "anthropic") == [(run_id, False)]
    assert evaluation.run(practice, SUPERVISOR, run_id)[0].status == "pending"

    fake.finish()
    assert evaluation.collect_batches(practice, SUPERVISOR, "anthropic") == [(run_id, True)]
    run, items = evaluation.run(practice, SUPERVISOR, run_id)
    by_window = {i.range_label: i for i in items if i.client_id == "C1001"}
    assert run.status == "complete" and run.prompt_version.startswith("anthropic-")
    assert by_window["whole treatment"].status == "drafted"
    assert by_window["whole treatment"].metrics["leaks"] == 0
    assert by_window["whole treatment"].citations == (
        Citation(1, (fake.created[0]["params"]["messages"][0]["content"][0]["title"].split("(")[-1].rstrip(")"),)),
    )
    assert by_window["last 6 months"].status == "failed" and "errored" in by_window["last 6 months"].message
    assert evaluation.collect_batches(practice, SUPERVISOR, "anthropic") == []  # nothing left pending


def test_batch_needs_the_ai_engine(practice):
    with pytest.raises(InvalidInput, match="Batch submission is for the AI engine"):
        evaluation.evaluate(practice, SUPERVISOR, "offline", ["C1001"], batch=True)
