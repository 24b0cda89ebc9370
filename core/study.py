"""A pilot study's statistics: blinded comparisons of two evaluation runs, and rater agreement.

A blinded comparison shows a pilot tester the two runs' drafts of one chart and window as "Draft 1"
and "Draft 2", in an order drawn for that tester and pair. Nothing says which run, engine, model or
prompt wrote which until the rating is saved. The tester rates both with PDQI-9, prefers one (or
neither) and says why. Per run pair this gives:

- the share of preferences for run A, with a 95% Wilson interval;
- an exact two-sided sign test over the pairs with a preference;
- per PDQI-9 item, the mean paired difference A - B with a 95% t interval.

Rater agreement is Krippendorff's alpha (ordinal), per PDQI-9 item, over every target that two or
more raters rated (each rater's latest rating of it). The statistics come from SciPy and the
krippendorff package, not from formulas of our own.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from statistics import mean

import krippendorff
from scipy import stats

from . import access
from .errors import InvalidInput, NotFound
from .evaluation import run as eval_run
from .models import Actor, EvalItem, EvalRun
from .ratings import ANCHORS, PDQI9, ratings
from .service import Practice
from .summaries import utcnow
from .text import clean

DISAGREE_BELOW = 0.667  # Krippendorff's lowest alpha for tentative conclusions
PREFERENCES = ("first", "second", "none")


@dataclass(frozen=True)
class BlindTask:
    """One pair to rate, as the tester sees it: two texts, no engine, model, prompt or run."""

    key: str  # opaque: names neither the items nor their runs (an item id carries its run id)
    first_text: str
    second_text: str
    done: int  # pairs this tester has rated in this comparison
    total: int  # pairs the two runs share


@dataclass(frozen=True)
class Revealed:
    """What a saved blinded rating was: which run wrote Draft 1 and Draft 2, and the preference."""

    first: EvalRun
    second: EvalRun
    preferred: str  # first, second or none


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class ItemDifference:
    item: str  # PDQI-9 label
    mean_a: float
    mean_b: float
    difference: Interval  # A - B, paired


@dataclass(frozen=True)
class ComparisonResults:
    run_a: EvalRun
    run_b: EvalRun
    pairs: int  # pairs rated (each tester's rating of a pair counts once)
    prefer_a: int
    prefer_b: int
    no_preference: int
    share_a: Interval | None  # of the pairs with a preference
    sign_test_p: float | None  # exact, two-sided
    items: tuple[ItemDifference, ...]

    @property
    def verdict(self) -> str:
        if self.share_a is None or self.sign_test_p is None:
            return "No pair with a preference yet."
        better = "A" if self.prefer_a > self.prefer_b else "B"
        if self.sign_test_p < 0.05:
            return f"Run {better} is preferred more often than chance would explain (sign test p = {self.sign_test_p:.3f})."
        return f"The preferences do not differ from chance (sign test p = {self.sign_test_p:.3f})."


@dataclass(frozen=True)
class ItemAgreement:
    item: str
    alpha: float | None  # None when every rating of the item is the same value (alpha is undefined)
    targets: int
    raters: int

    @property
    def disagree(self) -> bool:
        return self.alpha is not None and self.alpha < DISAGREE_BELOW


def _pairs(
    p: Practice, actor: Actor, run_a: str, run_b: str
) -> tuple[EvalRun, EvalRun, list[tuple[EvalItem, EvalItem]]]:
    if run_a == run_b:
        raise InvalidInput("Choose two different runs to compare.")
    (ra, items_a), (rb, items_b) = eval_run(p, actor, run_a), eval_run(p, actor, run_b)
    by_key = {(i.client_id, i.range_label): i for i in items_b if i.status == "drafted"}
    pairs = [
        (a, by_key[(a.client_id, a.range_label)])
        for a in items_a
        if a.status == "drafted" and (a.client_id, a.range_label) in by_key
    ]
    return ra, rb, pairs


def _a_first(rater: str, a: EvalItem, b: EvalItem) -> bool:
    """The order a tester sees a pair in: drawn from the tester and the pair, so it holds on every
    rerun and differs from pair to pair and tester to tester."""
    return hashlib.sha256(f"{rater}|{a.id}|{b.id}".encode()).digest()[0] % 2 == 0


def _order(rater: str, pair_order: int) -> list[int]:
    """Which pair comes next for a tester: a shuffle of their own, so two testers do not rate the
    same drafts in the same sequence."""
    key = lambda n: hashlib.sha256(f"{rater}|{n}".encode()).digest()  # noqa: E731
    return sorted(range(pair_order), key=key)


def next_blind(p: Practice, actor: Actor, run_a: str, run_b: str) -> BlindTask | None:
    """The next pair this tester has not rated, or None when every pair is rated."""
    access.require(p.store, actor, "rate")
    _, _, pairs = _pairs(p, actor, run_a, run_b)
    done = {(r["item_a"], r["item_b"]) for r in p.store.blind_ratings() if r["rater"] == actor.id}
    todo = [n for n in _order(actor.id, len(pairs)) if (pairs[n][0].id, pairs[n][1].id) not in done]
    if not todo:
        return None
    a, b = pairs[todo[0]]
    first, second = (a, b) if _a_first(actor.id, a, b) else (b, a)
    return BlindTask(_key(actor.id, a, b), first.text or "", second.text or "", len(pairs) - len(todo), len(pairs))


def _key(rater: str, a: EvalItem, b: EvalItem) -> str:
    return hashlib.sha256(f"pair|{rater}|{a.id}|{b.id}".encode()).hexdigest()[:20]


def save_blind(
    p: Practice,
    actor: Actor,
    run_a: str,
    run_b: str,
    key: str,
    first_scores: dict[str, int],
    second_scores: dict[str, int],
    preferred: str,
    reason: str,
) -> Revealed:
    """Save a blinded rating: both PDQI-9 ratings, the preference and its reason, in one transaction.
    Only then is it revealed which run wrote which draft."""
    missing = [
        f"Draft {n}: {label}"
        for n, s in ((1, first_scores), (2, second_scores))
        for k, label, _ in PDQI9
        if s.get(k) is None
    ]
    if missing:
        raise InvalidInput("Rate every PDQI-9 item of both drafts before saving; missing: " + ", ".join(missing) + ".")
    if any(v not in ANCHORS for s in (first_scores, second_scores) for v in s.values()):
        raise InvalidInput("Each PDQI-9 item takes a score from 1 to 5.")
    if preferred not in PREFERENCES:
        raise InvalidInput("Say which draft you prefer, or that you have no preference.")
    reason = clean(reason).strip()
    if not reason:
        raise InvalidInput("Give a reason for the preference (a sentence is enough).")
    if len(reason) > 2000:
        raise InvalidInput("Keep the reason under 2,000 characters.")
    ra, rb, pairs = _pairs(p, actor, run_a, run_b)
    found = [(a, b) for a, b in pairs if _key(actor.id, a, b) == key]
    if not found:
        raise NotFound("Those drafts are no longer available to rate; open the comparison again.")
    a, b = found[0]
    access.require(p.store, actor, "rate", a.client_id)
    shown_first = "a" if _a_first(actor.id, a, b) else "b"
    scores_a, scores_b = (first_scores, second_scores) if shown_first == "a" else (second_scores, first_scores)
    side = {"first": shown_first, "second": "b" if shown_first == "a" else "a", "none": "none"}[preferred]
    now = utcnow()

    def rating(item: EvalItem, run: EvalRun, scores: dict[str, int]) -> dict:
        return {
            "id": f"R-{uuid.uuid4().hex[:12]}",
            "target_kind": "eval",
            "target_id": item.id,
            "version": None,
            "client_id": item.client_id,
            "engine": run.engine,
            "model": run.model,
            "prompt_version": run.prompt_version,
            "rater": actor.id,
            "rated_at": now,
            **{k: int(scores[k]) for k, _, _ in PDQI9},
            "comment": "",
        }

    p.store.add_blind_rating(
        {
            "id": f"B-{uuid.uuid4().hex[:12]}",
            "item_a": a.id,
            "item_b": b.id,
            "shown_first": shown_first,
            "preferred": side,
            "reason": reason,
            "rater": actor.id,
            "rated_at": now,
        },
        rating(a, ra, scores_a),
        rating(b, rb, scores_b),
        actor.id,
    )
    first, second = (ra, rb) if shown_first == "a" else (rb, ra)
    return Revealed(first, second, preferred)


def wilson(successes: int, n: int) -> Interval:
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    return Interval(successes / n, float(ci.low), float(ci.high))


def sign_test(successes: int, n: int) -> float:
    """Exact two-sided binomial test of successes in n against one half."""
    return float(stats.binomtest(successes, n).pvalue)


def mean_interval(values: list[float]) -> Interval:
    """The mean with its 95% t interval (a single value, or no spread, gives the value itself)."""
    m = mean(values)
    if len(values) < 2:
        return Interval(m, m, m)
    sem = stats.sem(values)
    if sem == 0 or math.isnan(sem):
        return Interval(m, m, m)
    low, high = stats.t.interval(0.95, len(values) - 1, loc=m, scale=sem)
    return Interval(m, float(low), float(high))


def results(p: Practice, actor: Actor, run_a: str, run_b: str) -> ComparisonResults:
    """The blinded ratings of two runs' shared pairs, whichever order they were picked in."""
    access.require(p.store, actor, "quality_lab")
    ra, rb, pairs = _pairs(p, actor, run_a, run_b)
    pair_ids = {(a.id, b.id) for a, b in pairs}
    by_id = {r.id: r for r in ratings(p, actor, "eval")}
    prefs: list[str] = []
    diffs: dict[str, list[float]] = {k: [] for k, _, _ in PDQI9}
    means: dict[str, tuple[list[int], list[int]]] = {k: ([], []) for k, _, _ in PDQI9}
    for row in p.store.blind_ratings():
        if (row["item_a"], row["item_b"]) in pair_ids:
            flip = False
        elif (row["item_b"], row["item_a"]) in pair_ids:
            flip = True  # rated with the runs picked the other way round
        else:
            continue  # another comparison's pair
        pa, pb = by_id[row["rating_a"]], by_id[row["rating_b"]]
        if flip:
            pa, pb = pb, pa
        prefs.append({"a": "b", "b": "a"}.get(row["preferred"], "none") if flip else row["preferred"])
        for k, _, _ in PDQI9:
            diffs[k].append(pa.scores[k] - pb.scores[k])
            means[k][0].append(pa.scores[k])
            means[k][1].append(pb.scores[k])
    prefer_a, prefer_b = prefs.count("a"), prefs.count("b")
    decided = prefer_a + prefer_b
    return ComparisonResults(
        ra,
        rb,
        len(prefs),
        prefer_a,
        prefer_b,
        prefs.count("none"),
        wilson(prefer_a, decided) if decided else None,
        sign_test(prefer_a, decided) if decided else None,
        tuple(
            ItemDifference(label, mean(means[k][0]), mean(means[k][1]), mean_interval(diffs[k]))
            for k, label, _ in PDQI9
            if diffs[k]
        ),
    )


