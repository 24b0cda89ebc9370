"""What one version of a draft changed against another, paragraph by paragraph, as tracked changes a
clinician accepts or rejects one by one (difflib's matching of the paragraph sequences)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from .text import paragraphs


@dataclass(frozen=True)
class Change:
    """Paragraphs of the earlier text (`removed`) that the later one replaces with `added`; either may
    be empty (a pure insertion or deletion)."""

    number: int  # 0-based among the changes of one comparison
    removed: tuple[str, ...]
    added: tuple[str, ...]
    section: str  # the heading the change falls under in the later text

    @property
    def kind(self) -> str:
        return "inserted" if not self.removed else "deleted" if not self.added else "replaced"


@dataclass(frozen=True)
class Comparison:
    before: tuple[str, ...]
    after: tuple[str, ...]
    opcodes: tuple[tuple[str, int, int, int, int], ...]
    changes: tuple[Change, ...]


def compare(before: str, after: str) -> Comparison:
    a, b = tuple(paragraphs(before)), tuple(paragraphs(after))
    ops = tuple(SequenceMatcher(None, a, b, autojunk=False).get_opcodes())

    def under(j: int) -> str:
        """The heading at or before paragraph j of the later text."""
        return next((b[k][3:].strip() for k in range(min(j, len(b) - 1), -1, -1) if b[k].startswith("## ")), "")

    changes = [
        Change(n, a[i1:i2], b[j1:j2], under(j2 - 1 if j2 > j1 else j1 - 1))
        for n, (tag, i1, i2, j1, j2) in enumerate(op for op in ops if op[0] != "equal")
    ]
    return Comparison(a, b, ops, tuple(changes))


def resolve(comparison: Comparison, accepted: Mapping[int, bool]) -> str:
    """The later text with each change accepted (kept) or rejected (the earlier paragraphs put back);
    a change not decided is accepted."""
    out: list[str] = []
    n = 0
    for tag, i1, i2, j1, j2 in comparison.opcodes:
        if tag == "equal":
            out += comparison.after[j1:j2]
            continue
        out += comparison.after[j1:j2] if accepted.get(n, True) else comparison.before[i1:i2]
        n += 1
    return "\n\n".join(out) + "\n"
