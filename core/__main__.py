"""The command line (`python -m core`): a thin shell over core.service, like the pages."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import date, datetime
from typing import Any, Callable

from .config import load_settings
from .errors import InvalidInput, UserError
from .service import Practice

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
    print(json.dumps(jsonable(data), indent=2, ensure_ascii=False) if args.json else text)


# -- commands -----------------------------------------------------------------------------------------

@command
def cmd_init(p: Practice, args) -> None:
    loaded = p.load_demo() if args.demo else False
    version = p.store.schema_version()
    print(f"Database ready at {p.store.path} (schema version {version})"
          + ("; demo charts loaded." if loaded else "."))


@command
def cmd_clients(p: Practice, args) -> None:
    rows = p.clients()
    out(args, rows, "\n".join(f"{r.id}  {r.full_name:<28} {r.first_date or '-'}  {r.last_date or '-'}" for r in rows))


@command
def cmd_chart(p: Practice, args) -> None:
    chart = p.chart(args.client)
    lines = [f"{chart.client.full_name} ({chart.client.id}), born {chart.client.date_of_birth}"]
    lines += [f"[{d.id}] diagnosis {d.code} {d.description}, onset {d.onset}, resolved {d.resolved or '-'}"
              for d in chart.diagnoses]
    lines += [f"[{pl.id}] plan {pl.status} {pl.effective_from} to {pl.effective_to or 'present'}: "
              + "; ".join(pl.goals) for pl in chart.plans]
    lines += [f"[{m.id}] medication {m.name} {m.dosage or ''} from {m.start_date}" for m in chart.medications]
    lines += [f"[{a.id}] {a.administered_on} {a.instrument} {a.total_score} ({a.severity})" for a in chart.assessments]
    lines += [f"[{n.id}] {n.note_date} {n.note_type} ({n.note_format}, {'signed' if n.signed else 'unsigned'}) "
              f"{n.title}\n{n.text}\n" for n in chart.notes]
    out(args, chart, "\n".join(lines))


@command
def cmd_sources(p: Practice, args) -> None:
    sel = p.select(args.client, parse_day(args.start), parse_day(args.end), args.purpose)
    data = {"client": sel.client.id, "range": sel.range, "items": sel.items, "excluded": sel.excluded}
    lines = [f"{i.id:<8} {i.kind:<10} {i.date}  {i.title}  ({i.reason})" for i in sel.items]
    lines += [f"left out: {e.count} {e.kind} ({e.reason})" for e in sel.excluded]
    out(args, data, "\n".join(lines))


@command
def cmd_draft(p: Practice, args) -> None:
    stream = None if args.json else (lambda chunk: print(chunk, end="", flush=True))
    sel, draft = p.preview_draft(args.client, parse_day(args.start), parse_day(args.end), args.purpose,
                                 args.engine, on_text=stream)
    data = {**jsonable(draft), "client": sel.client.id, "range": jsonable(sel.range), "purpose": sel.purpose,
            "sources": [{"id": i.id, "type": i.kind, "date": i.date.isoformat(), "title": i.title} for i in sel.items]}
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(f"\n[{draft.label or draft.engine}, model {draft.model}, {draft.duration_ms} ms, "
              f"{len(sel.items)} sources]")


@command
def cmd_import_fhir(p: Practice, args) -> None:
    reports = p.import_fhir(args.paths, behavioral_only=not args.all)
    out(args, reports, "\n".join(r.describe() for r in reports))


# -- wiring ---------------------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="DuckDB file (default: $TS_DB_PATH or ~/.local/share/treatment-summaries)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    top = argparse.ArgumentParser(prog="python -m core", description="Treatment Summaries command line.")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("init", parents=[common], help="create or migrate the database").add_argument(
        "--demo", action="store_true", help="load the demo charts into an empty database")
    sub.add_parser("clients", parents=[common], help="list clients")
    sub.add_parser("chart", parents=[common], help="every chart item of a client").add_argument(
        "--client", required=True)
    for name in ("sources", "draft"):
        s = sub.add_parser(name, parents=[common], help=f"the {name} of a summary for a client and range")
        s.add_argument("--client", required=True)
        s.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
        s.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        s.add_argument("--purpose", default="")
        if name == "draft":
            s.add_argument("--engine", choices=("offline", "anthropic"))
    fhir = sub.add_parser("import-fhir", parents=[common],
                          help="import FHIR R4 bundles or NDJSON files (a directory stands for its files); "
                               "all of them or, if one is malformed, none")
    fhir.add_argument("paths", nargs="+", metavar="PATH")
    fhir.add_argument("--all", action="store_true", help="import every condition, care plan, medication and "
                      "encounter, not only the behavioral-health ones")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        # Imported patients in a new database are its charts: no demo charts alongside them.
        practice = Practice.open(load_settings(db_path=args.db), demo_data=args.command not in ("init", "import-fhir"))
        COMMANDS[args.command](practice, args)
    except UserError as e:
        print(f"Error: {e.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