def agreement(p: Practice, actor: Actor) -> list[ItemAgreement]:
    """Krippendorff's alpha (ordinal) per PDQI-9 item over every draft, summary or evaluation draft
    that two or more raters rated; each rater's latest rating of a target counts."""
    latest: dict[tuple[str, str, int | None], dict[str, dict[str, int]]] = {}
    for r in ratings(p, actor):
        latest.setdefault((r.target_kind, r.target_id, r.version), {})[r.rater] = r.scores
    shared = {t: by for t, by in latest.items() if len(by) >= 2}
    raters = sorted({rater for by in shared.values() for rater in by})
    out = []
    for k, label, _ in PDQI9:
        if not shared:
            out.append(ItemAgreement(label, None, 0, 0))
            continue
        matrix = [[by[rater][k] if rater in by else math.nan for by in shared.values()] for rater in raters]
        values = {v for row in matrix for v in row if not math.isnan(v)}
        alpha = (
            None
            if len(values) < 2
            else float(
                krippendorff.alpha(
                    reliability_data=matrix, level_of_measurement="ordinal", value_domain=sorted(ANCHORS)
                )
            )
        )
        out.append(ItemAgreement(label, alpha, len(shared), len(raters)))
    return out


# -- a study to hand over ---------------------------------------------------------------------------

