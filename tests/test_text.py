"""Text helpers: neutralizing untrusted summary Markdown before it is rendered anywhere."""

import pytest

from core.text import neutralize_markdown


@pytest.mark.parametrize("text,gone,kept", [
    ("See ![scan](http://evil/y.png) here", ["![", "http://evil"], ["See", "here"]),
    ("![x][logo]\n\n[logo]: http://evil/logo.png", ["http://evil", "!["], []),
    ("Read [the leaflet](http://evil/z) today", ["http://evil", "]("], ["Read the leaflet today"]),
    ("[mail](mailto:a@evil) and [local](notes.html)", ["mailto:", "notes.html"], ["mail and local"]),
    ("<img src=http://evil/x> and <script>alert(1)</script>", ["<img", "<script"], ["&lt;img", "&lt;script"]),
    ("<http://evil/auto> <!-- hidden -->", ["<http", "<!--"], ["&lt;http", "&lt;!--"]),
])
def test_untrusted_markdown_loses_images_links_and_markup(text, gone, kept):
    out = neutralize_markdown(text)
    assert not [g for g in gone if g in out] and all(k in out for k in kept)


def test_ordinary_summary_markdown_is_left_alone():
    text = ("## Measurement-based outcomes\n\n| Measure | First | Latest |\n|---|---|---|\n| PHQ-9 | 12 | 9 |\n\n"
            "- Score < 10 for **two** administrations\n1. Goal")
    assert neutralize_markdown(text) == text
