"""The command line (`python -m core`): a thin shell over core.service, like the pages."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import os
import pwd
import sys
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import auth, charts, evaluation, maintenance, note_files, summaries
from .config import load_settings
from .errors import InvalidInput, Refused, UserError
from .models import NOTE_TYPES, Actor
from .service import Practice
from .text import clean

COMMANDS: dict[str, Callable[[Practice, argparse.Namespace], Any]] = {}


def command(fn):
    COMMANDS[fn.__name__.replace("_", "-").removeprefix("cmd-")] = fn
    return fn


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date; write it as YYYY-MM-DD (for example 2025-03-31).") from None


def out(args: argparse.Namespace, data: Any, text: str) -> None:
    # JSON escapes control characters itself; plain text is printed without terminal escapes
    print(json.dumps(jsonable(data), indent=2, ensure_ascii=False) if args.json else clean(text))


# -- commands -----------------------------------------------------------------------------------------


@command
def cmd_init(p: Practice, args) -> None:
    state = maintenance.init(p, cli_actor(), demo=args.demo)
    print(
        f"Database ready at {state.path} (schema version {state.schema_version})"
        + ("; demo charts loaded." if state.demo_loaded else ".")
    )


@command
def cmd_compact(p: Practice, args) -> None:
    counts = maintenance.compact(p, cli_actor())
    print(
        "Chart tables rewritten in client and date order: "
        + ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in counts.items())
        + "."
    )


@command
def cmd_copy(p: Practice, args) -> int:
    report = maintenance.copy_to(p, cli_actor(), args.to)
    print(f"Copied {sum(report.rows.values()):,} rows into {report.target}:")
    for table, n in report.rows.items():
        if n:
            print(f"  {table.replace('_', ' ')}: {n:,}")
    print(
        f"Signed summaries whose signature verifies in the copy: "
        f"{len(report.summaries) - len(report.not_verified)} of {len(report.summaries)}."
    )
    for summary_id in report.not_verified:
        print(f"  does not verify: {summary_id}")
    print(report.chain)
    return 0 if report.verified else 1


@command
def cmd_seal_existing(p: Practice, args) -> None:
    entries, sealed = maintenance.seal_existing(p, cli_actor())
    print(f"Sealed {entries} audit entries and {sealed} signed summaries as the file holds them now.")


@command
def cmd_clients(p: Practice, args) -> None:
    rows = charts.find_clients(p, cli_actor())
    out(args, rows, "\n".join(f"{r.id}  {r.full_name:<28} {r.first_date or '-'}  {r.last_date or '-'}" for r in rows))


@command
def cmd_chart(p: Practice, args) -> None:
    chart = charts.chart(p, cli_actor(), args.client)
    lines = [f"{chart.client.full_name} ({chart.client.id}), born {chart.client.date_of_birth}"]
    lines += [
        f"[{d.id}] diagnosis {d.code} {d.description}, onset {d.onset}, resolved {d.resolved or '-'}"
        for d in chart.diagnoses
    ]
    lines += [
        f"[{pl.id}] plan {pl.status} {pl.effective_from} to {pl.effective_to or 'present'}: "
        + "; ".join(pl.goals)
        + (f" | interventions: {'; '.join(pl.interventions)}" if pl.interventions else "")
        for pl in chart.plans
    ]
    lines += [f"[{m.id}] medication {m.name} {m.dosage or ''} from {m.start_date}" for m in chart.medications]
    lines += [
        f"[{a.id}] {a.administered_on} {a.instrument} {a.total_score} ({a.severity})"
        + (f"; item responses {', '.join(map(str, a.items))}" if a.items else "")
        for a in chart.assessments
    ]
    lines += [
        f"[{n.id}] {n.note_date} {n.note_type} ({n.note_format}, {'signed' if n.signed else 'unsigned'}) "
        f"{n.title}\n{n.text}\n"
        for n in chart.notes
    ]
    out(args, chart, "\n".join(lines))


@command
def cmd_sources(p: Practice, args) -> None:
    sel = charts.preview_sources(p, cli_actor(), args.client, parse_day(args.start), parse_day(args.end), args.purpose)
    data = {"client": sel.client.id, "range": sel.range, "items": sel.items, "excluded": sel.excluded}
    lines = [f"{i.id:<8} {i.kind:<10} {i.date}  {i.title}  ({i.reason})" for i in sel.items]
    lines += [f"left out: {e.count} {e.kind} ({e.reason})" for e in sel.excluded]
    out(args, data, "\n".join(lines))


@command
def cmd_check(p: Practice, args) -> None:
    """Any draft text against the client's sources for the range: every claim-level finding, and the
    older checks' counts. Exit 0 whatever it finds (a finding is the answer, not a failure)."""
    try:
        text = Path(args.text_file).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"Cannot read {args.text_file}: {getattr(e, 'strerror', None) or e}.") from None
    sel = charts.preview_sources(p, cli_actor(), args.client, parse_day(args.start), parse_day(args.end), args.purpose)
    report = charts.check_text(p, cli_actor(), sel, clean(text))
    rows = [dataclasses.asdict(f) for f in report.claims] + [  # the older checks' findings, in the same shape
        {
            "kind": "unsupported",
            "severity": "warning",
            "sentence": f.sentence,
            "claim": f.text,
            "evidence": "in no source",
        }
        for f in report.unsupported
    ]
    lines = [
        f"{f.severity.upper():<8} {f.kind:<10} {f.claim}\n         “{f.sentence}”\n         chart: {f.evidence}"
        for f in report.claims
    ]
    lines.append(
        f"{len(report.claim_errors)} wrong, {sum(f.severity == 'omission' for f in report.claims)} left out, "
        f"{sum(f.severity == 'warning' for f in report.claims)} to look at; {len(report.unsupported)} facts in no "
        f"source; coverage {sum(c.covered for c in report.coverage)}/{len(report.coverage)}."
    )
    out(args, rows, "\n".join(lines))


