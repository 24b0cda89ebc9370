"""Masking of direct identifiers in chart text: what leaves the practice refers to "the client"."""

from __future__ import annotations

import re
from datetime import date

from .models import Client

PHONE = re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\w)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
STREET = re.compile(
    r"\b\d{1,6}\s+(?:[A-Z][\w'-]*\.?\s+){1,4}"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Ln|Lane|Dr|Drive|Ct|Court|Blvd|Boulevard|Way|Pl|Place|Hollow|Ter|Terrace"
    r"|Cir|Circle|Pkwy|Parkway|Hwy|Highway)\b\.?(?:,?\s+(?:Apt|Unit|Suite|#)\s*\w+)?"
)
RECORD_NUMBER = re.compile(
    r"\b(?:MRN|SSN|Medical record(?: number)?|Record #|Member ID)[:#\s-]*[\w-]*\d[\w-]*", re.IGNORECASE
)
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # not strftime: charts are English whatever the server's locale
PLACEHOLDERS = {
    "name": "the client",
    "phone": "[phone]",
    "email": "[email]",
    "address": "[address]",
    "record": "[record number]",
}


HONORIFIC = r"(?:\b(?P<honorific>Mr|Mrs|Ms|Mx|Miss|Dr)\.?\s+)?"
# Between the parts of one name: a space or line break, a comma ("Ñúñez, Zoë"), and a middle initial.
NAME_JOIN = r"(?:\s*,\s*|\s+)(?:[^\W\d_]\.\s*)?"
MIDDLE_INITIAL = r"(?:[ \t]+(?-i:[A-Z])\.(?=[ \t]+(?-i:[a-z])))?"  # after the last part: "Ñúñez, Zoë M. said"
# Replacements that end up side by side ("the client the client") read as one.
ADJACENT = re.compile(r"\b(the client)(?:'s|’s)?(?:[ \t]+the client(?P<possessive>'s|’s)?\b)+", re.IGNORECASE)


def _name_parts(client: Client) -> list[str]:
    """The words of the client's name to mask, longest first so 'Zoë' does not cut 'Zoëlle' short."""
    words = {
        w for name in (client.full_name, client.first_name, client.last_name) for w in re.split(r"\s+", name or "")
    }
    # Synthea-style names carry digits ("Zulema784"); people also write them without.
    words |= {re.sub(r"\d+", "", w) for w in list(words)}
    # One-letter Latin parts are initials, too common to mask; a single CJK character is a name.
    keep = {w.strip() for w in words if w.strip() and (len(w.strip()) >= 2 or not w.strip().isascii())}
    return sorted(keep, key=lambda w: (-len(w), w))


def _name_pattern(client: Client) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """(one name: its words in any order and case, with an honorific and a possessive; one word of it)."""
    parts = _name_parts(client)
    if not parts:
        return None
    word = r"(?<!\w)(?:" + "|".join(map(re.escape, parts)) + r")(?!\w)"
    run = HONORIFIC + word + r"(?:" + NAME_JOIN + word + r")*" + MIDDLE_INITIAL + r"(?P<possessive>'s|’s)?(?!\w)"
    return re.compile(run, re.IGNORECASE), re.compile(word, re.IGNORECASE)


def _common_word(written: str) -> bool:
    """A name word written all in lower case ("will", "hope") is an ordinary word, unless it has digits."""
    return written.islower() and not any(c.isdigit() for c in written)


def _mask_names(text: str, client: Client) -> str:
    """Each mention of the client's name, whole (first, middle and last names in any order and case,
    with an honorific), becomes one "the client"; replacements side by side are merged."""
    found = _name_pattern(client)
    if found is None:
        return text
    run, word = found

    def replace(m: re.Match[str]) -> str:
        written = m.group(0)
        possessive = m.group("possessive") or ""
        body = written[: len(written) - len(possessive)]
        words = list(word.finditer(body))
        common = [_common_word(w.group(0)) for w in words]
        if all(common):
            # One lower-case word is an ordinary word; several in a row (or after an honorific) are the
            # name written in lower case.
            if len(words) == 1 and not m.group("honorific"):
                return written
            common = [False] * len(words)
        # Lower-case words at either end of a run are ordinary words next to the name ("Will Smith will").
        first = 0 if m.group("honorific") else common.index(False)
        last = len(words) - 1 - common[::-1].index(False)
        start = 0 if first == 0 else words[first].start()
        if last < len(words) - 1:
            return body[:start] + "the client" + body[words[last].end() :] + possessive
        return body[:start] + "the client" + ("'s" if possessive else "")

    text = run.sub(replace, text)
    return ADJACENT.sub(lambda m: m.group(1) + ("'s" if m.group("possessive") else ""), text)


def _date_forms(day: date) -> list[str]:
    """How a date of birth is written in charts: ISO, US numeric, and with the month's name."""
    month = MONTHS[day.month - 1]
    return [
        day.isoformat(),
        f"{day.month}/{day.day}/{day.year}",
        f"{day.month:02d}/{day.day:02d}/{day.year}",
        f"{month} {day.day}, {day.year}",
        f"{month[:3]}. {day.day}, {day.year}",
        f"{month[:3]} {day.day}, {day.year}",
        f"{day.day} {month} {day.year}",
    ]


def mask(text: str, client: Client) -> str:
    """Replace the client's name, contact details, record numbers and street addresses."""
    if not text:
        return text
    # The client's own values first, whole: the street pattern alone would leave "..., Millbrook".
    for value, kind in (
        (client.address, "address"),
        (client.email, "email"),
        (client.phone, "phone"),
        (client.mrn, "record"),
        (client.id, "record"),
    ):
        if value:
            text = text.replace(value, PLACEHOLDERS[kind])
    text = EMAIL.sub(PLACEHOLDERS["email"], text)
    text = SSN.sub(PLACEHOLDERS["record"], text)
    text = PHONE.sub(PLACEHOLDERS["phone"], text)
    text = RECORD_NUMBER.sub(PLACEHOLDERS["record"], text)
    text = STREET.sub(PLACEHOLDERS["address"], text)
    if client.date_of_birth:
        for written in _date_forms(client.date_of_birth):
            text = re.sub(r"(?<!\w)" + re.escape(written) + r"(?!\w)", "[date of birth]", text)
    text = _mask_names(text, client)
    # "the client" at the start of a sentence reads "The client".
    return re.sub(r"(^|[.!?]\s+|\n)the client", lambda m: m.group(1) + "The client", text)
