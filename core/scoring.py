"""Scored measures: ranges, severity bands, cut-offs and reliable-change thresholds, with sources.

This is the one table of thresholds the product uses (offline drafts, quality checks, charts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    max_score: int
    n_items: int
    bands: tuple[tuple[int, str], ...]  # (lowest score of the band, label), ascending
    cutoff: int | None  # caseness / clinical cut-off: scores at or above are in the clinical range
    reliable_change: int | None  # smallest change that exceeds measurement error
    source: str
    higher_is_worse: bool = True

    def band(self, score: int) -> str:
        label = self.bands[0][1]
        for low, name in self.bands:
            if score >= low:
                label = name
        return label


INSTRUMENTS: dict[str, Instrument] = {
    i.code: i
    for i in (
        Instrument(
            "PHQ-9",
            "Patient Health Questionnaire-9",
            27,
            9,
            ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")),
            cutoff=10,
            reliable_change=6,
            source="Bands: Kroenke, Spitzer & Williams 2001. Cut-off 10 and reliable change 6: "
            "NHS Talking Therapies (IAPT) manual, after McMillan, Gilbody & Richards 2010.",
        ),
        Instrument(
            "GAD-7",
            "Generalized Anxiety Disorder-7",
            21,
            7,
            ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
            cutoff=8,
            reliable_change=4,
            source="Bands: Spitzer et al. 2006. Cut-off 8 and reliable change 4: NHS Talking Therapies (IAPT) manual.",
        ),
        Instrument(
            "PCL-5",
            "PTSD Checklist for DSM-5",
            80,
            20,
            ((0, "below provisional PTSD cut-off"), (33, "above provisional PTSD cut-off")),
            cutoff=33,
            reliable_change=10,
            source="Cut-off 33: Bovin et al. 2016. Change: National Center for PTSD (5-10 points "
            "reliable, 10-20 clinically meaningful); the conservative 10 is used.",
        ),
        Instrument(
            "AUDIT",
            "Alcohol Use Disorders Identification Test",
            40,
            10,
            (
                (0, "zone I, low risk"),
                (8, "zone II, hazardous use"),
                (16, "zone III, harmful use"),
                (20, "zone IV, possible dependence"),
            ),
            cutoff=8,
            reliable_change=None,
            source="Zones: Babor et al. 2001 (WHO). No reliable-change index is established; "
            "zone changes are reported instead.",
        ),
        Instrument(
            "PHQ-2",
            "Patient Health Questionnaire-2",
            6,
            2,
            ((0, "negative screen"), (3, "positive screen")),
            cutoff=3,
            reliable_change=None,
            source="Cut-off 3: Kroenke, Spitzer & Williams 2003.",
        ),
        Instrument(
            "AUDIT-C",
            "AUDIT-Consumption",
            12,
            3,
            ((0, "negative screen"), (4, "positive screen")),
            cutoff=4,
            reliable_change=None,
            source="Cut-off 4 (3 for women in some guidance): Bradley et al. 2007.",
        ),
        Instrument(
            "DAST-10",
            "Drug Abuse Screening Test-10",
            10,
            10,
            (
                (0, "no problems reported"),
                (1, "low level"),
                (3, "moderate level"),
                (6, "substantial level"),
                (9, "severe level"),
            ),
            cutoff=3,
            reliable_change=None,
            source="Bands: Skinner 1982.",
        ),
        Instrument(
            "HARK",
            "Humiliation, Afraid, Rape, Kick",
            4,
            4,
            ((0, "negative screen"), (1, "positive screen")),
            cutoff=1,
            reliable_change=None,
            source="Cut-off 1: Sohal, Eldridge & Feder 2007.",
        ),
    )
}

ITEM_MAX = {"PHQ-9": 3, "GAD-7": 3, "PCL-5": 4, "AUDIT": 4, "PHQ-2": 3, "AUDIT-C": 4, "DAST-10": 1, "HARK": 1}


def severity(instrument: str, score: int) -> str:
    return INSTRUMENTS[instrument].band(score)


@dataclass(frozen=True)
class Change:
    """How a measure moved between two administrations, in words a clinician uses."""

    direction: str  # "improved", "worsened", "unchanged"
    reliable: bool | None  # None when the instrument has no reliable-change threshold
    clinically_significant: bool  # reliable improvement that also crosses below the cut-off

    def describe(self) -> str:
        if self.reliable is None:
            return {
                "improved": "lower than at first administration",
                "worsened": "higher than at first administration",
                "unchanged": "unchanged",
            }[self.direction]
        if self.direction == "unchanged" or not self.reliable:
            return "no reliable change"
        if self.direction == "improved":
            return (
                "reliable and clinically significant improvement"
                if self.clinically_significant
                else "reliable improvement"
            )
        return "reliable deterioration"


def change(instrument: str, first: int, latest: int) -> Change:
    spec = INSTRUMENTS[instrument]
    delta = latest - first if spec.higher_is_worse else first - latest
    direction = "unchanged" if delta == 0 else ("worsened" if delta > 0 else "improved")
    if spec.reliable_change is None:
        return Change(direction, None, False)
    reliable = abs(delta) >= spec.reliable_change
    crossed = spec.cutoff is not None and first >= spec.cutoff > latest
    return Change(direction, reliable, reliable and direction == "improved" and crossed)
