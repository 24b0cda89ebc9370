"""Masking measured on generated variants: every identifier a record holds (the client's and their
related persons' names, date of birth, address, phones, e-mails, record numbers), written the many
ways charts write them, must not survive the masking that the model's request goes through; and
ordinary prose (the public MTSamples transcriptions) must come through almost untouched.

Why rules built from the record rather than a general de-identifier: what must never leak is known
exactly (it is in the record), so matching it in every writing leaves nothing of it, while a
statistical recognizer misses unusual names (Synthea's "Zulema784") and masks ordinary text. Measured
when the rules were written, over the 32,178 sentences these tests generate (44 demo and 9 FHIR
records): the rules leak none (the masking before them: 14,502, 45%) and change 6 of 2,277,516
words of the 53 transcriptions masked with each record; Presidio 2.2 with spaCy's small English
model leaks 11,784 (37%) while masking 7.5% of the transcriptions' words (1.6% and 17,104 leaks
without dates, which the summary needs). These tests hold the rules to no leak and few false masks.
"""

from __future__ import annotations

import copy
import csv
import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from itertools import permutations

import pytest

from core import charts
from core.models import Client, ClientContact
from core.privacy import MONTHS, ORDINARY_WORDS, STATES, TYPE_WORDS, fold, mask, parse_address
from tests.conftest import FIXTURES, NO_FIXTURES
from tests.test_fhir import IMPORTER

BUNDLES = sorted(FIXTURES.glob("*.json")) if FIXTURES else []
TRANSCRIPTIONS = FIXTURES / "mtsamples_psychiatry_psychology.csv" if FIXTURES else None
needs_fixtures = pytest.mark.skipif(FIXTURES is None, reason=NO_FIXTURES)
# Sentences the forms are written into; none of their words is a name, a number or a month.
SENTENCES = (
    "Spoke with {x} about the plan.",
    "Per {x}'s account, things improved.",
    "Contact on file:\n{x}\nreviewed before the next session.",
)
HONORIFICS = ("Ms.", "Mr.", "Dr.", "Mrs")


@dataclass(frozen=True)
class Form:
    """One writing of one identifier, and how to tell that something of it survived."""

    kind: str  # name, contact name, birth date, phone, email, address, record
    who: str  # the client or "mother", "brother"...
    written: str
    leaked: Callable[[str], bool]


def _tokens_leak(tokens: set[str]) -> Callable[[str], bool]:
    """A leak: any of the tokens (accent-free, lower case) still a word of the masked text."""
    found = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(tokens, key=len, reverse=True))) + r")(?!\w)")
    return lambda text: bool(found.search(fold(text).lower()))


def _name_leak(tokens: set[str]) -> Callable[[str], bool]:
    """A leak: a word of the name still there; one that is also an ordinary word only in capitals."""
    plain = _tokens_leak(tokens - ORDINARY_WORDS) if tokens - ORDINARY_WORDS else (lambda text: False)
    ordinary = sorted(tokens & ORDINARY_WORDS)
    capital = re.compile(r"(?<!\w)(?=[A-Z])(?i:" + "|".join(ordinary) + r")(?!\w)") if ordinary else None
    return lambda text: plain(text) or bool(capital and capital.search(fold(text)))


MONTH_TOKENS = re.compile(
    r"(?<!\w)(?:" + "|".join(m.lower()[:3] + "(?:" + m.lower()[3:] + ")?" for m in MONTHS) + r")\b"
)


def _digits_or_month(text: str) -> bool:
    """For dates and phones: the sentences have no digit or month of their own."""
    return bool(re.search(r"\d", text) or MONTH_TOKENS.search(text.lower()))


def _key(word: str) -> str:
    return fold(re.sub(r"\d+", "", word)).lower()


def _ambiguous(written: str) -> bool:
    """Writings the masking leaves by design: one ordinary English word in lower case ("hope") and
    a short word alone in capitals ("ED")."""
    return (written.islower() and fold(written) in ORDINARY_WORDS) or (written.isupper() and len(written) <= 3)


