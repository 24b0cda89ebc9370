"""Quality lab for pilot testers: automated checks, PDQI-9 ratings, engine comparison, edit burden."""

import functools

import pandas as pd
import streamlit as st

from core import charts, downloads, evaluation, ratings, study, summaries
from core.evidence import used
from core.models import EvalItem
from core.safety import shown
from core.text import paragraphs
from ui import checks, download, evidence, keys
from ui.common import local, practice, user_errors
from ui.frame import current_actor, require_page

require_page("quality_lab")

st.title("Quality lab")
st.caption("For pilot testers: how grounded, complete and useful the drafts are, and how much clinicians change.")
rate_tab, blind_tab, compare_tab, burden_tab = st.tabs(
    ["Rate drafts and summaries", "Blinded comparison", "Compare engines", "Edit burden"],
    key="lab_tab",
    on_change="rerun",
)


def pdqi_controls(suffix: str) -> dict:
    """The nine PDQI-9 items, 1 (not at all) to 5 (extremely)."""
    return {
        key: st.segmented_control(
            label, list(ratings.ANCHORS), key=f"{key}:{suffix}", help=help_text, format_func=lambda n: f"{n}"
        )
        for key, label, help_text in ratings.PDQI9
    }


def pdqi_form(kind: str, target_id: str, version: int | None = None) -> None:
    """PDQI-9 and a comment. A refused rating keeps every entry; a saved one starts a fresh form."""
    base = f"{kind}:{target_id}:{version}"
    fresh = st.session_state.get(f"pdqi_saved:{base}", 0)  # ratings saved here so far
    suffix = base + (f":{fresh}" if fresh else "")
    with st.form(f"pdqi:{suffix}"):
        st.markdown("**PDQI-9 rating** · 1 = not at all, 5 = extremely")
        if said := st.session_state.pop(f"pdqi_said:{base}", None):
            st.success(said)
        scores = pdqi_controls(suffix)
        comment = st.text_area("Comment", key=f"comment:{suffix}", max_chars=2000)
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
                st.session_state[f"pdqi_saved:{base}"] = fresh + 1
                st.session_state[f"pdqi_said:{base}"] = f"Rating saved (total {saved.total} of 45)."
                st.rerun()


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
    blinded_results(run_a, run_b)
    pairs = evaluation.compare(practice(), current_actor(), run_a, run_b)
    f1, f2 = st.columns([3, 2])
    only = f1.multiselect("Only these clients", sorted({x.client_id for x in pairs}), key="compare_clients")
    found = f2.selectbox("Only drafts where the checks found", list(FINDINGS), key="compare_finding")
    shown_pairs = [
        x for x in pairs if (not only or x.client_id in only) and (FINDINGS[found](x.a) or FINDINGS[found](x.b))
    ]
    st.caption(f"{len(shown_pairs)} of {len(pairs)} pairs · paragraphs that differ between the two drafts are marked")
    for pair in shown_pairs:
        a, b = pair.a, pair.b
        with st.expander(shown(f"{pair.client_id} · {pair.range_label} · A: {summary_line(a)} · B: {summary_line(b)}")):
            for col, item, other in zip(st.columns(2), (a, b), (b, a)):
                with col:
                    if not item or item.status != "drafted":
                        st.caption(shown(item.message) if item else "Not in this run.")
                        continue
                    theirs = set(paragraphs(other.text or "")) if other and other.text else set()
                    for para in paragraphs(item.text or ""):
                        if para in theirs or para.startswith("#"):
                            st.markdown(shown(para))
                        else:
                            with st.container(border=True):
                                st.markdown(":orange-badge[differs]")
                                st.markdown(shown(para))
                    with st.popover("Rate this draft"):
                        pdqi_form("eval", item.id)
    rows = [
        row
        for run_id in (run_a, run_b)
        for row in evaluation.item_rows(*evaluation.run(practice(), current_actor(), run_id))
    ]
    table_download("Download drafts' checks (CSV)", "quality-lab-drafts.csv", lambda: rows)