STUDY_FILES = {  # file -> (what a row is, its columns explained)
    "runs.csv": (
        "one evaluation run: every chosen chart drafted with one engine, model and prompt version",
        {
            "run_id": "the run",
            "run_label": "its name",
            "engine": "offline (rule-based) or anthropic",
            "model": "the model (rules-v1 for the offline engine)",
            "prompt_version": "the prompt or rule-set version",
            "run_at": "when it ran (UTC)",
            "created_by": "who ran it",
            "status": "complete, or pending while a batch is processed",
        },
    ),
    "drafts.csv": (
        "one draft of a run (a client over one window) with its automated check figures and its text",
        {
            "run_id, run_label, engine, model, prompt_version, run_at": "the run it came from",
            "item_id": "the draft",
            "client_id, window, range_start, range_end": "the chart and range drafted",
            "purpose": "the summary's purpose (evaluation drafts have none)",
            "status": "drafted, insufficient (not enough in the chart) or failed",
            "unsupported, facts": "facts the checks found no source for, of the facts checked",
            "coverage": "items a summary must carry that the draft carries, of those expected",
            "leaks": "sentences from excluded note types",
            "claim_errors": "claims the chart contradicts",
            "claims_by_kind": "the claim findings by kind and severity (score, risk, diagnosis, ...)",
            "words, reading_grade": "length and Flesch-Kincaid grade",
            "text": "the draft",
        },
    ),
    "ratings.csv": (
        "one PDQI-9 rating (1 not at all to 5 extremely per item; total 9 to 45)",
        {
            "rating_id, rater, rated_at": "who rated and when (UTC)",
            "target_kind, target_id, version": "what was rated: an evaluation draft, a draft version or a signed summary",
            "run_id": "the run of a rated evaluation draft (empty otherwise)",
            "client_id, engine, model, prompt_version": "the chart and what wrote the text",
            "blinded": "yes when rated in a blinded comparison",
            "up_to_date ... consistent, total": "the nine items and their sum",
            "comment": "the rater's comment",
        },
    ),
    "blinded.csv": (
        "one blinded comparison: a tester's rating of two runs' drafts of one chart and window",
        {
            "blind_id, rater, rated_at": "who and when (UTC)",
            "run_a, run_b, item_a, item_b": "the two runs and their drafts",
            "client_id, window": "the chart and window",
            "shown_first": "which run's draft was Draft 1 (a or b)",
            "preferred": "a, b or none",
            "reason": "why",
            "total_a, total_b": "the PDQI-9 totals given to each draft",
        },
    ),
    "agreement.csv": (
        "one PDQI-9 item: Krippendorff's alpha (ordinal) over targets rated by two or more raters",
        {
            "item": "PDQI-9 item",
            "alpha": "agreement (1 perfect, 0 chance, below 0.667 raters disagree)",
            "targets, raters": "how many",
            "raters_disagree": "yes below 0.667",
        },
    ),
    "edit_burden.csv": (
        "one signed summary: how much of the generated text survived into the signed text",
        {
            "summary_id, client_id, engine, model, prompt_version": "the summary and what drafted it",
            "retained": "share of generated words kept in order (1.0 signed as generated)",
            "update_rounds": "Updates before signing",
            "words_generated, words_signed": "lengths",
        },
    ),
    "section_edits.csv": (
        "one section of one signed summary: what the clinician did to it",
        {
            "summary_id, engine, model, prompt_version": "the summary and what drafted it",
            "section": "the section heading",
            "change": "kept, rewritten, added or removed",
            "retained": "share of the section's generated words kept",
            "words_generated, words_signed": "lengths",
        },
    ),
}