def name_forms(name: str, kind: str, who: str) -> Iterator[Form]:
    """Any of the name's parts in any order, with or without Synthea's digits and accents, in its own,
    upper, lower and title case, "Last, First", with an honorific and a possessive."""
    parts = name.split()[:3]
    tokens = {_key(p) for p in parts if len(_key(p)) >= 2 or not p.isascii()}
    leaked = _name_leak(tokens)
    seen: set[str] = set()
    for size in range(1, len(parts) + 1):
        for chosen in permutations(parts, size):
            for digits in (True, False):
                words = [w if digits else re.sub(r"\d+", "", w) for w in chosen]
                for written in (words, [fold(w) for w in words]):
                    for cased in (written, [w.upper() for w in written], [w.lower() for w in written]):
                        forms = [" ".join(cased), f"{cased[0]} {cased[-1]}"]
                        if size > 1:
                            forms.append(f"{cased[-1]}, {' '.join(cased[:-1])}")
                        forms += [f"{h} {cased[-1]}" for h in HONORIFICS]
                        for form in forms:
                            if form in seen or (size == 1 and _ambiguous(form)) or not form.strip():
                                continue
                            seen.add(form)
                            yield Form(kind, who, form, leaked)


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def date_forms(day: date) -> Iterator[Form]:
    d, m, y, yy = day.day, day.month, day.year, day.year % 100
    month = MONTHS[m - 1]
    written = [
        day.isoformat(),
        f"{y}/{m:02d}/{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{m:02d}/{d:02d}/{y}",
        f"{m}/{d}/{y}",
        f"{d:02d}/{m:02d}/{y}",
        f"{d}/{m}/{y}",
        f"{d:02d}.{m:02d}.{y}",
        f"{d}.{m}.{y}",
        f"{d}. {m}. {y}",
        f"{m:02d}-{d:02d}-{y}",
        f"{d:02d}-{m:02d}-{y}",
        f"{m}/{d}/{yy:02d}",
        f"{m:02d}/{d:02d}/{yy:02d}",
        f"{d}/{m}/{yy:02d}",
        f"{month} {d}, {y}",
        f"{month} {ordinal(d)}, {y}",
        f"{month} {d} {y}",
        f"{month.upper()} {d}, {y}",
        f"{month.lower()} {ordinal(d)} {y}",
        f"{month[:3]} {d}, {y}",
        f"{month[:3]}. {d}, {y}",
        f"{d} {month} {y}",
        f"{ordinal(d)} {month} {y}",
        f"{ordinal(d)} of {month}, {y}",
        f"{d}-{month[:3]}-{y}",
        f"{d} {month[:3]} {yy:02d}",
        f"{month} {d}, '{yy:02d}",
    ]
    for w in written:
        yield Form("birth date", "client", w, _digits_or_month)


def phone_forms(value: str, who: str) -> Iterator[Form]:
    digits = re.sub(r"\D", "", value)[-10:]
    a, e, n = digits[:3], digits[3:6], digits[6:]
    for w in (
        f"({a}) {e}-{n}",
        f"{a}-{e}-{n}",
        f"{a}.{e}.{n}",
        f"{a} {e} {n}",
        f"{a}{e}{n}",
        f"+1 {a} {e} {n}",
        f"+1 ({a}) {e}-{n}",
        f"1-{a}-{e}-{n}",
        f"({a}){e}-{n}",
        f"{a}/{e}-{n}",
        f"{e}-{n}",
        f"{e} {n}",
        f"{e}{n}",
    ):
        yield Form("phone", who, w, _digits_or_month)


def email_forms(value: str, who: str) -> Iterator[Form]:
    local, _, domain = value.partition("@")
    name, _, tld = domain.rpartition(".")
    leaked = _tokens_leak({fold(local).lower()} | {t for t in re.split(r"[._+-]", local.lower()) if len(t) > 2})
    for w in (
        value,
        value.upper(),
        f"<{value}>",
        f"mailto:{value}",
        f"{local} at {name} dot {tld}",
        f"{local}(at){name}(dot){tld}",
        f"{local} [at] {domain}",
    ):
        yield Form("email", who, w, leaked)
    if re.search(r"[\d._+-]", local):
        yield Form("email", who, local, leaked)


def address_forms(value: str, who: str) -> Iterator[Form]:
    a = parse_address(value)
    core = list(a.street[:-1] if a.typed else a.street)
    generic = TYPE_WORDS | {s.lower() for s in STATES} | {"apt", "unit", "suite"}
    street_tokens = {_key(w) for w in core if _key(w) not in generic and len(_key(w)) > 1}
    city_tokens = {_key(w) for w in a.city}
    number = {a.number} if a.number else set()
    zip_ = {a.zip} if a.zip else set()
    whole = _tokens_leak(street_tokens | city_tokens | number | zip_)
    for w in (
        value,
        value.upper(),
        value.lower(),
        value.replace(",", ""),
        re.sub(r"\s+", " ", value.replace(",", " ")),
    ):
        yield Form("address", who, w, whole)
    if a.street:
        street = _tokens_leak(street_tokens | number)
        kind = a.street[-1].rstrip(".").lower() if a.typed else None
        tellings = next((g.split() for g in TYPES if kind in g.split()), [kind]) if kind else [""]
        names = [" ".join(core + [t]).strip() for t in {tellings[0].title(), tellings[-1].title()}]
        names += [" ".join(core + [tellings[-1].title() + "."])] if a.typed else []
        for n in names:
            yield Form("address", who, n, street)
            yield Form("address", who, n.lower(), street)
            yield Form("address", who, f"{n} apartment", street)
            if a.number:
                yield Form("address", who, f"{a.number} {n}", street)
                yield Form("address", who, f"{a.number} {n}, Apt 3", street)
        if core:
            yield Form("address", who, f"{' '.join(core)} apartment", street)
            if a.number:
                yield Form("address", who, f"{a.number} {' '.join(core)}", street)
    if a.city and (a.zip or a.state):
        city = _tokens_leak(city_tokens | zip_)
        city_name = " ".join(a.city)
        if a.zip:
            yield Form("address", who, f"{city_name} {a.zip}", city)
            yield Form("address", who, f"{city_name}, {a.zip}", city)
            yield Form("address", who, f"zip code {a.zip}", _tokens_leak(zip_))
        if a.state:
            full = STATES.get(a.state.upper(), a.state)
            yield Form("address", who, f"{city_name}, {a.state}", city)
            yield Form("address", who, f"{city_name}, {full}", city)
            if a.zip:
                yield Form("address", who, f"{city_name}, {a.state} {a.zip}", city)
                yield Form("address", who, f"{city_name.upper()} {a.state} {a.zip}", city)


