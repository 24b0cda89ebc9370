"""Tracked changes between two versions of a draft: what was removed and what was added, paragraph by
paragraph, each change accepted or rejected where the clinician decides."""

from __future__ import annotations

import streamlit as st

from core.changes import Comparison
from core.safety import shown

CHOICES = ("Accept", "Reject")


def render(comparison: Comparison, key: str, decide: bool) -> dict[int, bool]:
    """Each change, removed text over added text; with `decide`, an Accept / Reject choice per change.
    Returns the choices (change number -> accepted)."""
    accepted: dict[int, bool] = {}
    if not comparison.changes:
        st.caption("The two versions have the same text.")
        return accepted
    for c in comparison.changes:
        with st.container(border=True):
            head = f"Change {c.number + 1} of {len(comparison.changes)} · {c.kind}" + (
                f" · {c.section}" if c.section else ""
            )
            st.caption(shown(head))
            if c.removed:
                st.markdown(":red-background[Removed]")
                st.markdown(shown("\n\n".join(c.removed)))
            if c.added:
                st.markdown(":green-background[Added]")
                st.markdown(shown("\n\n".join(c.added)))
            if decide:
                choice = st.segmented_control(
                    "Keep this change?", CHOICES, default="Accept", key=f"{key}:{c.number}", required=True
                )
                accepted[c.number] = choice != "Reject"
    return accepted
