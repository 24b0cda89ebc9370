"""The evidence of a draft, paragraph by paragraph: the chart items each paragraph rests on, named in
words, with the passages of each item it carries, and the checks' findings on it. A clinician
verifies a paragraph against its sources without leaving the editor.

The citations an engine gave hold for the text it wrote; a paragraph the clinician or an Update
changed is attributed again (core.text.attribute), so the evidence always describes the text on
screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .claims import Finding
from .models import Citation, Client, SourceItem
from .privacy import mask
from .sources import Selection
from .text import attribute, paragraphs, sentences

KINDS = ("note", "assessment", "plan", "diagnosis", "medication")
LABEL = re.compile(r"^(?:[SOAPDBIR]|[A-Z][a-z]+(?: [a-z]+)?):\s+")  # a SOAP / DAP / BIRP part or a field name


@dataclass(frozen=True)
class Cited:
    """One item a paragraph rests on, and the sentences of the item the paragraph carries."""

    item: SourceItem
    label: str
    passages: tuple[str, ...]  # sentences of the item's text, as the chart has them


@dataclass(frozen=True)
class Paragraph:
    number: int  # 0-based, blank-line separated blocks of the text (as citations count them)
    section: str  # the heading the paragraph is under
    text: str
    cited: tuple[Cited, ...]
    findings: tuple[Finding, ...]

    @property
    def opening(self) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return first if len(first) <= 80 else first[:77].rstrip() + "…"


def label(item: SourceItem) -> str:
    """The item in words: "PHQ-9 18 (moderately severe), 2025-11-18", "Progress note 2026-03-02"."""
    day = item.date.isoformat()
    if item.kind == "assessment":
        return f"{item.title}, {day}"
    if item.kind == "note":
        kind = "Intake assessment" if "intake" in item.reason.lower() else "Progress note"
        return f"{kind} {day}"
    if item.kind == "plan":
        return f"Treatment plan from {day}"
    if item.kind == "diagnosis":
        return f"Diagnosis {item.title}"
    return f"Medication {item.title}, {day}"


def _key(s: str) -> str:
    return re.sub(r"\W+", " ", s.lower()).strip()


def passages(item: SourceItem, paragraph: str, sel: Selection, quotes: Iterable[str] = ()) -> tuple[str, ...]:
    """The item's sentences that the paragraph carries, word for word once masked as drafts mask them,
    or that the engine quotes (its quotes are of the masked text it was sent); dates and codes alone
    make no passage."""
    said, quoted = _key(paragraph), [_key(q) for q in quotes if len(q.split()) >= 3]
    return tuple(
        s
        for s, masked in _masked_sentences(item.text, sel.client)
        if masked in said or any(q in masked or masked in q for q in quoted)
    )


@lru_cache(maxsize=4096)
def _masked_sentences(text: str, client: Client) -> tuple[tuple[str, str], ...]:
    """(sentence, its words once masked) of an item's text, for the sentences of four words or more: the
    same item is read for every paragraph that cites it, and chart text never changes."""
    bare = (LABEL.sub("", s) for s in sentences(text))  # "S: Client notes …": the label is no passage
    return tuple((s, _key(mask(s, client))) for s in bare if len(s.split()) >= 4)


def of_text(
    sel: Selection,
    text: str,
    generated: str = "",
    citations: Iterable[Citation] = (),
    findings: Iterable[Finding] = (),
) -> list[Paragraph]:
    """Every paragraph of `text` (headings left out) with its evidence. `citations` are the engine's,
    for the paragraphs of `generated`; a paragraph of `text` found unchanged there keeps them."""
    by_id = {i.id: i for i in sel.items}
    engine_cited = {c.paragraph: c for c in citations}
    unchanged = {block: c for n, block in enumerate(paragraphs(generated)) if (c := engine_cited.get(n))}
    derived = {c.paragraph: c.item_ids for c in attribute(text, sel.items)}
    findings = tuple(findings)
    out, section = [], ""
    for n, block in enumerate(paragraphs(text)):
        if block.startswith("## "):
            section = block[3:].strip()
            continue
        kept = unchanged.get(block)
        ids = kept.item_ids if kept else derived.get(n, ())
        items = sorted(
            (by_id[i] for i in dict.fromkeys(ids) if i in by_id), key=lambda i: (KINDS.index(i.kind), i.date)
        )
        said = kept.quotes if kept else ()
        cited = tuple(Cited(i, label(i), passages(i, block, sel, (q for k, q in said if k == i.id))) for i in items)
        mine = tuple(f for f in findings if f.sentence and (f.sentence in block or _key(f.sentence) in _key(block)))
        out.append(Paragraph(n, section, block, cited, mine))
    return out


def used(paragraphs_: Iterable[Paragraph]) -> frozenset[str]:
    """The ids of the items any paragraph rests on."""
    return frozenset(c.item.id for p in paragraphs_ for c in p.cited)


def search(
    items: Iterable[SourceItem], query: str, kinds: Iterable[str] = (), among: Iterable[str] | None = None
) -> list[tuple[SourceItem, tuple[str, ...]]]:
    """The items holding every word of the query (in their name, title or text), of the given kinds
    (all if none) and among the given ids (all if None), each with its sentences that hold them all."""
    words = [w for w in query.lower().split() if w]
    kinds, among = set(kinds), None if among is None else set(among)
    out = []
    for i in items:
        if (kinds and i.kind not in kinds) or (among is not None and i.id not in among):
            continue
        if all(w in f"{label(i)} {i.title} {i.text}".lower() for w in words):
            hits = tuple(s for s in sentences(i.text) if all(w in s.lower() for w in words)) if words else ()
            out.append((i, hits))
    return out
