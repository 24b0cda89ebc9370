"""The offline engine: a deterministic, rule-based draft built from structured chart data and
sentences taken verbatim from signed notes. Nothing leaves the machine."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import datetime, timezone

from ..errors import RefineNotSupported
from ..models import Assessment, Draft, Generation, Note
from ..privacy import mask
from ..safety import neutralize_markdown
from ..scoring import INSTRUMENTS, change
from ..sources import Selection, plural
from ..text import POSITIVE_RISK, RISK, addresses_a_model, attribute, paragraphs, sentences
from .base import SECTIONS, TextSink, purpose_kind

PROMPT_VERSION = "offline-1"
LABEL = "Rule-based draft (offline engine, no AI model)"
PROGRESS = re.compile(r"progress toward goals|Goals largely met|Symptoms have increased|Treatment goals reviewed")
FOCUS = re.compile(r"^(?:Session focus|Interventions|Procedures):\s*", re.IGNORECASE)
LABELS = {"S": "subjective", "D": "subjective", "B": "subjective", "O": "objective", "A": "assessment",
          "I": "intervention", "R": "response", "P": "plan"}

REFINE_HELP = ("The rule-based engine understands: 'shorter', 'more detail', 'bullet points', 'paragraphs', "
               "and 'focus on <section>' (for example 'focus on risk'). For other instructions, edit the text "
               "directly or use the AI engine.")


# Markdown headings of free-text notes (e.g. imported H&P notes) and the note part they open.
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")
HEADING_PARTS = ((re.compile(r"assessment|impression", re.I), "assessment"), (re.compile(r"plan", re.I), "plan"),
                 (re.compile(r"medication|allerg", re.I), "other"),
                 (re.compile(r"exam|vital|objective|review of systems|results", re.I), "objective"))


def _lines(text: str) -> list[str]:
    """Lines, with an indented line that starts in lower case joined to the one before ("Name\n is a ...")."""
    out: list[str] = []
    for line in text.splitlines():
        if out and out[-1].strip() and re.match(r"^\s+[a-z]", line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return out


def note_sections(note: Note) -> dict[str, list[str]]:
    """Sentences of a note by SOAP / DAP / BIRP part; lines of free text belong to the part their
    Markdown heading names, else to 'subjective'. Headings are not sentences; list items are."""
    parts: dict[str, list[str]] = defaultdict(list)
    current = "subjective"
    listing = None  # the part whose last sentence introduces a list ("The following were done:")
    for line in _lines(note.text):
        heading = HEADING.match(line.strip())
        if heading:
            current = first((part for pattern, part in HEADING_PARTS if pattern.search(heading.group(1))),
                            "subjective")
            listing = None
            continue
        m = re.match(r"^([SOAPDBIR]):\s*(.*)$", line.strip())
        label, body = (LABELS[m.group(1)], m.group(2)) if m else (current, line)
        item = re.match(r"^\s*[-*]\s+(.*?)[.;]?\s*$", body)
        if item and listing:  # the list and its introduction read as one sentence
            head = parts[listing][-1].rstrip(".")
            parts[listing][-1] = f"{head}{' ' if head.endswith(':') else '; '}{item.group(1)}."
            continue
        if item:  # a list item on its own reads as a sentence
            body = item.group(1) + ("" if item.group(1).endswith(("!", "?", ":")) else ".")
        found = sentences(body)
        parts[label] += found
        listing = label if found and found[-1].endswith(":") else None
    return parts


def note_sentences(note: Note) -> list[str]:
    """All sentences of a note in order, without their SOAP / DAP / BIRP labels."""
    return [s for part in note_sections(note).values() for s in part]


def usable(sentence: str) -> bool:
    return not addresses_a_model(sentence) and len(sentence.split()) >= 4


def first(seq, default=None):
    return next(iter(seq), default)


class OfflineEngine:
    name = "offline"
    model = "rules-v1"
    label = LABEL
    prompt_version = PROMPT_VERSION

    def generate(self, selection: Selection, on_text: TextSink | None = None) -> Draft:
        started = time.perf_counter()
        text = Writer(selection).write()
        return self._draft(selection, text, started, on_text)

    def refine(self, selection: Selection, current_text: str, instruction: str,
               on_text: TextSink | None = None) -> Draft:
        started = time.perf_counter()
        text = refine_text(selection, current_text, instruction)
        return self._draft(selection, text, started, on_text)

    def _draft(self, selection: Selection, text: str, started: float, on_text: TextSink | None) -> Draft:
        # Chart text and the clinician's edits pass through verbatim; neither may render remote content.
        text = neutralize_markdown(text)
        if on_text:
            for block in paragraphs(text):
                on_text(block + "\n\n")
        return Draft(text, attribute(text, selection.items), Generation(
            engine=self.name, model=self.model, prompt_version=PROMPT_VERSION,
            generated_at=datetime.now(timezone.utc).replace(tzinfo=None),
            duration_ms=round((time.perf_counter() - started) * 1000), label=self.label))


class Writer:
    """Builds each section of SPEC section 4 from one selection."""

    def __init__(self, sel: Selection):
        self.sel = sel
        self.kind = purpose_kind(sel.purpose)
        self.progress = sel.progress_notes
        self.intake = first(n for n in sel.notes if n.note_type == "intake")
        self.by_instrument: dict[str, list[Assessment]] = defaultdict(list)
        for a in sel.assessments:
            self.by_instrument[a.instrument].append(a)
        # Plans in effect side by side (imported care plans), not versions of one plan.
        self.concurrent = any(p.status != "revised" for p in sel.plans[:-1])
        # The measure given most often (the primary one) leads the table.
        self.by_instrument = dict(sorted(self.by_instrument.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def clean(self, sentence: str) -> str:
        return mask(sentence, self.sel.client)

    def said(self, note: Note, limit: int = 2) -> list[str]:
        """What the client reported in a note (scores come from the structured data instead)."""
        return [self.clean(s) for s in note_sections(note)["subjective"]
                if usable(s) and "completed in session" not in s][:limit]

    def write(self) -> str:
        blocks: list[str] = []
        for title, method in zip(SECTIONS, (self.context, self.referral, self.diagnoses, self.goals,
                                            self.interventions, self.outcomes, self.risk, self.status,
                                            self.recommendations)):
            blocks.append(f"## {title}")
            blocks += method() or ["Not documented in the sources for this range."]
        return "\n\n".join(blocks) + "\n"

    # -- sections -------------------------------------------------------------------------------

    def context(self) -> list[str]:
        c, rng = self.sel.client, self.sel.range
        who = f"The client is {c.age_on(rng.end)} years old"
        who += f" (pronouns {c.pronouns})." if c.pronouns else "."
        sessions = len(self.progress)
        span = f"This summary covers {rng.start.isoformat()} to {rng.end.isoformat()}. "
        if self.progress:
            span += (f"Sessions attended with signed progress notes: {sessions}, from "
                     f"{self.progress[0].note_date.isoformat()} to {self.progress[-1].note_date.isoformat()}.")
        if self.intake:
            span += f" Intake assessment completed {self.intake.note_date.isoformat()}."
        unsigned = self.sel.excluded_count("unsigned")
        if unsigned:
            span += f" Not used: {plural(unsigned, 'unsigned note')} in this range."
        blocks = [f"{who} {span}"]
        if self.sel.purpose:
            blocks.append(f"Purpose of this summary: {self.sel.purpose}.")
        return blocks

    def referral(self) -> list[str]:
        if self.intake:
            lines = [self.clean(s) for s in sentences(self.intake.text)
                     if s.startswith(("Reason for referral", "Presenting concerns", "History")) and usable(s)]
            if lines:
                return [f"From the intake assessment ({self.intake.note_date.isoformat()}): " + " ".join(lines)]
        if self.progress:
            n = self.progress[0]
            said = self.said(n)
            if said:
                return ["No intake assessment is documented in this range. Concerns documented at the first "
                        f"session in range ({n.note_date.isoformat()}): " + " ".join(said)]
        return []

    def diagnoses(self) -> list[str]:
        lines = []
        for d in self.sel.diagnoses:
            status = f"resolved {d.resolved.isoformat()}" if d.resolved else "active"
            lines.append(f"- {d.code} {d.description} ({d.code_system}); onset {d.onset.isoformat()}; {status}.")
        return ["\n".join(lines)] if lines else []

    def goals(self) -> list[str]:
        if not self.sel.plans:
            return []
        plan = self.sel.plans[-1]
        period = f"in effect from {plan.effective_from.isoformat()}" + \
            (f" to {plan.effective_to.isoformat()}" if plan.effective_to else "")
        if plan.goals:
            blocks = [f"Most recent treatment plan ({plan.status}, {period}). Goals:",
                      "\n".join(f"{i}. {g}" for i, g in enumerate(plan.goals, 1))]
        else:  # imported care plans often state only what they address
            blocks = [f"Most recent treatment plan ({plan.status}, {period}), for {', '.join(plan.problems)}. "
                      "No goals are recorded in this plan."]
        if self.concurrent:
            blocks.append("Other treatment plans in effect during the range: " + "; ".join(
                f"for {', '.join(p.problems)} ({p.status}, from {p.effective_from.isoformat()})"
                for p in self.sel.plans[:-1]) + ".")
        elif len(self.sel.plans) > 1:
            revisions = [p.effective_from.isoformat() for p in self.sel.plans[1:]]
            blocks.append(f"The plan was revised during the range (new versions from {', '.join(revisions)}).")
        progress = [(n, s) for n in self.progress for s in note_sentences(n) if PROGRESS.search(s)]
        if progress:
            n, s = progress[-1]
            blocks.append(f"Most recent documented progress ({n.note_date.isoformat()}): {self.clean(s)}")
        return blocks

    def interventions(self) -> list[str]:
        blocks = []
        # Versions of one plan: the latest says what is in use; plans side by side: all of them do.
        plans = list(reversed(self.sel.plans)) if self.concurrent else self.sel.plans[-1:]
        interventions = list(dict.fromkeys(i for p in plans for i in p.interventions))
        if interventions:
            blocks.append(f"Interventions in the treatment plan{'s' if self.concurrent else ''}: "
                          + "; ".join(interventions) + ".")
        seen: dict[str, list[str]] = {}
        for n in self.progress:
            for s in note_sentences(n):
                if FOCUS.match(s):
                    body = FOCUS.sub("", s).rstrip(".")
                    for name in body.split("; " if "; " in body else ", "):
                        seen.setdefault(name.strip(), []).append(n.note_date.isoformat())
        if seen:
            blocks.append("\n".join(f"- {name}: documented in sessions from {dates[0]} to {dates[-1]}"
                                    if len(dates) > 1 else f"- {name}: documented in the session of {dates[0]}"
                                    for name, dates in seen.items()))
        if self.progress:
            last = self.progress[-1]
            plan = [self.clean(s) for s in note_sections(last)["plan"] if usable(s)]
            if plan:
                blocks.append(f"Plan at the most recent session ({last.note_date.isoformat()}): " + " ".join(plan))
        medications = self.medications()
        if medications:
            blocks.append("Medications on file in this range:\n" + medications)
        return blocks

    def medications(self) -> str:
        """One line per medication, however often it was prescribed again."""
        by_name: dict[str, list] = defaultdict(list)
        for m in self.sel.medications:
            by_name[m.name].append(m)
        lines = []
        for name, ms in by_name.items():
            dosage = first((m.dosage for m in reversed(ms) if m.dosage), None)
            starts = [m.start_date.isoformat() for m in ms]
            # No count of prescriptions: a number that no source item states is an unsupported fact.
            when = f"prescribed {', '.join(starts)}" if len(starts) <= 3 else \
                f"first prescribed {starts[0]}, most recently {starts[-1]}"
            latest = ms[-1]
            ended = f", ended {latest.end_date.isoformat()}" if latest.end_date else ""
            lines.append(f"- {name}{f' ({dosage})' if dosage else ''}: {when}; latest status {latest.status}{ended}.")
        return "\n".join(lines)

    def outcomes(self) -> list[str]:
        if not self.by_instrument:
            return ["No scored measures were administered in this range."]
        rows = ["| Measure | First in range | Latest in range | Change |", "|---|---|---|---|"]
        for inst, scores in self.by_instrument.items():
            a, b = scores[0], scores[-1]
            first_cell = f"{a.total_score} ({a.severity}), {a.administered_on.isoformat()}"
            if len(scores) == 1:
                rows.append(f"| {inst} | {first_cell} | single administration | not assessable |")
                continue
            latest = f"{b.total_score} ({b.severity}), {b.administered_on.isoformat()}"
            rows.append(f"| {inst} | {first_cell} | {latest} | {change(inst, a.total_score, b.total_score).describe()} |")
        blocks = ["\n".join(rows)]
        baseline = [b for b in self.sel.baseline if b.instrument in self.by_instrument]
        if baseline:
            blocks.append("For context, most recent scores before the range: " + "; ".join(
                f"{b.instrument} {b.total_score} ({b.severity}) on {b.administered_on.isoformat()}" for b in baseline)
                + ".")
        sources = sorted({INSTRUMENTS[i].source.split(":")[0] for i in self.by_instrument
                          if INSTRUMENTS[i].reliable_change})
        if sources:
            blocks.append("Reliable and clinically significant change are judged against the published thresholds "
                          "for each measure (NHS Talking Therapies for PHQ-9 and GAD-7; National Center for PTSD "
                          "for PCL-5).")
        return blocks

    def risk(self) -> list[str]:
        found = [(n, self.clean(s)) for n in self.sel.notes for s in note_sentences(n) if RISK.search(s) and usable(s)]
        if not found:
            return []
        episodes = [(n, s) for n, s in found if POSITIVE_RISK.search(s)]
        blocks = []
        if episodes:
            lines = "\n".join(f"- {n.note_date.isoformat()}: {s}" for n, s in episodes)
            blocks.append("Documented risk events in this range:\n" + lines)
        n, s = found[-1]
        blocks.append(f"Most recent risk screening ({n.note_date.isoformat()}): {s}")
        return blocks

    def status(self) -> list[str]:
        blocks = []
        if self.progress:
            n = self.progress[-1]
            said = self.said(n)
            if said:
                blocks.append(f"At the most recent session ({n.note_date.isoformat()}): " + " ".join(said))
        latest = [scores[-1] for scores in self.by_instrument.values()]
        if latest:
            blocks.append("Latest scores: " + "; ".join(
                f"{a.instrument} {a.total_score} ({a.severity}) on {a.administered_on.isoformat()}" for a in latest)
                + ".")
        active = [d for d in self.sel.diagnoses if not d.resolved or d.resolved >= self.sel.range.end]
        if active:
            blocks.append("Active diagnoses at the end of the range: " + "; ".join(
                f"{d.code} {d.description}" for d in active) + ".")
        return blocks

    def recommendations(self) -> list[str]:
        blocks = []
        discharge_note = first(n for n in reversed(self.progress) if n.title == "Discharge session")
        if discharge_note:
            plan = [self.clean(s) for s in note_sections(discharge_note)["plan"] if usable(s)]
            blocks.append(f"Discharge plan ({discharge_note.note_date.isoformat()}): " + " ".join(plan))
        elif self.progress:
            n = self.progress[-1]
            plan = [self.clean(s) for s in note_sections(n)["plan"] if usable(s)]
            if plan:
                blocks.append(f"Current plan as of {n.note_date.isoformat()}: " + " ".join(plan))
        if self.kind == "consultation":
            blocks.append("Questions for the consultation:\n" + "\n".join(f"- {q}" for q in self.questions()))
        elif self.kind == "transfer":
            needs = ["the active diagnoses and the current treatment plan goals listed above",
                     f"the interventions{' and medications' if self.sel.medications else ''} in use and the plan "
                     "from the most recent session",
                     "the most recent scores, to continue measurement-based care"]
            if self.has_risk_event():
                needs.insert(0, "the documented risk events and the written safety plan, to be reviewed at the first "
                                "appointment")
            blocks.append("For the receiving provider:\n" + "\n".join(f"- {x[0].upper()}{x[1:]}." for x in needs))
        elif self.kind == "discharge" and not discharge_note:
            blocks.append("No discharge session is documented in this range; aftercare recommendations are not "
                          "documented.")
        return blocks

    def has_risk_event(self) -> bool:
        return any(POSITIVE_RISK.search(s) for n in self.sel.notes for s in note_sentences(n) if RISK.search(s))

    def questions(self) -> list[str]:
        qs = []
        for inst, scores in self.by_instrument.items():
            if len(scores) < 2:
                continue
            a, b = scores[0], scores[-1]
            ch = change(inst, a.total_score, b.total_score)
            spec = INSTRUMENTS[inst]
            if ch.direction == "worsened" and ch.reliable:
                qs.append(f"{inst} shows reliable deterioration over the range: what changes to the treatment approach "
                          "should be considered?")
            elif not ch.reliable and spec.cutoff is not None and b.total_score >= spec.cutoff:
                qs.append(f"{inst} remains in the clinical range without reliable change: is the current approach the "
                          "right fit, or should intensity or modality change?")
        if self.has_risk_event():
            qs.append("A risk event is documented in this range: is the current safety monitoring sufficient?")
        if self.sel.excluded_count("unsigned"):
            qs.append("Some progress notes in this range are unsigned and were not used; the summary may be "
                      "incomplete until they are signed.")
        return qs or ["No open clinical questions are documented; the team may review progress toward the goals."]


# -- Update (refine) ----------------------------------------------------------------------------------

def _sections(text: str) -> list[tuple[str, list[str]]]:
    """(heading line or '', blocks) in order."""
    out: list[tuple[str, list[str]]] = [("", [])]
    for block in paragraphs(text):
        if block.startswith("## "):
            out.append((block, []))
        else:
            out[-1][1].append(block)
    return [s for s in out if s[0] or s[1]]


def _join(sections: list[tuple[str, list[str]]]) -> str:
    return "\n\n".join("\n\n".join(([h] if h else []) + blocks) for h, blocks in sections) + "\n"


def _is_structured(block: str) -> bool:
    """Tables, lists (also a list led by one line of text) and headings."""
    return block.startswith(("|", "#")) or any(re.match(r"^(?:- |\d+\. )", line) for line in block.splitlines())


def refine_text(sel: Selection, current: str, instruction: str) -> str:
    """Apply one of the documented instructions to the clinician's current text (their edits kept)."""
    wanted = instruction.strip().lower().rstrip(".!")
    sections = _sections(current)
    if wanted in ("shorter", "make it shorter", "more concise", "concise", "shorten"):
        out = []
        for heading, blocks in sections:
            kept = []
            for b in blocks:
                if b.startswith("|"):
                    kept.append(b)
                elif _is_structured(b):
                    kept.append("\n".join(b.splitlines()[:3]))
                else:
                    kept.append(first(sentences(b), b))
            out.append((heading, kept[:2] if heading else kept))
        return _join(out)
    if wanted in ("more detail", "more detailed", "longer", "expand", "add detail"):
        w = Writer(sel)
        lines = []
        for n in sel.progress_notes:
            said = w.said(n, 1)
            if said:
                lines.append(f"- {n.note_date.isoformat()}: {said[0]}")
        if not lines:
            raise RefineNotSupported("There are no further session details in the sources to add. " + REFINE_HELP)
        sections = [s for s in sections if s[0] != "## Session highlights"]
        return _join(sections + [("## Session highlights", ["\n".join(lines)])])
    if wanted in ("bullet points", "bullets", "use bullet points", "as bullet points"):
        def bullets(block: str) -> str:
            return "\n".join(line if re.match(r"^(?:- |\||#|\d+\. )", line) else
                             "\n".join(f"- {s}" for s in sentences(line)) for line in block.splitlines())

        out = [(h, [bullets(b) for b in blocks]) for h, blocks in sections]
        return _join(out)
    if wanted in ("paragraphs", "prose", "as paragraphs"):
        out = [(h, [" ".join(line[2:] for line in b.splitlines()) if b.startswith("- ") else b for b in blocks])
               for h, blocks in sections]
        return _join(out)
    m = re.match(r"^(?:focus on|emphasi[sz]e)\s+(?:the\s+)?(.+?)(?:\s+section)?$", wanted)
    if m:
        target = m.group(1)
        match = [i for i, (h, _) in enumerate(sections) if target in h.lower()]
        if not match:
            names = ", ".join(h[3:].lower() for h, _ in sections if h)
            raise RefineNotSupported(f"There is no section matching '{target}' in the draft. Sections: {names}.")
        i = match[0]
        head, blocks = sections.pop(i)
        if not head.endswith("(focus)"):
            head = f"{head} (focus)"
        insert_at = 1 if sections and sections[0][0] == "## Identifying context" else 0
        sections.insert(insert_at, (head, blocks))
        return _join(sections)
    raise RefineNotSupported(f"The rule-based engine cannot follow '{instruction.strip()}'. " + REFINE_HELP)
