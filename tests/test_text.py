"""Rendering safety and the shared text helpers."""

from core.text import neutralize_markdown, paragraphs


def test_images_html_and_remote_links_are_neutralized():
    hostile = ("Progress noted. ![x](http://evil.example/pixel.png) <img src=http://evil.example/a> "
               "[see this](https://evil.example/steal?q=1) <https://evil.example/auto> <script>alert(1)</script>\n"
               "[ref]: http://evil.example/ref")
    safe = neutralize_markdown(hostile)
    assert "evil.example/pixel" not in safe and "![" not in safe
    assert "<img" not in safe and "<script>" not in safe and "&lt;img" in safe
    assert "https://evil.example/steal" not in safe and "see this" in safe
    assert "<https://" not in safe and "[ref]:" not in safe


def test_ordinary_markdown_is_kept():
    text = "## Diagnoses\n\n- F41.1 Generalized anxiety disorder\n\n| a | b |\n|---|---|\n| 1 < 2 | x |"
    assert neutralize_markdown(text) == text
    assert paragraphs(text)[0] == "## Diagnoses"
