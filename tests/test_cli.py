"""The command line, run as a user runs it: a real process on a real database file."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, NO_FIXTURES

ROOT = Path(__file__).resolve().parent.parent


def run(*args, db):
    return subprocess.run(
        [sys.executable, "-m", "core", *args, "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cli.duckdb"
    first = run("init", "--demo", db=path)
    assert first.returncode == 0 and "demo charts loaded" in first.stdout
    again = run("init", "--demo", db=path)
    assert again.returncode == 0 and "demo charts loaded" not in again.stdout
    return path


def test_clients_and_chart(db):
    clients = json.loads(run("clients", "--json", db=db).stdout)
    assert len(clients) == 44 and {"id", "full_name", "first_date", "last_date"} <= set(clients[0])
    chart = json.loads(run("chart", "--client", "C1001", "--json", db=db).stdout)
    types = {n["note_type"] for n in chart["notes"]}
    assert {"progress", "administrative"} <= types  # the chart shows every type, with text
    assert all(n["text"] for n in chart["notes"])


def test_sources_and_draft_json(db):
    chart = json.loads(run("chart", "--client", "C1001", "--json", db=db).stdout)
    first = min(n["note_date"] for n in chart["notes"])
    last = max(n["note_date"] for n in chart["notes"])
    sel = json.loads(run("sources", "--client", "C1001", "--from", first, "--to", last, "--json", db=db).stdout)
    assert sel["items"] and all({"id", "kind", "date", "title", "text", "reason"} <= set(i) for i in sel["items"])
    assert {e["kind"] for e in sel["excluded"]} >= {"administrative"}
    result = run("draft", "--client", "C1001", "--from", first, "--to", last, "--purpose", "Discharge", "--json", db=db)
    draft = json.loads(result.stdout)
    assert draft["engine"] == "offline" and draft["model"] and draft["text"].startswith("## Identifying context")
    assert {s["id"] for s in draft["sources"]} == {i["id"] for i in sel["items"]}
    assert draft["citations"] and set(draft["sources"][0]) == {"id", "type", "date", "title"}


@pytest.mark.parametrize(
    "args,message",
    [
        (("draft", "--client", "C1001", "--from", "2026-05-01", "--to", "2026-04-01"), "after it ends"),
        (("draft", "--client", "C1001", "--from", "yesterday", "--to", "2026-04-01"), "is not a date"),
        (("draft", "--client", "NOPE", "--from", "2026-01-01", "--to", "2026-02-01"), "No client with id 'NOPE'"),
        (("draft", "--client", "C1001", "--from", "2001-01-01", "--to", "2001-02-01"), "Not enough information"),
        (("chart", "--client", "NOPE"), "No client"),
    ],
)
def test_errors_are_clear_without_traceback(db, args, message):
    result = run(*args, db=db)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_whole_lifecycle_from_the_command_line(tmp_path):
    db = tmp_path / "life.duckdb"
    assert run("init", "--demo", db=db).returncode == 0
    refused = run("sign", "--client", "C1001", "--clinician", "K01", db=db)
    assert refused.returncode == 2 and "has no open draft to sign" in refused.stderr
    chart = json.loads(run("chart", "--client", "C1001", "--json", db=db).stdout)
    last = max(n["note_date"] for n in chart["notes"])
    saved = run("draft", "--client", "C1001", "--from", "2020-01-01", "--to", last, "--save", "--json", db=db)
    assert json.loads(saved.stdout)["draft_id"].startswith("D-")
    again = run("draft", "--client", "C1001", "--from", "2020-01-01", "--to", last, "--save", "--json", db=db)
    assert json.loads(again.stdout)["existing"] is True and "already has an open draft" in again.stderr
    signed = run("sign", "--client", "C1001", "--clinician", "K01", db=db)
    assert signed.returncode == 0 and "Dana Whitfield, LCSW" in signed.stdout
    listed = json.loads(run("summaries", "--client", "C1001", "--json", db=db).stdout)
    assert len(listed) == 1 and listed[0]["verified"] is True
    summary_id = listed[0]["id"]
    token = run("portal-token", "--client", "C1001", db=db).stdout.strip()
    assert json.loads(run("portal", "--token", token, "--json", db=db).stdout)["summaries"] == []
    assert run("share", "--summary", summary_id, db=db).returncode == 0
    portal = json.loads(run("portal", "--token", token, "--json", db=db).stdout)
    assert [s["id"] for s in portal["summaries"]] == [summary_id]
    bad = run("portal", "--token", "not-a-token", db=db)
    assert bad.returncode == 2 and "not valid or has been revoked" in bad.stderr
    no_reason = run("delete", "--summary", summary_id, "--reason", " ", db=db)
    assert no_reason.returncode == 2 and "needs a reason" in no_reason.stderr
    assert run("delete", "--summary", summary_id, "--reason", "Wrong range", db=db).returncode == 0
    deleted_share = run("share", "--summary", summary_id, db=db)
    assert deleted_share.returncode == 2 and "deleted summary cannot be shared" in deleted_share.stderr
    assert json.loads(run("portal", "--token", token, "--json", db=db).stdout)["summaries"] == []
    audit = json.loads(run("audit", "--client", "C1001", "--json", db=db).stdout)
    assert [e["action"] for e in reversed(audit)] == [
        "generate",
        "sign",
        "portal_token",
        "portal_view",
        "share",
        "portal_view",
        "delete",
        "portal_view",
    ]


@pytest.mark.skipif(FIXTURES is None, reason=NO_FIXTURES)
def test_import_fhir(tmp_path):
    db = tmp_path / "fhir.duckdb"
    bundle = sorted(FIXTURES.glob("smart__*.json"))[0]
    assert run("init", db=db).returncode == 0
    first = run("import-fhir", str(bundle), "--json", db=db)
    assert first.returncode == 0, first.stderr
    [report] = json.loads(first.stdout)
    assert report["added"]["clients"] == 1 and report["added"]["notes"] > 0 and report["skipped"]
    clients = json.loads(run("clients", "--json", db=db).stdout)
    assert [c["id"] for c in clients] == [report["client_id"]]  # no demo charts beside the imported patient
    again = run("import-fhir", str(bundle), db=db)
    assert again.returncode == 0 and "added 0 diagnoses, 0 assessments, 0 treatment plans, 0 notes" in again.stdout
    assert "Already in the chart" in again.stdout and "Left out:" in again.stdout
    draft = run("draft", "--client", report["client_id"], "--from", "1900-01-01", "--to", "2021-12-31", db=db)
    assert draft.returncode == 0 and "## Diagnoses" in draft.stdout
    (tmp_path / "cut.json").write_text(bundle.read_text()[:5000])
    broken = run("import-fhir", str(bundle), str(tmp_path / "cut.json"), db=db)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert broken.stderr.startswith("Error: cut.json: ") and "truncated" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1


def test_pdf_and_export_write_files_and_are_audited(tmp_path):
    db = tmp_path / "files.duckdb"
    assert run("init", "--demo", db=db).returncode == 0
    chart = json.loads(run("chart", "--client", "C1006", "--json", db=db).stdout)
    last = max(n["note_date"] for n in chart["notes"])
    assert run("draft", "--client", "C1006", "--from", "2020-01-01", "--to", last, "--save", db=db).returncode == 0
    assert run("sign", "--client", "C1006", "--clinician", "K01", db=db).returncode == 0
    summary_id = json.loads(run("summaries", "--client", "C1006", "--json", db=db).stdout)[0]["id"]
    made = run("pdf", "--summary", summary_id, "--out", str(tmp_path / "s.pdf"), db=db)
    assert made.returncode == 0 and summary_id in made.stdout
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    zipped = run("export", "--client", "C1006", "--out", str(tmp_path / "c.zip"), "--json", db=db)
    assert json.loads(zipped.stdout)["bytes"] == (tmp_path / "c.zip").stat().st_size
    with zipfile.ZipFile(tmp_path / "c.zip") as z:
        assert f"summaries/{summary_id}.pdf" in z.namelist()
    audit = json.loads(run("audit", "--client", "C1006", "--json", db=db).stdout)
    assert [e["action"] for e in audit][:2] == ["export", "download"]


@pytest.mark.parametrize(
    "args,message",
    [
        (("pdf", "--summary", "S-nope", "--out", "{tmp}/x.pdf"), "There is no signed summary S-nope"),
        (("pdf", "--summary", "S-nope", "--out", "{tmp}/missing/x.pdf"), "does not exist"),
        (("export", "--client", "NOPE", "--out", "{tmp}/x.zip"), "No client with id 'NOPE'"),
        (("export", "--client", "C1001", "--out", "{tmp}"), "it is a folder"),
    ],
)
def test_pdf_and_export_errors_are_one_clear_line(db, tmp_path, args, message):
    result = run(*[a.format(tmp=tmp_path) for a in args], db=db)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not list(tmp_path.iterdir())


def test_check_reads_any_text_claim_by_claim(db, tmp_path):
    chart = json.loads(run("chart", "--client", "C1001", "--json", db=db).stdout)
    first = min(n["note_date"] for n in chart["notes"])
    last = max(n["note_date"] for n in chart["notes"])
    wrong = tmp_path / "wrong.md"
    wrong.write_text("## Risk and safety\n\nNo suicidal ideation was ever reported.\n")
    result = run(
        "check", "--client", "C1001", "--from", first, "--to", last, "--text-file", str(wrong), "--json", db=db
    )
    assert result.returncode == 0, result.stderr  # findings are the answer, not a failure
    found = json.loads(result.stdout)
    assert {"kind", "severity", "sentence", "claim", "evidence"} <= set(found[0])
    risk = [f for f in found if f["kind"] == "risk"]
    assert risk and risk[0]["severity"] == "error" and "suicidal ideation" in risk[0]["evidence"]
    draft = json.loads(run("draft", "--client", "C1001", "--from", first, "--to", last, "--json", db=db).stdout)
    right = tmp_path / "right.md"
    right.write_text(draft["text"])
    clean = json.loads(
        run(
            "check", "--client", "C1001", "--from", first, "--to", last, "--text-file", str(right), "--json", db=db
        ).stdout
    )
    assert [f for f in clean if f["severity"] == "error"] == []
    missing = run(
        "check", "--client", "C1001", "--from", first, "--to", last, "--text-file", str(tmp_path / "no.md"), db=db
    )
    assert missing.returncode == 2 and "Cannot read" in missing.stderr and "Traceback" not in missing.stderr
