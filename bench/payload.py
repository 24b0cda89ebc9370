"""What the anthropic engine would send per summary, in input tokens, against sending the chart whole;
and on Update, the share of the request that prompt caching serves.

Tokens are the engine's own documented estimate (core/engines/prompts.py: characters / CHARS_PER_TOKEN
plus a fixed overhead per document), applied to the exact payload build_request makes. No network.
"""

from __future__ import annotations

import statistics

from core import sources
from core.engines import prompts
from core.engines.offline import OfflineEngine
from core.models import SourceItem
from core.service import Practice

from .selection import Case

MODEL = "claude-sonnet-4-6"
MIN_CACHEABLE_TOKENS = 1024  # below this the API does not cache a prefix (Sonnet models)


def _block_tokens(block: dict) -> int:
    if block["type"] == "document":
        return prompts.document_tokens(block)
    return prompts.estimate_tokens(block["text"])


def request_tokens(body: dict) -> tuple[int, int]:
    """(whole request, cached prefix): the prefix is the system prompt plus every content block up to
    and including the one that carries cache_control."""
    total = prefix = prompts.estimate_tokens(body["system"])
    seen_breakpoint = False
    for block in body["messages"][0]["content"]:
        tokens = _block_tokens(block)
        total += tokens
        if not seen_breakpoint:
            prefix += tokens
            seen_breakpoint = "cache_control" in block
    return total, (prefix if seen_breakpoint else 0)


def whole_chart_tokens(practice: Practice, case: Case, sel: sources.Selection) -> int:
    """The baseline: every chart item of the range in full, unmasked, with no budget: all notes of all
    types (administrative, cancellation, psychotherapy and unsigned notes too) and the same framing."""
    chart = practice.store.chart(case.client_id)
    everything = sources.Selection(
        chart.client,
        sel.range,
        sel.purpose,
        tuple(d for d in chart.diagnoses if d.onset <= case.end and (d.resolved is None or d.resolved >= case.start)),
        tuple(
            p
            for p in chart.plans
            if p.effective_from <= case.end and (p.effective_to is None or p.effective_to >= case.start)
        ),
        tuple(a for a in chart.assessments if case.start <= a.administered_on <= case.end),
        tuple(n for n in chart.notes if case.start <= n.note_date <= case.end),
        tuple(
            m
            for m in chart.medications
            if m.start_date <= case.end and (m.end_date is None or m.end_date >= case.start)
        ),
        tuple(sel.baseline),
        (),
    )
    items: list[SourceItem] = sources.source_items(everything)
    docs = 0
    for item in items:
        doc = prompts.document(everything, item)
        doc["source"]["data"] = item.text  # unmasked
        docs += prompts.document_tokens(doc)
    frame = prompts.frame(everything, ())
    return prompts.estimate_tokens(prompts.SYSTEM) + docs + prompts.estimate_tokens(frame + prompts.GENERATE_TASK)


def run(practice: Practice, case_list: list[Case]) -> dict:
    engine = OfflineEngine()
    sent, whole, update_share, update_total, small_prefix = [], [], [], [], 0
    for case in case_list:
        sel = sources.require_sufficient(
            sources.select(practice.store, case.client_id, case.start, case.end, today=practice.today())
        )
        generate = prompts.build_request(sel, "generate", model=MODEL)
        total, _ = request_tokens(generate.body)
        sent.append(total)
        whole.append(whole_chart_tokens(practice, case, sel))
        current = engine.generate(sel).text  # the clinician's text sent back on Update
        refine = prompts.build_request(sel, "refine", current, "shorter", model=MODEL)
        r_total, r_prefix = request_tokens(refine.body)
        update_total.append(r_total)
        update_share.append(r_prefix / r_total)
        small_prefix += r_prefix < MIN_CACHEABLE_TOKENS
    med = statistics.median
    return {
        "cases": len(case_list),
        "model": MODEL,
        "chars_per_token": prompts.CHARS_PER_TOKEN,
        "input_tokens_p50": round(med(sent)),
        "input_tokens_max": max(sent),
        "whole_chart_tokens_p50": round(med(whole)),
        "whole_chart_tokens_max": max(whole),
        "ratio_p50": round(med(s / w for s, w in zip(sent, whole)), 3),
        "update_input_tokens_p50": round(med(update_total)),
        "update_cached_share_p50": round(med(update_share), 3),
        "update_cached_share_min": round(min(update_share), 3),
        "update_prefix_below_minimum": small_prefix,
        "min_cacheable_tokens": MIN_CACHEABLE_TOKENS,
    }