def study_tables(p: Practice, actor: Actor) -> dict[str, list[dict]]:
    """Every table of the study, each row saying which run (or summary) it came from."""
    from . import evaluation

    access.require(p.store, actor, "quality_lab")
    runs = p.store.eval_runs()
    items: dict[str, tuple[EvalRun, EvalItem]] = {}
    drafts = []
    for r in runs:
        its = p.store.eval_items(r.id)
        items |= {i.id: (r, i) for i in its}
        for row, i in zip(evaluation.item_rows(r, its), its, strict=True):
            by_kind = (i.metrics or {}).get("claims_by_kind", {})
            drafts.append(
                row | {"claims_by_kind": "; ".join(f"{k} {n}" for k, n in sorted(by_kind.items())), "text": i.text}
            )
    blinded_ids = set()
    blinded = []
    by_rating = {x.id: x for x in ratings(p, actor)}
    for b in p.store.blind_ratings():
        blinded_ids |= {b["rating_a"], b["rating_b"]}
        ra, ia = items[b["item_a"]]
        rb, _ = items[b["item_b"]]
        blinded.append(
            {
                "blind_id": b["id"],
                "rater": b["rater"],
                "rated_at": b["rated_at"],
                "run_a": ra.id,
                "run_b": rb.id,
                "item_a": b["item_a"],
                "item_b": b["item_b"],
                "client_id": ia.client_id,
                "window": ia.range_label,
                "shown_first": b["shown_first"],
                "preferred": b["preferred"],
                "reason": b["reason"],
                "total_a": by_rating[b["rating_a"]].total,
                "total_b": by_rating[b["rating_b"]].total,
            }
        )
    rating_rows = [
        {
            "rating_id": x.id,
            "rater": x.rater,
            "rated_at": x.rated_at,
            "target_kind": x.target_kind,
            "target_id": x.target_id,
            "version": x.version,
            "run_id": items[x.target_id][0].id if x.target_kind == "eval" and x.target_id in items else "",
            "client_id": x.client_id,
            "engine": x.engine,
            "model": x.model,
            "prompt_version": x.prompt_version,
            "blinded": "yes" if x.id in blinded_ids else "",
            **x.scores,
            "total": x.total,
            "comment": x.comment,
        }
        for x in by_rating.values()
    ]
    return {
        "runs.csv": [evaluation.run_columns(r) | {"created_by": r.created_by, "status": r.status} for r in runs],
        "drafts.csv": drafts,
        "ratings.csv": rating_rows,
        "blinded.csv": blinded,
        "agreement.csv": [
            {
                "item": a.item,
                "alpha": a.alpha,
                "targets": a.targets,
                "raters": a.raters,
                "raters_disagree": "yes" if a.disagree else "",
            }
            for a in agreement(p, actor)
        ],
        "edit_burden.csv": [e.__dict__ for e in evaluation.edit_burdens(p, actor)],
        "section_edits.csv": [e.__dict__ for e in evaluation.section_edits(p, actor)],
    }