FINDINGS = {  # the compare filter: a draft the checks found this in
    "anything or nothing": lambda item: True,
    "a wrong claim": lambda item: bool(item and item.metrics and item.metrics.get("claim_errors")),
    "an unsupported fact": lambda item: bool(item and item.metrics and item.metrics.get("unsupported")),
    "missing coverage": lambda item: bool(
        item and item.metrics and item.metrics["coverage_covered"] < item.metrics["coverage_total"]
    ),
    "a leak from excluded notes": lambda item: bool(item and item.metrics and item.metrics.get("leaks")),
}


def run_label(r) -> str:
    """A run as a blinded tester may see it: when it ran and its size, never its engine, model or prompt."""
    return f"Run of {local(r.created_at)} ({r.id[-6:]})"


def blind_section() -> None:
    st.markdown(
        "Rate two drafts of the same chart and window, shown as Draft 1 and Draft 2 in an order drawn for "
        "you. Which run, engine, model and prompt wrote which is shown only once your rating is saved."
    )
    runs = [r for r in evaluation.runs(practice(), current_actor()) if r.status == "complete"]
    if len(runs) < 2:
        st.info("A blinded comparison needs two evaluation runs: the study lead runs them under Compare engines.")
        return
    c1, c2 = st.columns(2)
    by_id = {r.id: r for r in runs}
    run_a = c1.selectbox("First run", list(by_id), format_func=lambda i: run_label(by_id[i]), key="blind_a", index=1)
    run_b = c2.selectbox("Second run", list(by_id), format_func=lambda i: run_label(by_id[i]), key="blind_b", index=0)
    revealed = st.session_state.pop("blind_revealed", None)
    if revealed:
        st.success(revealed)
    with user_errors():
        task = study.next_blind(practice(), current_actor(), run_a, run_b)
        if task is None:
            st.info("You have rated every pair of these two runs. Thank you.")
            return
        st.progress(task.done / task.total, text=f"Pair {task.done + 1} of {task.total}")
        left, right = st.columns(2, gap="large")
        entered = {}
        for col, name, text in ((left, "Draft 1", task.first_text), (right, "Draft 2", task.second_text)):
            with col:
                st.subheader(name)
                with st.container(border=True, height=600):
                    st.markdown(shown(text))
                entered[name] = pdqi_controls(f"blind:{task.key}:{name}")
        preferred = st.radio(
            "Which draft would you rather sign?",
            ["first", "second", "none"],
            format_func={"first": "Draft 1", "second": "Draft 2", "none": "No preference"}.get,
            index=None,
            horizontal=True,
            key=f"blind_pref:{task.key}",
        )
        reason = st.text_area("Why", key=f"blind_reason:{task.key}", max_chars=2000)
        if st.button("Save blinded rating", type="primary", key=f"blind_save:{task.key}"):
            shown_ = study.save_blind(
                practice(),
                current_actor(),
                run_a,
                run_b,
                task.key,
                {k: v for k, v in entered["Draft 1"].items() if v is not None},
                {k: v for k, v in entered["Draft 2"].items() if v is not None},
                preferred or "",
                reason,
            )
            st.session_state["blind_revealed"] = shown(
                f"Saved. Draft 1 was {shown_.first.label} (model {shown_.first.model}, prompt "
                f"{shown_.first.prompt_version}); Draft 2 was {shown_.second.label} (model {shown_.second.model}, "
                f"prompt {shown_.second.prompt_version})."
            )
            st.rerun()