TYPES = [
    "street st",
    "avenue ave",
    "road rd",
    "lane ln",
    "drive dr",
    "court ct",
    "place pl",
    "boulevard blvd",
    "terrace ter",
    "circle cir",
    "hollow holw",
    "way",
]


def record_forms(value: str) -> Iterator[Form]:
    parts = re.findall(r"[A-Za-z]+|\d+", value)
    digits = re.fullmatch(r"[A-Za-z]*[\W_]*0*(\d{5,})", value)
    tokens = {value.lower(), re.sub(r"[\W_]", "", value).lower()} | {p.lower() for p in parts if len(p) >= 4}
    leaked = _tokens_leak(tokens)
    forms = {value, value.lower(), value.upper(), re.sub(r"[\W_]", "", value), " ".join(parts), "-".join(parts)}
    if digits:
        forms |= {digits.group(1), f"MRN {digits.group(1)}", f"MRN: {digits.group(1)}", f"MRN#{digits.group(1)}"}
        forms.add(f"medical record number {digits.group(1)}")
    for w in sorted(forms):
        yield Form("record", "client", w, leaked)


def forms(client: Client) -> list[Form]:
    """Every identifier of the record, in every writing above."""
    out: list[Form] = []
    own = [client.full_name] + [c.name for c in client.contacts if c.relationship == "self"]
    for name in own:
        out += name_forms(name, "name", "client")
    if client.date_of_birth:
        out += date_forms(client.date_of_birth)
    people: list[Client | ClientContact] = [client, *(c for c in client.contacts if c.relationship != "self")]
    for who in people:
        label = who.relationship if isinstance(who, ClientContact) else "client"
        if isinstance(who, ClientContact) and who.name:
            out += name_forms(who.name, "contact name", label)
        if who.phone:
            out += phone_forms(who.phone, label)
        if who.email:
            out += email_forms(who.email, label)
        if who.address:
            out += address_forms(who.address, label)
    for value in (client.mrn, client.id):
        if value:
            out += record_forms(value)
    return out


def leaks(client: Client, masker: Callable[[str, Client], str] = mask) -> tuple[int, list[tuple[str, str, str]]]:
    """(writings tried, those of which something survived: kind, writing, masked sentence)."""
    tried, found = 0, []
    for form in forms(client):
        for sentence in SENTENCES:
            text = masker(sentence.format(x=form.written), client)
            tried += 1
            if form.leaked(text):
                found.append((form.kind, form.written, text))
    return tried, found


# -- the records: demo charts, and the public FHIR patients with relatives added --------------------------


def with_relatives(bundle: dict) -> dict:
    """A fixture bundle whose patient has an emergency contact (Patient.contact) and a mother
    (RelatedPerson), with names, phones, an e-mail and an address of their own."""
    b = copy.deepcopy(bundle)
    patient = next(e for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["resource"]["contact"] = [
        {
            "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C"}]}],
            "name": {"family": "Quill402", "given": ["Mara612"]},
            "telecom": [{"system": "phone", "value": "555-201-3344"}],
            "address": {
                "line": ["12 Orchard Lane", "Apt 3"],
                "city": "Springfield",
                "state": "MA",
                "postalCode": "01103",
            },
        }
    ]
    b["entry"].append(
        {
            "fullUrl": "urn:uuid:related-mother",
            "resource": {
                "resourceType": "RelatedPerson",
                "id": "related-mother",
                "patient": {"reference": patient["fullUrl"]},
                "relationship": [{"coding": [{"code": "MTH", "display": "mother"}]}],
                "name": [{"family": "Renwick", "given": ["Odette"]}],
                "telecom": [{"system": "email", "value": "odette.renwick@example.org"}],
                "address": [{"line": ["7 Kestrel Court"], "city": "Holyoke", "state": "MA", "postalCode": "01040"}],
            },
        }
    )
    return b


