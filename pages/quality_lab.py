"""Quality lab for pilot testers: automated checks, PDQI-9 ratings, engine comparison, edit burden."""

import functools

import pandas as pd
import streamlit as st

from core import charts, downloads, evaluation, ratings, summaries
from core.evidence import used
from core.models import EvalItem
from core.safety import shown
from ui import checks, download, evidence, keys
from ui.common import local, practice, user_errors
from ui.frame import current_actor, require_page

require_page("quality_lab")

st.title("Quality lab")
st.caption("For pilot testers: how grounded, complete and useful the drafts are, and how much clinicians change.")
rate_tab, compare_tab, burden_tab = st.tabs(
    ["Rate drafts and summaries", "Compare engines", "Edit burden"], key="lab_tab", on_change="rerun"
)


def pdqi_form(kind: str, target_id: str, version: int | None = None) -> None:
    """The nine PDQI-9 items, 1 (not at all) to 5 (extremely), and a comment."""
    with st.form(f"pdqi:{kind}:{target_id}:{version}", clear_on_submit=True):
        st.markdown("**PDQI-9 rating** · 1 = not at all, 5 = extremely")
        scores = {
            key: st.segmented_control(
                label,
                list(ratings.ANCHORS),
                key=f"{key}:{kind}:{target_id}:{version}",
                help=help_text,
                format_func=lambda n: f"{n}",
            )
            for key, label, help_text in ratings.PDQI9
        }
        comment = st.text_area("Comment", key=f"comment:{kind}:{target_id}:{version}", max_chars=2000)
        if st.form_submit_button("Save rating", type="primary"):
            with user_errors():
                saved = ratings.rate(
                    practice(),
                    current_actor(),
                    kind,
                    target_id,
                    {k: v for k, v in scores.items() if v is not None},
                    comment,
                    version,
                )
                st.success(f"Rating saved (total {saved.total} of 45).")


def rate_section() -> None:
    clients = charts.find_clients(practice(), current_actor())
    client = st.selectbox("Client", clients, format_func=lambda r: shown(f"{r.full_name} ({r.id})"), key="lab_client")
    draft = summaries.active_draft(practice(), current_actor(), client.id)
    options: list[tuple[str, str, int | None, str]] = []  # (kind, id, draft version, label)
    if draft:
        options += [("draft", draft.id, v.number, f"Draft version {v.number} ({v.kind})") for v in draft.versions]
    options += [
        (
            "summary",
            s.id,
            None,
            f"Signed summary {s.range_start} to {s.range_end} ({s.id})"
            + ("" if s.verified else " · FAILS ITS INTEGRITY CHECK"),
        )
        for s in summaries.summaries(practice(), current_actor(), client.id)
    ]
    if not options:
        st.info("This client has no draft or signed summary yet. Compare engines drafts over many charts at once.")
        return
    kind, target_id, version, _ = st.selectbox("What to rate", options, format_func=lambda o: o[3], key="lab_target")
    if kind == "draft":
        if draft is None:  # draft options are only offered when the client has a draft
            raise AttributeError("a draft version was picked but the client has no draft")
        version_ = next(v for v in draft.versions if v.number == version)
        text = version_.text
        sel, cites = summaries.draft_selection(practice(), current_actor(), draft), version_.citations
    else:
        s = summaries.get_summary(practice(), current_actor(), target_id)
        if not s.verified:
            st.error(ratings.TAMPERED_NOT_RATED, icon=":material/gpp_bad:")
            return
        text, cites = s.text, s.citations
        sel = summaries.summary_selection(practice(), current_actor(), s)
    report = charts.check_text(practice(), current_actor(), sel, text, cites)
    found = charts.paragraph_evidence(practice(), current_actor(), sel, text, text, cites, report.claims)
    key = f"lab:{target_id}:{version}"
    left, right = st.columns([3, 2], gap="large")
    with left:  # the text, and the chart it rests on, beside the rating form
        at_text, at_evidence, at_sources = st.tabs(["Text", "Evidence by paragraph", "Sources"])
        with at_text, st.container(border=True, height=700):
            st.markdown(shown(text))
        with at_evidence:
            evidence.paragraphs(found, key)
        with at_sources:
            evidence.sources(sel.items, used(found), key)
    with right:
        checks.render(report)
        pdqi_form(kind, target_id, version)
    previous = ratings.ratings(practice(), current_actor(), kind, target_id)
    if previous:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Rated": local(r.rated_at),
                        "Rater": r.rater,
                        "Version": r.version,
                        "Total": r.total,
                        **{label: r.scores[k] for k, label, _ in ratings.PDQI9},
                        "Comment": r.comment,
                    }
                    for r in previous
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def compare_section() -> None:
    st.markdown(
        "Draft the same charts with two engines (each client over the whole treatment and the last 6 "
        "months), check every draft, then compare side by side and rate."
    )
    clients = charts.find_clients(practice(), current_actor())
    chosen = st.multiselect(
        "Clients",
        [c.id for c in clients],
        default=[c.id for c in clients],
        format_func=lambda i: next(shown(f"{c.full_name} ({c.id})") for c in clients if c.id == i),
        key="lab_clients",
    )
    c1, c2 = st.columns(2)
    choices = evaluation.engine_choices(practice(), current_actor())
    engine_a = c1.selectbox("Engine A", choices, key="engine_a")
    engine_b = c2.selectbox("Engine B", choices, key="engine_b", index=len(choices) - 1)
    if "anthropic" not in choices:
        st.caption("The AI engine appears here when an API key is configured; the offline engine is the baseline.")
    if st.button("Run comparison", type="primary", disabled=not chosen, key="run_comparison"):
        bar = st.progress(0.0, text="Drafting…")

        def show_progress(step: int, engine: str, n: int, total: int, cid: str) -> None:
            bar.progress((step * total + n) / (2 * total), text=shown(f"{engine}: {cid} ({n} of {total})"))

        run_ids = []
        with user_errors():
            for step, engine in enumerate((engine_a, engine_b)):
                run_ids.append(
                    evaluation.evaluate(
                        practice(),
                        current_actor(),
                        engine,
                        chosen,
                        on_progress=functools.partial(show_progress, step, engine),
                    )
                )
            st.session_state[keys.COMPARE_RUNS] = run_ids
        bar.empty()
    runs = evaluation.runs(practice(), current_actor())
    if len(runs) < 1:
        return
    labels = {r.id: shown(f"{r.label} · prompt {r.prompt_version} · {local(r.created_at)} ({r.id})") for r in runs}
    picked = st.session_state.get(keys.COMPARE_RUNS) or [r.id for r in runs[:2]][::-1]
    c1, c2 = st.columns(2)
    run_a = c1.selectbox(
        "Run A", list(labels), format_func=labels.__getitem__, key="run_a", index=list(labels).index(picked[0])
    )
    run_b = c2.selectbox(
        "Run B", list(labels), format_func=labels.__getitem__, key="run_b", index=list(labels).index(picked[-1])
    )
    aggregate_view()
    for pair in evaluation.compare(practice(), current_actor(), run_a, run_b):
        a, b = pair.a, pair.b
        with st.expander(shown(f"{pair.client_id} · {pair.range_label} · A: {summary_line(a)} · B: {summary_line(b)}")):
            for col, item in zip(st.columns(2), (a, b)):
                with col:
                    if not item or item.status != "drafted":
                        st.caption(shown(item.message) if item else "Not in this run.")
                        continue
                    st.markdown(shown(item.text or ""))
                    with st.popover("Rate this draft"):
                        pdqi_form("eval", item.id)
    rows = [
        row
        for run_id in (run_a, run_b)
        for row in evaluation.item_rows(evaluation.run(practice(), current_actor(), run_id)[1])
    ]
    table_download("Download drafts' checks (CSV)", "quality-lab-drafts.csv", lambda: rows)