def export_study(p: Practice, actor: Actor) -> bytes:
    """The study as one ZIP: a CSV per table, a manifest (when, by whom, each file's rows and SHA-256,
    the runs' settings) and a README of the columns. It holds draft text: the export is audited."""
    import io
    import json
    import zipfile

    from .evaluation import to_csv

    tables = study_tables(p, actor)
    now = utcnow()
    files = {name: to_csv(rows).encode("utf-8") for name, rows in tables.items()}
    manifest = {
        "exported_at": now.isoformat() + "Z",
        "exported_by": actor.id,
        "runs": tables["runs.csv"],
        "files": {
            name: {"rows": len(tables[name]), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in files.items()
        },
    }
    readme = ["Pilot study export: ratings, blinded comparisons, agreement, edit burden, drafts and runs.", ""]
    readme += ["Every row says which run (or signed summary) it came from. Times are UTC.", ""]
    for name, (what, columns) in STUDY_FILES.items():
        readme += [f"{name}: a row is {what}."] + [f"  {col}: {text}" for col, text in columns.items()] + [""]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr("manifest.json", json.dumps(manifest, indent=1, default=str))
        z.writestr("README.txt", "\n".join(readme))
    p.store.audit(now, actor.id, "export", None, None, None, f"pilot study ZIP ({len(tables['drafts.csv'])} drafts)")
    return out.getvalue()