def cli_actor() -> Actor:
    """Who runs the command line: the operating-system user. Whoever can run it can read the database
    file, so it is a trusted shell with supervisor and administrator rights (audited as cli:<user>)."""
    user = pwd.getpwuid(os.getuid()).pw_name  # the account, not $LOGNAME or $USER, which anyone can set
    return Actor(f"cli:{user}", user, ("supervisor", "admin"), auth="cli")


@command
def cmd_draft(p: Practice, args) -> None:
    stream = None if args.json else (lambda chunk: print(chunk, end="", flush=True))
    if args.save:
        started = summaries.generate(
            p,
            cli_actor(),
            args.client,
            parse_day(args.start),
            parse_day(args.end),
            args.purpose,
            engine=args.engine,
            on_text=stream,
            replace_existing=args.replace,
        )
        d = started.draft
        if started.existing:
            print(
                f"Client {args.client} already has an open draft ({d.id}, {d.range_start} to {d.range_end}); "
                "it was left as it is. Use --replace to discard it and draft again.",
                file=sys.stderr,
            )
        data = {
            "draft_id": d.id,
            "existing": started.existing,
            "text": d.text,
            "engine": d.generation.engine,
            "model": d.generation.model,
            "sources": d.sources,
            "citations": d.citations,
        }
        out(args, data, "" if stream and not started.existing else f"Draft {d.id} saved.")
        return
    sel, draft = charts.preview_draft(
        p,
        cli_actor(),
        args.client,
        parse_day(args.start),
        parse_day(args.end),
        args.purpose,
        args.engine,
        on_text=stream,
    )
    g = draft.generation
    data = {
        "text": draft.text,
        "engine": g.engine,
        "model": g.model,
        "prompt_version": g.prompt_version,
        "generation": jsonable(g),
        "citations": jsonable(draft.citations),
        "omitted_item_ids": list(draft.omitted_item_ids),
        "client": sel.client.id,
        "range": jsonable(sel.range),
        "purpose": sel.purpose,
        "sources": [{"id": i.id, "type": i.kind, "date": i.date.isoformat(), "title": i.title} for i in sel.items],
    }
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(f"\n[{g.label or g.engine}, model {g.model}, {g.duration_ms} ms, {len(sel.items)} sources]")