def blinded_results(run_a: str, run_b: str) -> None:
    """What the blinded ratings of these two runs say, and how far raters agree (for the study lead)."""
    if run_a == run_b:
        return
    r = study.results(practice(), current_actor(), run_a, run_b)
    st.markdown(f"**Blinded comparison, A against B** · {r.pairs} pairs rated")
    if r.pairs:
        share = f"A preferred in {r.prefer_a}, B in {r.prefer_b}, no preference in {r.no_preference}" + (
            f" · share for A {r.share_a.estimate:.0%} (95% CI {r.share_a.low:.0%} to {r.share_a.high:.0%})"
            if r.share_a
            else ""
        )
        st.caption(share + f". {r.verdict}")
        table = pd.DataFrame(
            [
                {
                    "PDQI-9 item": i.item,
                    "mean A": round(i.mean_a, 2),
                    "mean B": round(i.mean_b, 2),
                    "A - B": round(i.difference.estimate, 2),
                    "95% CI low": round(i.difference.low, 2),
                    "95% CI high": round(i.difference.high, 2),
                }
                for i in r.items
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        table_download("Download blinded results (CSV)", "blinded-comparison.csv", lambda: table.to_dict("records"))
    agree = study.agreement(practice(), current_actor())
    if agree and agree[0].targets:
        st.markdown(
            f"**Rater agreement** (Krippendorff's alpha, ordinal) over {agree[0].targets} drafts or summaries "
            f"rated by two or more of {agree[0].raters} raters; below {study.DISAGREE_BELOW} raters disagree"
        )
        rows = [
            {
                "PDQI-9 item": x.item,
                "alpha": None if x.alpha is None else round(x.alpha, 3),
                "raters disagree": "yes" if x.disagree else "",
            }
            for x in agree
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        table_download("Download rater agreement (CSV)", "rater-agreement.csv", lambda: rows)


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
    st.markdown("**By run** (each run's checks, and the PDQI-9 ratings of its drafts)")
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch")
    chart = table.assign(run=table["run_label"] + " · " + table["run_id"].str[-6:]).set_index("run")
    st.bar_chart(chart[["unsupported_rate", "coverage_rate"]], stack=False, height=220)
    table_download("Download by run (CSV)", "quality-lab-runs.csv", lambda: rows)
    pdqi = evaluation.pdqi_by_run(practice(), current_actor())
    if pdqi:
        st.markdown("**PDQI-9 per item, per run** (mean of the rated drafts)")
        frame = pd.DataFrame(pdqi).assign(run=lambda t: t["run_label"] + " · " + t["run_id"].str[-6:])
        st.bar_chart(frame, x="item", y="mean", color="run", stack=False, height=260)
        table_download("Download PDQI-9 per item (CSV)", "pdqi-by-run.csv", lambda: pdqi)
    found = evaluation.findings_by_run(practice(), current_actor())
    if found:
        st.markdown("**Claim-level findings per kind, per run** (all drafts of the run)")
        frame = pd.DataFrame(found).assign(
            run=lambda t: t["run_label"] + " · " + t["run_id"].str[-6:],
            kind=lambda t: t["finding"] + " " + t["severity"],
        )
        st.bar_chart(frame, x="kind", y="count", color="run", stack=False, height=260)
        table_download("Download findings per kind (CSV)", "findings-by-run.csv", lambda: found)
    download.button(
        "Download the study (ZIP)",
        "study-zip",
        "pilot-study.zip",
        functools.partial(downloads.study_ticket, practice(), current_actor()),
    )
    st.caption(
        "Ratings, blinded comparisons, rater agreement, edit burden by summary and by section, the drafts and "
        "the runs' settings, with a manifest and a README of the columns."
    )


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
    edits = evaluation.section_edits(practice(), current_actor())
    st.markdown("**By section**: which sections clinicians rewrite, add or remove before signing")
    by = pd.DataFrame([e.__dict__ for e in edits])
    summary = by.groupby(["engine", "prompt_version", "section"], as_index=False).agg(
        summaries=("summary_id", "nunique"),
        mean_retained=("retained", "mean"),
        rewritten=("change", lambda c: int((c == "rewritten").sum())),
        added=("change", lambda c: int((c == "added").sum())),
        removed=("change", lambda c: int((c == "removed").sum())),
    )
    st.dataframe(summary, hide_index=True, width="stretch")
    st.bar_chart(summary, x="section", y="mean_retained", color="engine", stack=False, height=260, horizontal=True)
    table_download("Download edits by section (CSV)", "section-edits.csv", lambda: [e.__dict__ for e in edits])


if rate_tab.open:
    with rate_tab:
        rate_section()
if blind_tab.open:
    with blind_tab:
        blind_section()
if compare_tab.open:
    with compare_tab:
        compare_section()
if burden_tab.open:
    with burden_tab:
        burden_section()
