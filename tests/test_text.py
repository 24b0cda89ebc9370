"""The shared text helpers."""

from core.text import paragraphs


def test_paragraphs_are_blank_line_separated_blocks():
    text = "## Diagnoses\n\n- F41.1 Generalized anxiety disorder\n- F32.1 MDD\n\n\n| a | b |\n|---|---|"
    assert paragraphs(text) == [
        "## Diagnoses",
        "- F41.1 Generalized anxiety disorder\n- F32.1 MDD",
        "| a | b |\n|---|---|",
    ]
