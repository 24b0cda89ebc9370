"""The client data export, on real DuckDB files: exactly the expected files, hashes that check, signed
summaries only when verified, psychotherapy notes left out, deterministic bytes, an audit entry."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from core import export, summaries
from core.errors import IntegrityFailure, NotFound
from core.models import Actor

# Dana signs for clients of other clinicians too in these tests, so she acts with supervisor rights.
DANA = Actor("dana", "Dana Whitfield", ("supervisor",), "LCSW", "K01")
PASSWORD = "dana-demo-2026"
CREATED = datetime(2026, 7, 1, 15, 30)
CHART_FILES = {
    f"chart/{kind}.{ext}"
    for kind in ("client", "diagnoses", "assessments", "treatment_plans", "notes", "medications")
    for ext in ("json", "csv")
}


def sign(practice, client="C1001", days=182, purpose="Discharge"):
    today = practice.today()
    draft = summaries.generate(practice, DANA, client, today - timedelta(days=days), today, purpose).draft
    return summaries.sign(practice, DANA, draft.id, password=PASSWORD)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture
def history(practice):
    """C1001 with two signed summaries, one deleted summary and an open draft."""
    kept = [sign(practice, days=91), sign(practice, days=365, purpose="Case consultation")]
    deleted = sign(practice, days=182)
    summaries.delete(practice, DANA, deleted.id, "Superseded by a corrected summary")
    today = practice.today()
    draft = summaries.generate(practice, DANA, "C1001", today - timedelta(days=30), today).draft
    return kept, deleted, draft


def test_export_holds_exactly_the_chart_and_the_signed_summaries(practice, history):
    kept, deleted, draft = history
    files = unzip(export.export_client(practice, DANA, "C1001", created_at=CREATED))
    expected = (
        {"README.txt", "manifest.json"}
        | CHART_FILES
        | {f"summaries/{s.id}.{ext}" for s in kept for ext in ("pdf", "json")}
    )
    assert set(files) == expected
    everything = b"".join(files.values())
    assert deleted.id.encode() not in everything and draft.id.encode() not in everything
    manifest = json.loads(files["manifest.json"])
    assert {f["path"] for f in manifest["files"]} == expected - {"manifest.json"}
    for entry in manifest["files"]:
        data = files[entry["path"]]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
    assert manifest["client_id"] == "C1001" and manifest["created_at"] == "2026-07-01T15:30:00Z"
    assert manifest["summaries"] == [s.id for s in sorted(kept, key=lambda s: (s.signed_at, s.id))]  # oldest first
    assert manifest["created_by"] == "dana"


def test_summary_pdf_and_json_carry_the_signed_content_and_a_checkable_hash(practice, history):
    kept, _, _ = history
    files = unzip(export.export_client(practice, DANA, "C1001", created_at=CREATED))
    for s in kept:
        record = json.loads(files[f"summaries/{s.id}.json"])
        assert record["text"] == s.text and record["content_hash"] == s.content_hash
        assert (record["signer_name"], record["signer_credentials"]) == ("Dana Whitfield", "LCSW")
        assert record["range_start"] == s.range_start.isoformat() and record["purpose"] == s.purpose
        assert [x["id"] for x in record["sources"]] == [x.id for x in s.sources]
        assert record["signature"].startswith("Electronically signed by Dana Whitfield, LCSW on ")
        covered = {k: record[k] for k in record["hash_covers"]}
        payload = json.dumps(covered, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        assert hashlib.sha256(payload).hexdigest() == s.content_hash  # as the README tells a recipient to check
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(files[f"summaries/{s.id}.pdf"])).pages)
        assert "Zoë Ñúñez" in text and s.content_hash in text


def test_chart_files_leave_out_psychotherapy_notes_and_say_so(practice):
    chart = practice.store.chart("C1001")
    assert any(n.note_type == "clinical" for n in chart.notes)
    files = unzip(export.export_client(practice, DANA, "C1001", created_at=CREATED))
    notes = json.loads(files["chart/notes.json"])
    assert {n["note_type"] for n in notes} == {"intake", "progress", "administrative", "cancellation"}
    assert len(notes) == sum(1 for n in chart.notes if n.note_type != "clinical")
    clinical = [n.text for n in chart.notes if n.note_type == "clinical"]
    everything = b"".join(files.values()).decode("utf-8", "ignore")
    assert not any(t in everything for t in clinical) and "countertransference" not in everything
    manifest = json.loads(files["manifest.json"])
    assert any("Psychotherapy notes" in e and "164.524" in e for e in manifest["excluded"])
    assert "Psychotherapy notes" in files["README.txt"].decode()
    rows = list(csv.DictReader(io.StringIO(files["chart/notes.csv"].decode("utf-8-sig"))))
    assert len(rows) == len(notes) and rows[0]["id"] == notes[0]["id"]
    client = json.loads(files["chart/client.json"])[0]
    assert client["full_name"] == "Zoë Ñúñez" and client["date_of_birth"] == chart.client.date_of_birth.isoformat()
    assert len(json.loads(files["chart/assessments.json"])) == len(chart.assessments)


def test_an_altered_summary_stops_the_export_and_is_named(practice, history):
    kept, _, _ = history
    bad = kept[1]
    practice.store._con.execute("UPDATE summaries SET text = text || ' (amended)' WHERE id = ?", [bad.id])
    with pytest.raises(IntegrityFailure, match=f"export was not created: signed summary {bad.id} "):
        export.export_client(practice, DANA, "C1001", created_at=CREATED)
    log = summaries.audit_log(practice, DANA, "C1001")
    assert (log[0].action, log[0].summary_id) == ("refused", bad.id)
    assert "export" not in [e.action for e in log]


def test_export_is_deterministic_and_audited(practice, history):
    first = export.export_client(practice, DANA, "C1001", created_at=CREATED)
    assert export.export_client(practice, DANA, "C1001", created_at=CREATED) == first
    entry = summaries.audit_log(practice, DANA, "C1001")[0]
    assert (entry.action, entry.actor) == ("export", "dana")
    assert hashlib.sha256(first).hexdigest() in entry.detail and "2 signed summaries" in entry.detail


def test_client_without_summaries_still_gets_the_chart_and_unknown_client_is_an_error(practice):
    files = unzip(export.export_client(practice, DANA, "C1006", created_at=CREATED))
    assert set(files) == {"README.txt", "manifest.json"} | CHART_FILES
    assert json.loads(files["chart/client.json"])[0]["full_name"] == "李娜"
    with pytest.raises(NotFound):
        export.export_client(practice, DANA, "NOPE", created_at=CREATED)