def table_download(label: str, file_name: str, rows) -> None:
    """A CSV served once by ticket, like the PDFs (never kept in Streamlit's media store)."""
    download.button(
        label,
        f"csv:{file_name}",
        file_name,
        functools.partial(downloads.table_ticket, practice(), current_actor(), file_name, rows),
    )


def summary_line(item: EvalItem | None) -> str:
    if not item or item.status != "drafted" or item.metrics is None:
        return item.status if item else "—"
    m = item.metrics
    return f"{m['unsupported']} unsupported, coverage {m['coverage_covered']}/{m['coverage_total']}, {m['words']} words"


def aggregate_view() -> None:
    rows = evaluation.aggregates(practice(), current_actor())
    if not rows:
        return
    st.markdown("**By engine and prompt version** (all runs and ratings so far)")
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch")
    chart = table.assign(engine=table["engine"] + " " + table["prompt_version"]).set_index("engine")
    st.bar_chart(chart[["unsupported_rate", "coverage_rate"]], stack=False, height=220)
    table_download("Download by engine (CSV)", "quality-lab-engines.csv", lambda: rows)


def burden_section() -> None:
    rows = evaluation.edit_burdens(practice(), current_actor())
    st.markdown(
        "How much of the generated text survived into the signed text: the share of the generated "
        "words kept in order (1.0 = signed as generated), and the Update rounds it took."
    )
    if not rows:
        st.info("No signed summaries yet.")
        return
    table = pd.DataFrame([r.__dict__ for r in rows])
    st.dataframe(table, hide_index=True, width="stretch")
    st.dataframe(
        table.groupby(["engine", "model", "prompt_version"], as_index=False).agg(
            summaries=("summary_id", "count"),
            mean_retained=("retained", "mean"),
            mean_update_rounds=("update_rounds", "mean"),
        ),
        hide_index=True,
        width="stretch",
    )
    table_download("Download edit burden (CSV)", "edit-burden.csv", lambda: [r.__dict__ for r in rows])


if rate_tab.open:
    with rate_tab:
        rate_section()
if compare_tab.open:
    with compare_tab:
        compare_section()
if burden_tab.open:
    with burden_tab:
        burden_section()