@command
def cmd_sign(p: Practice, args) -> None:
    draft = summaries.active_draft(p, cli_actor(), args.client)
    if draft is None:
        raise Refused(f"Client {args.client} has no open draft to sign. Create one with 'draft ... --save' first.")
    s = summaries.sign(
        p, auth.acting_clinician(p, cli_actor(), args.clinician), draft.id, acknowledged=args.acknowledge
    )
    out(args, s, f"Signed summary {s.id} by {s.signature} at {s.signed_at} UTC (sha256 {s.content_hash}).")


@command
def cmd_summaries(p: Practice, args) -> None:
    rows = summaries.summaries(p, cli_actor(), args.client)
    data = [
        {
            "id": s.id,
            "range_start": s.range_start,
            "range_end": s.range_end,
            "purpose": s.purpose,
            "signer": s.signature,
            "signed_at": s.signed_at,
            "shared": s.shared_at is not None,
            "verified": s.verified,
            "content_hash": s.content_hash,
        }
        for s in rows
    ]
    out(
        args,
        data,
        "\n".join(
            f"{s.id}  {s.range_start} to {s.range_end}  {s.purpose or '-'}  {s.signature}  {s.signed_at}"
            f"{'  shared' if s.shared_at else ''}{'' if s.verified else '  FAILS VERIFICATION'}"
            for s in rows
        )
        or "No signed summaries.",
    )


@command
def cmd_delete(p: Practice, args) -> None:
    summaries.delete(p, cli_actor(), args.summary, args.reason)
    print(f"Summary {args.summary} deleted.")


@command
def cmd_share(p: Practice, args) -> None:
    s = summaries.share(p, cli_actor(), args.summary, not args.stop)
    print(f"Summary {s.id} is {'shared to' if s.shared_at else 'no longer shared on'} the client portal.")


@command
def cmd_portal_token(p: Practice, args) -> None:
    if args.revoke:
        n = summaries.revoke_portal_tokens(p, cli_actor(), args.client)
        print(f"{n} portal token(s) revoked for {args.client}.")
        return
    token = summaries.issue_portal_token(p, cli_actor(), args.client)
    out(args, {"client": args.client, "token": token}, token)


@command
def cmd_portal(p: Practice, args) -> None:
    view = summaries.portal(p, args.token)
    data = {
        "first_name": view.first_name,
        "summaries": [
            {
                "id": s.id,
                "range_start": s.range_start,
                "range_end": s.range_end,
                "purpose": s.purpose,
                "signer": s.signature,
                "signed_at": s.signed_at,
                "text": s.text,
            }
            for s in view.summaries
        ],
    }
    out(
        args,
        data,
        "\n\n".join(f"# {s.range_start} to {s.range_end} ({s.signature})\n\n{s.text}" for s in view.summaries)
        or "Nothing has been shared yet.",
    )


def out_path(p: Practice, text: str, force: bool) -> Path:
    """Where a file goes; checked before any work is done or audited. Never the database (or its
    write-ahead log or seal key), and never over an existing file unless --force says so."""
    path = Path(text).expanduser()
    if not path.parent.is_dir():
        raise InvalidInput(f"Cannot write {path}: the folder {path.parent} does not exist.")
    if path.is_dir():
        raise InvalidInput(f"Cannot write {path}: it is a folder; give a file name.")
    if path.resolve() in maintenance.practice_files(p):
        raise InvalidInput(f"Cannot write {path}: it is the practice's database (or its key). Choose another file.")
    if path.exists() and not force:
        raise InvalidInput(f"{path} already exists; choose another name, or add --force to replace it.")
    return path


