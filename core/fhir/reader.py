"""Reading FHIR R4 files (a Bundle as JSON, or NDJSON of resources) into entries that resolve references."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidImport

NDJSON_SUFFIXES = (".ndjson", ".jsonl")
# "Patient/123", "http://server/fhir/Patient/123/_history/2": the type and id at the end of a URL.
LITERAL = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


@dataclass(frozen=True)
class Entry:
    """One resource of a file and where it sits there (for error messages and the report)."""

    index: int  # 0-based entry of the Bundle, or line of the NDJSON file
    where: str  # "entry 12" or "line 13"
    resource: dict
    full_url: str | None = None

    @property
    def type(self) -> str:
        return self.resource["resourceType"]

    @property
    def id(self) -> str | None:
        value = self.resource.get("id")
        return str(value) if value else None

    @property
    def key(self) -> str:
        """What identifies the resource across re-imports of the same file."""
        if self.id:
            return f"{self.type}/{self.id}"
        return self.full_url or f"{self.type}@{self.where}"

    @property
    def label(self) -> str:
        return f"{self.type}/{self.id or '(no id)'} ({self.where})"


class Problem(Exception):
    """A malformed resource; the importer turns it into one InvalidImport naming the file."""

    def __init__(self, entry: Entry | None, message: str):
        super().__init__(message)
        self.entry = entry
        self.message = message


def _fail(path: Path, message: str) -> InvalidImport:
    return InvalidImport(f"{path.name}: {message}. Nothing was imported.")


def _too_deep(path: Path, where: str) -> InvalidImport:
    """JSON nested past what the parser can follow: no FHIR resource is (they stay within a few
    dozen levels), so it is refused as such rather than failing with a traceback."""
    return _fail(path, f"{where} nests its JSON too deeply to read (no FHIR resource is nested that deep)")


def _json_error(path: Path, text: str, e: json.JSONDecodeError, where: str = "") -> InvalidImport:
    truncated = e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string")
    if truncated:
        return _fail(
            path,
            f"{where or 'the JSON'} ends before it is complete (line {e.lineno}): the file looks "
            "truncated; export or copy it again",
        )
    return _fail(path, f"{where or 'the file'} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})")


def read_file(path: Path) -> list[Entry]:
    """Every resource of a Bundle (any Bundle type), an NDJSON file, or a single resource."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InvalidImport(f"Could not read {path}: {e.strerror or e}.") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _fail(path, f"is not UTF-8 text (byte {e.start})") from e
    if not text.strip():
        raise _fail(path, "is empty")
    if path.suffix.lower() in NDJSON_SUFFIXES:
        return _ndjson(path, text)
    try:
        doc = json.loads(text)
    except RecursionError:
        raise _too_deep(path, "the file") from None
    except json.JSONDecodeError as e:
        # Several JSON objects one per line is NDJSON, whatever the file is called.
        if e.msg == "Extra data" and text.lstrip().startswith("{") and "\n" in text.strip():
            return _ndjson(path, text)
        raise _json_error(path, text, e) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
        raise _fail(path, "is not a FHIR resource or Bundle (no resourceType)")
    if doc["resourceType"] != "Bundle":
        return [Entry(0, "the file", doc)]
    entries = doc.get("entry") or []
    if not isinstance(entries, list):
        raise _fail(path, "has a Bundle.entry that is not a list")
    out = []
    for i, item in enumerate(entries):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _fail(path, f"Bundle entry {i} has no resource with a resourceType")
        out.append(Entry(i, f"entry {i}", resource, item.get("fullUrl")))
    return out


def _ndjson(path: Path, text: str) -> list[Entry]:
    out = []
    lines = text.splitlines()
    last = max(n for n, line in enumerate(lines, 1) if line.strip())
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except RecursionError:
            raise _too_deep(path, f"line {n}") from None
        except json.JSONDecodeError as e:
            if n == last:  # a cut-off file ends in a broken line
                raise _json_error(path, line, e, f"line {n}") from None
            raise _fail(path, f"line {n} is not valid JSON ({e.msg}, column {e.colno})") from None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _fail(path, f"line {n} is not a FHIR resource (no resourceType)")
        if resource["resourceType"] == "Bundle":
            raise _fail(path, f"line {n} is a Bundle; NDJSON files hold one resource per line")
        out.append(Entry(n - 1, f"line {n}", resource))
    return out


class Index:
    """Resolves references inside one file: urn:uuid full URLs, Type/id, absolute URLs and
    conditional references (Type?identifier=system|value) that match a resource in the file."""

    def __init__(self, entries: list[Entry]):
        self._by: dict[str, Entry] = {}
        ids: dict[str, list[Entry]] = {}
        for e in entries:
            if e.full_url:
                self._by[e.full_url] = e
            if e.id:
                self._by[f"{e.type}/{e.id}"] = e
                ids.setdefault(e.id, []).append(e)
            for ident in e.resource.get("identifier") or []:
                if isinstance(ident, dict) and ident.get("value"):
                    system = ident.get("system", "")
                    self._by.setdefault(f"{e.type}?identifier={system}|{ident['value']}", e)
                    self._by.setdefault(f"{e.type}?identifier={ident['value']}", e)
        # NDJSON has no full URLs; Synthea's urn:uuid references name the resource id, so an id
        # that only one resource has stands in for its full URL.
        for rid, found in ids.items():
            if len(found) == 1:
                self._by.setdefault(f"urn:uuid:{rid}", found[0])

    def resolve(self, ref: object) -> Entry | None:
        target = ref.get("reference") if isinstance(ref, dict) else None
        if not isinstance(target, str) or not target:
            return None
        if target in self._by:
            return self._by[target]
        m = LITERAL.search(target)
        return self._by.get(f"{m.group(1)}/{m.group(2)}") if m else None


def reference_type(ref: object) -> str:
    """The resource type a reference points to, as far as its text tells ("Practitioner")."""
    target = ref.get("reference", "") if isinstance(ref, dict) else ""
    if isinstance(ref, dict) and ref.get("type"):
        return str(ref["type"])
    m = re.match(r"^([A-Z][A-Za-z]+)[?/]", target) or LITERAL.search(target)
    return m.group(1) if m else "unknown"