@pytest.fixture(scope="module")
def fhir_clients(tmp_path_factory) -> list[Client]:
    from core.config import Settings
    from core.service import Practice
    from tests.conftest import ANCHOR

    folder = tmp_path_factory.mktemp("fhir-relatives")
    practice = Practice.open(Settings(db_path=folder / "charts.duckdb"), create=True, today=lambda: ANCHOR)
    paths = []
    for path in BUNDLES:
        paths.append(folder / path.name)
        paths[-1].write_text(json.dumps(with_relatives(json.loads(path.read_text()))))
    reports = charts.import_fhir(practice, IMPORTER, paths, behavioral_only=True)
    clients = [practice.store.client(r.client_id) for r in reports]
    practice.store.close()
    return clients


def demo_clients(practice) -> list[Client]:
    return [practice.store.client(r.id) for r in practice.store.client_rows()]


def test_demo_records_carry_relatives(practice):
    with_contacts = [c for c in demo_clients(practice) if c.contacts]
    assert len(with_contacts) == 5
    assert {k.relationship for c in with_contacts for k in c.contacts} == {
        "mother",
        "partner",
        "brother",
        "sister",
        "emergency contact",
    }


def test_no_writing_of_a_demo_identifier_survives(practice):
    tried = 0
    for client in demo_clients(practice):
        n, found = leaks(client)
        tried += n
        assert found == [], (client.id, found[:5])
    assert tried > 15_000


@needs_fixtures
def test_no_writing_of_a_fhir_identifier_survives(fhir_clients):
    assert len(fhir_clients) == len(BUNDLES)
    tried = 0
    for client in fhir_clients:
        relationships = {c.relationship for c in client.contacts}
        assert {"emergency contact", "mother"} <= relationships, client.id
        n, found = leaks(client)
        tried += n
        assert found == [], (client.id, found[:5])
    assert tried > 10_000


# -- what is masked that should not be ------------------------------------------------------------------


def transcriptions() -> list[str]:
    with open(TRANSCRIPTIONS, newline="", encoding="utf-8") as f:
        return [row["transcription"] for row in csv.DictReader(f)]


WORD = re.compile(r"\S+")


def changed_words(before: str, after: str) -> int:
    """Words of the text that the masking replaced."""
    a, b = WORD.findall(before), WORD.findall(after)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(i2 - i1 for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("replace", "delete"))


NOBODY = Client("X0", "", "", "", None, None, None, None, None, None, None, None, None)  # type: ignore[arg-type]
# Records whose identifiers are ordinary words: the worst case for masking prose.
ORDINARY_RECORDS = (
    replace(
        NOBODY,
        id="X1",
        full_name="Hope Will",
        first_name="Hope",
        last_name="Will",
        date_of_birth=date(1990, 5, 1),
        phone="(217) 555-0111",
        address="12 Main Street, Normal, IL 61761",
        contacts=(ClientContact("X1", "mother", "Grace Will"), ClientContact("X1", "father", "Mark Will")),
    ),
    replace(
        NOBODY,
        id="X2",
        full_name="May Young",
        first_name="May",
        last_name="Young",
        date_of_birth=date(1975, 3, 2),
        address="1 Park Ave, Hope, AR 71801",
        contacts=(ClientContact("X2", "partner", "Frank Brown"),),
    ),
)


def false_masks(records: list[Client]) -> tuple[int, int, int]:
    """(words changed by the record's rules, words in all, pairs of text and record with any change),
    over every transcription masked with every record; what generic patterns mask (phones, streets
    that are not the record's) is counted out."""
    texts = transcriptions()
    generic = [mask(t, NOBODY) for t in texts]
    changed = total = pairs = 0
    for client in records:
        for text, baseline in zip(texts, generic):
            n = changed_words(baseline, mask(text, client))
            changed += n
            pairs += n > 0
            total += len(WORD.findall(text))
    return changed, total, pairs


@needs_fixtures
def test_prose_survives_the_records_rules(practice, fhir_clients):
    assert len(transcriptions()) == 53
    changed, total, pairs = false_masks(demo_clients(practice) + fhir_clients)
    assert changed / total < 0.00001, (changed, total, pairs)


@needs_fixtures
def test_prose_survives_records_made_of_ordinary_words():
    changed, total, _ = false_masks(list(ORDINARY_RECORDS))
    assert changed / total < 0.0001, (changed, total)
    text = "We hope the patient will continue; she may call if grace period ends. Most young adults park here."
    assert mask(text, ORDINARY_RECORDS[0]) == text
    assert mask(text, ORDINARY_RECORDS[1]) == text