def write(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it: a failed write (a full disk) leaves no half file
    and leaves a file that was there as it was. The temporary file is made new (O_EXCL, a random
    name, readable by this user only), so a link planted under a guessable name is never followed."""
    partial: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        partial = Path(name)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(partial, path)
    except OSError as e:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise InvalidInput(f"Cannot write {path}: {e.strerror or e}.") from None


def deliver(p: Practice, args, subject: str, what: str, make) -> None:
    """Check the output path first (nothing is rendered or audited for a path that cannot be
    written), then make the file's bytes and write them."""
    path = out_path(p, args.out, args.force)
    data = make()
    write(path, data)
    out(
        args,
        {subject: getattr(args, subject), "path": str(path), "bytes": len(data)},
        f"Wrote {path} ({len(data) // 1024} KB), {what}.",
    )


@command
def cmd_pdf(p: Practice, args) -> None:
    from . import pdf  # here, so other commands do not pay for loading PyMuPDF and matplotlib

    deliver(
        p,
        args,
        "summary",
        f"the PDF of signed summary {args.summary}",
        lambda: pdf.summary_pdf(p, cli_actor(), args.summary),
    )


@command
def cmd_export(p: Practice, args) -> None:
    from . import export  # loads PyMuPDF and matplotlib, like pdf

    deliver(
        p,
        args,
        "client",
        f"the data export of client {args.client}",
        lambda: export.export_client(p, cli_actor(), args.client),
    )


@command
def cmd_audit(p: Practice, args) -> int | None:
    if args.verify:
        report = summaries.audit_chain(p, cli_actor())
        out(args, report, report.describe())
        return 0 if report.holds else 1
    rows = summaries.audit_log(p, cli_actor(), args.client)
    out(
        args,
        rows,
        "\n".join(
            f"{e.at}  {e.actor:<16} {e.action:<14} {e.client_id or '-':<8} "
            f"{e.summary_id or e.draft_id or '-':<16} {e.detail}"
            for e in rows
        ),
    )
    return None


@command
def cmd_eval(p: Practice, args) -> None:
    ids = None if args.clients in ("all", "") else [c.strip() for c in args.clients.split(",") if c.strip()]

    def progress(n: int, total: int, client_id: str) -> None:
        if not args.json:
            done = round(30 * n / total)
            print(f"\r[{'#' * done}{'.' * (30 - done)}] {n}/{total} {client_id}", end="", file=sys.stderr, flush=True)

    if args.batch:  # collect what was submitted earlier; submit a new batch when nothing is pending
        collected = evaluation.collect_batches(p, cli_actor(), args.engine)
        waiting = [run_id for run_id, complete in collected if not complete]
        if waiting:
            print(
                f"Batch run{'s' if len(waiting) > 1 else ''} {', '.join(waiting)} still processing; run the same "
                "command later to collect.",
                file=sys.stderr,
            )
        finished = [run_id for run_id, complete in collected if complete]
        if not collected:
            run_id = evaluation.evaluate(p, cli_actor(), args.engine, ids, on_progress=progress, batch=True)
            print(f"\nSubmitted batch run {run_id}; run the same command later to collect the drafts.", file=sys.stderr)
        for run_id in finished:
            report_run(p, args, run_id)
        return
    run_id = evaluation.evaluate(p, cli_actor(), args.engine, ids, on_progress=progress)
    if not args.json:
        print(file=sys.stderr)
    report_run(p, args, run_id)


def report_run(p: Practice, args, run_id: str) -> None:
    run, items = evaluation.run(p, cli_actor(), run_id)
    totals = evaluation.totals(items)
    rows = evaluation.item_rows(run, items)
    if args.json:
        print(json.dumps(jsonable({"run": run, "rows": rows, "totals": totals}), indent=2, ensure_ascii=False))
        return
    print(f"Run {run_id}: {run.engine} {run.model} (prompt {run.prompt_version})")
    print(f"{'client':<8} {'window':<16} {'status':<12} {'unsupported':>11} {'coverage':>9} {'leaks':>5} {'words':>6}")
    dash = lambda v: "-" if v is None else v  # noqa: E731
    for r in rows:
        print(
            f"{r['client_id']:<8} {r['window']:<16} {r['status']:<12} {dash(r['unsupported']):>11} "
            f"{dash(r['coverage']):>9} {dash(r['leaks']):>5} {dash(r['words']):>6}"
        )
    print("Totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))


@command
def cmd_import_fhir(p: Practice, args) -> None:
    reports = charts.import_fhir(p, cli_actor(), args.paths, behavioral_only=not args.all)
    out(args, reports, "\n".join(r.describe() for r in reports))


@command
def cmd_import_notes(p: Practice, args) -> None:
    defaults = note_files.Defaults(
        note_type=args.type,
        note_date=parse_day(args.date) if args.date else None,
        author=args.author,
        signed=not args.unsigned,
    )
    reports = charts.import_notes(p, cli_actor(), args.client, args.paths, defaults)
    out(args, reports, "\n".join(r.describe() for r in reports))


def read_password(prompt: str) -> str:
    """From the terminal without echo, or one line of standard input (for scripts); never an argument."""
    return getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")


@command
def cmd_users(p: Practice, args) -> None:
    actor = cli_actor()
    if args.action == "list":
        rows = auth.list_users(p, actor)
        out(
            args,
            rows,
            "\n".join(
                f"{u.id:<12} {u.display_name:<22} {','.join(u.roles):<24} "
                f"{u.clinician_id or '-':<6} {'disabled' if u.disabled else 'active'}"
                + (f" locked until {u.locked_until}" if u.locked_until else "")
                for u in rows
            ),
        )
        return
    if not args.id:
        raise InvalidInput(f"'users {args.action}' needs --id USER.")
    if args.action == "add":
        if not args.name or not args.role:
            raise InvalidInput("'users add' needs --name and --role.")
        roles = [r.strip() for r in args.role.split(",")]
        password = None if args.no_password else read_password("Password: ")
        auth.add_user(p, actor, args.id, args.name, roles, password, args.clinician, args.email)
        print(f"User {args.id} added.")
    elif args.action == "disable":
        auth.set_disabled(p, actor, args.id, True)
        print(f"User {args.id} disabled.")
    elif args.action == "reset-password":
        auth.reset_password(p, actor, args.id, read_password("New password: "))
        print(f"Password of {args.id} reset.")


# -- wiring ---------------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        help="DuckDB file or postgresql:// address (default: $TS_DATABASE_URL, else $TS_DB_PATH, else "
        "~/.local/share/treatment-summaries/charts.duckdb)",
    )
    common.add_argument("--json", action="store_true", help="machine-readable output")
    top = argparse.ArgumentParser(prog="python -m core", description="Treatment Summaries command line.")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("init", parents=[common], help="create or migrate the database").add_argument(
        "--demo", action="store_true", help="load the demo charts into an empty database"
    )
    sub.add_parser(
        "seal-existing",
        parents=[common],
        help="once, right after upgrading to sealing: seal the audit log and signed summaries as they are",
    )
    sub.add_parser("clients", parents=[common], help="list clients")
    sub.add_parser("chart", parents=[common], help="every chart item of a client").add_argument(
        "--client", required=True
    )
    for name in ("sources", "draft"):
        s = sub.add_parser(name, parents=[common], help=f"the {name} of a summary for a client and range")
        s.add_argument("--client", required=True)
        s.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
        s.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        s.add_argument("--purpose", default="")
        if name == "draft":
            s.add_argument("--engine", choices=("offline", "anthropic"))
            s.add_argument("--save", action="store_true", help="keep it as the client's active draft")
            s.add_argument("--replace", action="store_true", help="with --save: discard an existing draft first")
    s = sub.add_parser("check", parents=[common], help="check any draft text against a client's sources for a range")
    s.add_argument("--client", required=True)
    s.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    s.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    s.add_argument("--purpose", default="")
    s.add_argument("--text-file", required=True, metavar="FILE", help="the draft text (Markdown)")
    s = sub.add_parser("sign", parents=[common], help="sign the client's open draft")
    s.add_argument("--client", required=True)
    s.add_argument("--clinician", required=True, help="clinician id of the signer")
    s.add_argument(
        "--acknowledge", action="store_true", help="sign although the checks find statements the chart contradicts"
    )
    sub.add_parser("summaries", parents=[common], help="signed summaries of a client").add_argument(
        "--client", required=True
    )
    s = sub.add_parser("delete", parents=[common], help="delete a signed summary")
    s.add_argument("--summary", required=True)
    s.add_argument("--reason", required=True)
    s = sub.add_parser("share", parents=[common], help="share a signed summary to the client portal")
    s.add_argument("--summary", required=True)
    s.add_argument("--stop", action="store_true", help="stop sharing it")
    s = sub.add_parser("portal-token", parents=[common], help="issue (or revoke) a client's portal access token")
    s.add_argument("--client", required=True)
    s.add_argument("--revoke", action="store_true")
    sub.add_parser("portal", parents=[common], help="what the client portal shows for a token").add_argument(
        "--token", required=True
    )
    s = sub.add_parser("pdf", parents=[common], help="the PDF of a signed summary (audited as a download)")
    s.add_argument("--summary", required=True)
    s.add_argument("--out", required=True, metavar="FILE.pdf")
    s.add_argument("--force", action="store_true", help="replace FILE.pdf if it exists")
    s = sub.add_parser("export", parents=[common], help="a client's data export as a ZIP (audited)")
    s.add_argument("--client", required=True)
    s.add_argument("--out", required=True, metavar="FILE.zip")
    s.add_argument("--force", action="store_true", help="replace FILE.zip if it exists")
    s = sub.add_parser("audit", parents=[common], help="the audit log")
    s.add_argument("--client")
    s.add_argument("--verify", action="store_true", help="check the audit log's chain of seals (exit 1 if broken)")
    s = sub.add_parser("eval", parents=[common], help="draft and check every chosen chart (quality lab)")
    s.add_argument("--engine", choices=("offline", "anthropic"))
    s.add_argument("--clients", default="all", help="all, or client ids separated by commas")
    s.add_argument(
        "--batch",
        action="store_true",
        help="with --engine anthropic: submit through the Message "
        "Batches API (half the cost); the same command later collects the results",
    )

    s = sub.add_parser("users", parents=[common], help="local accounts: add, list, disable, reset-password")
    s.add_argument("action", choices=("add", "list", "disable", "reset-password"))
    s.add_argument("--id", help="user name (lower case)")
    s.add_argument("--name", help="display name")
    s.add_argument("--role", help="clinician, supervisor, pilot_tester, admin (several: comma-separated)")
    s.add_argument("--clinician", help="clinician id the user signs as (clinicians and supervisors)")
    s.add_argument("--email", help="e-mail, to match a sign-in through the practice's identity provider")
    s.add_argument("--no-password", action="store_true", help="an account that signs in only through OIDC")
    sub.add_parser(
        "compact",
        parents=[common],
        help="rewrite the chart tables in client and date order (faster reads; run while the app is stopped)",
    )

    sub.add_parser(
        "copy",
        parents=[common],
        help="copy the database into an empty PostgreSQL database, then verify every signed summary there",
    ).add_argument("--to", required=True, metavar="postgresql://...", help="the empty PostgreSQL database")

    fhir = sub.add_parser(
        "import-fhir",
        parents=[common],
        help="import FHIR R4 bundles or NDJSON files (a directory stands for its files); "
        "all of them or, if one is malformed, none",
    )
    fhir.add_argument("paths", nargs="+", metavar="PATH")
    fhir.add_argument(
        "--all",
        action="store_true",
        help="import every condition, care plan, medication and encounter, not only the behavioral-health ones",
    )
    notes = sub.add_parser(
        "import-notes",
        parents=[common],
        help="import notes from files (plain text, Markdown, CSV with a note per row, PDF) into a client's "
        "chart: all of them or, if one is bad, none",
    )
    notes.add_argument("paths", nargs="+", metavar="FILE")
    notes.add_argument("--client", required=True)
    notes.add_argument(
        "--type",
        choices=NOTE_TYPES,
        default="progress",
        help="the notes' type where a file does not say (a CSV's type column does); default progress",
    )
    notes.add_argument("--date", metavar="YYYY-MM-DD", help="the notes' date where a file does not say")
    notes.add_argument("--author", help="clinician id or name, where a file does not say")
    notes.add_argument("--unsigned", action="store_true", help="the notes are unsigned drafts (not used in summaries)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.getLogger("core").addHandler(logging.NullHandler())  # details go to logs, not to the terminal
    try:
        if args.db is not None and not args.db.strip():
            raise InvalidInput("--db needs a file name.")
        # Only init creates a database, and only init --demo fills it with the demo charts (and the demo
        # accounts, whose passwords are published): a mistyped path is an error, never a new practice.
        practice = Practice.open(load_settings(db_path=args.db), create=args.command == "init")
        status = COMMANDS[args.command](practice, args)
    except UserError as e:
        print(f"Error: {clean(e.message)}", file=sys.stderr)
        for finding in getattr(e, "findings", ()):
            print(f"  - {clean(finding)}", file=sys.stderr)
        return 2
    except OSError as e:  # a full disk or an unreadable file outside the database
        print(f"Error: {e.strerror or e}{f' ({e.filename})' if e.filename else ''}.", file=sys.stderr)
        return 2
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
