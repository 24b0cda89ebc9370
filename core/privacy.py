"""Masking of direct identifiers in chart text: what leaves the practice refers to "the client".

The rules are built from the record's own identifiers, in the ways charts write them: the names of
the client and of their related persons (any order and case, with or without accents and Synthea's
digits), the date of birth in common formats, the address (whole, the street with or without its
number, the city with its state or ZIP), phones in any grouping of their digits, e-mail addresses and
record numbers. Generic patterns then catch contact details the record does not hold. Why rules from
the record rather than a general de-identification model: tests/test_masking_variants.py measures
both what leaks and what is masked that should not be.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .models import Client, ClientContact

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
    "contact": "the client's {relationship}",  # a related person: "the client's mother"
    "phone": "[phone]",
    "email": "[email]",
    "address": "[address]",
    "record": "[record number]",
    "birth": "[date of birth]",
    "family": "the client's family",
}

# Name words that are also ordinary English words: written in lower case ("we hope", "will") they are
# the word, not the name. Any other name word is masked in any case ("mara" is Mara).
ORDINARY_WORDS = frozenset(
    """
    hope will grace faith joy rose may june april august mark bill pat sue art dawn iris ivy lily daisy
    holly amber ruby pearl jade crystal summer autumn winter sky rain river brook dale glen heath cliff
    rich frank earnest constance patience prudence honor honour charity mercy chase hunter mason carter
    cooper baker miller page sage reed wade penny ginger candy hazel olive violet basil destiny trinity
    harmony melody liberty star gene jean guy ray don lane drew lee black white brown green gray grey
    young king wood hill long park rice price bell ward hall cook stone fox lamb little north west south
    east love best strong small short sharp wise hardy moody bright bliss noble sterling golden rush
    banks waters fields woods hills marsh moss forest bush fisher hunt knight bishop pope dean major
    judge porter walker turner tailor tanner potter weaver shepherd mills sunny rusty dusty buddy chip
    jack rob bob nick peg dot kitty ken ash oak aspen cedar willow maple birch rowan laurel heather
    jasmine poppy blossom clay flint gale storm sandy misty early frost snow day wolf hawk crane swan
    finch wren robin jay drake colt buck hart bear cash gold silver chance justice grant miles skip
    carol eve christian an so do me my he we us our lincoln
    de la le da di du del della van von der den ter ten al el bin st
    """.split()
)
# Tellings of a street's type (the first is how the record may spell it in full).
STREET_TYPES = (
    "street st|avenue ave av|road rd|lane ln|drive dr|court ct|boulevard blvd|way wy|place pl|terrace ter terr"
    "|circle cir|parkway pkwy|highway hwy|hollow holw|square sq|trail trl|ridge rdg|heights hts|crossing xing"
    "|point pt|extension ext|expressway expy|freeway fwy|turnpike tpke|alley aly|center ctr|crescent cres"
    "|estates est|gardens gdns|grove grv|harbor hbr|haven hvn|junction jct|landing lndg|loop|manor mnr"
    "|meadows mdws|mill ml|mount mt|park|pass|path|pike|plaza plz|row|run|spring spg|station sta|summit smt"
    "|view vw|village vlg|vista vis|walk|esplanade espl|gateway gtwy|overpass opas|quay qy|annex anx|wall"
    "|course crse|rapid rpd|glen gln|green grn|island is|isle|key ky|knoll knl|lake lk|mews|oval|pines pnes"
    "|port prt|ranch rnch|shore shr|skyway|springs spgs|stream strm|track trak|underpass upas|valley vly"
    "|viaduct via|ville vl|close|fork frk|falls fls|ford frd|forge frg|bypass byp|causeway cswy|camp cp"
)
TYPE_GROUPS = [group.split() for group in STREET_TYPES.split("|")]
TYPE_WORDS = frozenset(w for group in TYPE_GROUPS for w in group)
# After a street's name, any of the usual types ("Orchard Street" for Orchard Lane) besides the
# record's own: not every type word, some are ordinary words ("Maple is", "Oak run").
USUAL_TYPES = frozenset(w for group in TYPE_GROUPS[:13] for w in group)


def _type_re(kind: str) -> str:
    """The street types to accept after the street's name: the usual ones and the record's, in any
    telling. An abbreviation's period is the street's only inside a sentence ("Ct., Holyoke")."""
    words = USUAL_TYPES.union(*(g for g in TYPE_GROUPS if kind in g))
    return r"(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + r")\b(?:\.(?=[ \t]*[,;:)]|[ \t]+[a-z\d]))?"


DIRECTIONS = {"n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest"}
DIRECTIONS |= {"se": "southeast", "sw": "southwest"}
UNIT = r"(?:apt|apartment|unit|suite|ste|no|number|room|rm|flat|floor|fl|bldg|building|lot)\b"
UNIT_TAIL = rf"(?:\s*,?\s*(?:{UNIT}\.?\s*#?\s*|#\s*)(?:\d[\w-]*|[a-z](?![\w'])))?"
RESIDENCE = r"(?=\s+(?:apartment|apt|house|home|residence|flat|condo|building|address)s?\b)"
STATES = dict(
    pair.split(" ", 1)
    for pair in (
        "AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|DE Delaware"
        "|DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa"
        "|KS Kansas|KY Kentucky|LA Louisiana|ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota"
        "|MS Mississippi|MO Missouri|MT Montana|NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey"
        "|NM New Mexico|NY New York|NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon"
        "|PA Pennsylvania|RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah"
        "|VT Vermont|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming|PR Puerto Rico"
    ).split("|")
)

HONORIFIC = r"(?:\b(?P<honorific>Mr|Mrs|Ms|Mx|Miss|Dr)\.?\s+)?"
INITIAL = r"(?:(?<![\w.])(?-i:[A-Z])\.[ \t]*)?"  # before the name: "M. Quill"
# Between the parts of one name: a space or line break, a comma ("Ñúñez, Zoë"), and a middle initial.
NAME_JOIN = r"(?:\s*,\s*|\s+)(?:[^\W\d_]\.\s*)?"
MIDDLE_INITIAL = r"(?:[ \t]+(?-i:[A-Z])\.(?=[ \t]+(?-i:[a-z])))?"  # after the last part: "Ñúñez, Zoë M. said"
# Replacements that end up side by side ("the client the client") read as one.
ADJACENT = re.compile(r"\b(the client)(?:'s|’s)?(?:[ \t]+the client(?P<possessive>'s|’s)?\b)+", re.IGNORECASE)
SAME_PLACE = re.compile(r"\[address\](?:[ \t]*,?[ \t]*\[address\])+")  # a street and its city, masked apart

# Words before a month's name that make "May" the month: "in May", "since June", "early April".
MONTH_CONTEXT = frozenset(
    "in since of last next early late mid by until till through from during this before after".split()
)
ORDINAL = r"(?:st|nd|rd|th)?"
MONTH_WORDS = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
MONTH_WORDS += r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
# "July 14th, 1985", "14 July 1985", "14th of July '85", "14-Jul-1985", "Jul. 14 1985".
TEXT_DATE = re.compile(
    rf"(?<!\w)(?:(?P<d1>\d{{1,2}}){ORDINAL}(?:\s+of)?[\s./-]*)?(?P<month>{MONTH_WORDS})\b\.?"
    rf"(?:[\s./-]*(?P<d2>\d{{1,2}}){ORDINAL}\b)?,?[\s./-]*(?P<year>['’]?\d{{4}}|['’]?\d{{2}})(?!\w)",
    re.IGNORECASE,
)
# "07/14/1985", "14.07.1985", "7/14/85", "1985-07-14", "14. 07. 1985".
NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(?P<a>\d{1,4})(?P<sep>\s?[./-]\s?)(?P<b>\d{1,2})(?P=sep)(?P<c>\d{2,4})"
    r"(?!\d|[/-]\d|\.\d)(?!(?!T\d)[^\W\d_])"  # not inside a longer number; "1985-07-14T09:30" is a date
)
# "born in July 1985", "DOB: Jul 1985": the month of birth, said as such.
BORN_IN = re.compile(
    rf"(?P<lead>\b(?:born|birth|dob|d\.o\.b\.?)[\s:,]+(?:(?:in|on)\s+)?)(?P<month>{MONTH_WORDS})\b\.?,?\s+(?:of\s+)?"
    r"(?P<year>\d{4})(?!\w)",
    re.IGNORECASE,
)
COMPACT_DATE = re.compile(r"(?<![\w./-])\d{8}(?![\w/-]|\.\d)")  # 19850714, 07141985
FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d"}
    | {"Đ": "D", "ð": "d", "þ": "th", "ı": "i", "’": "'"}
)
DIGRAPHS = str.maketrans({"ø": "oe", "Ø": "Oe", "ö": "oe", "Ö": "Oe", "ü": "ue", "Ü": "Ue", "ä": "ae", "Ä": "Ae"})
DIGRAPHS |= str.maketrans({"å": "aa", "Å": "Aa"})


def fold(text: str) -> str:
    """Without accents ("Zoë Ñúñez" -> "Zoe Nunez"): names as typed on a keyboard that has none."""
    decomposed = unicodedata.normalize("NFKD", text.translate(FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _key(word: str) -> str:
    """What two writings of one name word share: no digits, accents or case."""
    return fold(re.sub(r"\d+", "", word)).lower()


def _ordinary(written: str) -> bool:
    """A name word written in lower case that is also an English word ("hope") is that word."""
    return written.islower() and not any(c.isdigit() for c in written) and fold(written) in ORDINARY_WORDS


def _acronym(written: str) -> bool:
    """A short name word in capitals alone ("ED", "LI", "MA") is more often an abbreviation."""
    return written.isascii() and written.isupper() and len(written) <= 3


def _alternatives(word: str) -> set[str]:
    """The ways one word of a record is written: as is, without accents or with their two-letter
    spellings ("Oestergaard"), composed or not."""
    forms = {word, fold(word), fold(word.translate(DIGRAPHS))}
    forms |= {unicodedata.normalize("NFC", word), unicodedata.normalize("NFD", word)}
    return forms | {f.replace("'", "’") for f in forms}


def _either(words: Iterable[str]) -> str:
    """One regex alternative of the words, longest first so 'Zoë' does not cut 'Zoëlle' short."""
    return "(?:" + "|".join(map(re.escape, sorted(set(words), key=lambda w: (-len(w), w)))) + ")"


# -- names ------------------------------------------------------------------------------------------


def _name_words(*names: str | None) -> set[str]:
    """The words of names to mask: each part (and each half of a hyphenated one), with and without
    Synthea's digits ("Zulema784") and accents. One-letter Latin parts are initials, too common to mask;
    a single CJK character is a name."""
    words: set[str] = set()
    for name in names:
        for part in re.split(r"\s+", name or ""):
            part = part.strip(',;:()[]"')
            for piece in {part, *re.split(r"[-‐]", part)}:
                for form in (piece, re.sub(r"\d+", "", piece)):
                    words |= _alternatives(form)
    return {w for w in words if len(w) >= 2 or (w and not w.isascii())}


def contact_placeholder(contact: ClientContact) -> str:
    """How a related person is referred to: "the client's mother", else "the client's contact"."""
    words = re.sub(r"[^a-z -]", " ", fold(contact.relationship or "").lower()).split()
    return PLACEHOLDERS["contact"].format(relationship=" ".join(words[:3]) or "contact")


def is_self(contact: ClientContact) -> bool:
    """A contact row for another name of the client's own (a maiden name), not another person."""
    return fold(contact.relationship or "").strip().lower().startswith("self")


@dataclass(frozen=True)
class Person:
    placeholder: str
    keys: frozenset[str]  # _key of each name word


class Names:
    """Runs of the name words of the client and their related persons, each run split into the
    people it names: "Mara Quill" is the client's mother even when the client is a Quill too."""

    def __init__(self, client: Client):
        own = [client.full_name, client.first_name, client.last_name]
        own += [c.name for c in client.contacts if is_self(c)]
        people = [(PLACEHOLDERS["name"], _name_words(*own))]
        people += [(contact_placeholder(c), _name_words(c.name)) for c in client.contacts if not is_self(c)]
        self.people = [Person(p, frozenset(map(_key, words))) for p, words in people if words]
        every = set().union(*(words for _, words in people))
        self.word = re.compile(r"(?<!\w)" + _either(every) + r"(?!\w)", re.IGNORECASE) if every else None
        if self.word is not None:
            word = self.word.pattern
            # A family by its name ("the Quills"), for names that plural cannot make another word ("Thị").
            surnames = {w for w in every if len(_key(w)) >= 4 and _key(w) not in ORDINARY_WORDS}
            family = (r"(?<!\w)" + _either(surnames) + r"(?P<plural>e?s)(?!\w)|") if surnames else ""
            name = word + r"(?:" + NAME_JOIN + word + r")*" + MIDDLE_INITIAL + r"(?P<possessive>'s|’s)?"
            self.run = re.compile(HONORIFIC + INITIAL + r"(?:" + family + name + r")(?!\w)", re.IGNORECASE)

    def owners(self, written: str) -> frozenset[int]:
        key = _key(written)
        return frozenset(i for i, p in enumerate(self.people) if key in p.keys) or frozenset({0})

    def mask(self, text: str) -> str:
        if self.word is None:
            return text
        text = self.run.sub(self._replace, text)
        text = re.sub(r"\b([Tt]he) the client's family", r"\1 client's family", text)  # "the Quills"
        return ADJACENT.sub(lambda m: m.group(1) + ("'s" if m.group("possessive") else ""), text)

    def _replace(self, m: re.Match[str]) -> str:
        written = m.group(0)
        if m.groupdict().get("plural"):  # a family by its name, written as a name (not "quills")
            return written if written.islower() else PLACEHOLDERS["family"]
        possessive = m.group("possessive") or ""
        body = written[: len(written) - len(possessive)]
        assert self.word is not None  # a run was found, so there are words
        words = list(self.word.finditer(body))
        texts = [w.group(0) for w in words]
        honorific = bool(m.group("honorific"))
        lower = all(t.islower() for t in texts)
        if not honorific:
            if lower and all(map(_ordinary, texts)):
                return written  # "we hope", "will": ordinary words
            if len(texts) == 1 and (_acronym(texts[0]) or self._month_day(texts[0], m)):
                return written
        # In a run written in mixed case, lower-case ordinary words at either end are words next to
        # the name ("Will Smith will"); a run all in lower case is the name so written ("will smith").
        first, last = 0, len(words) - 1
        if not lower:
            while first < last and not honorific and _ordinary(texts[first]):
                first += 1
            while last > first and _ordinary(texts[last]):
                last -= 1
        segments: list[tuple[int, int, frozenset[int]]] = []  # (first word, last word, who it can be)
        for i in range(first, last + 1):
            owners = self.owners(texts[i])
            if segments and segments[-1][2] & owners:
                segments[-1] = (segments[-1][0], i, segments[-1][2] & owners)
            else:
                segments.append((i, i, owners))
        out = body[: 0 if first == 0 else words[first].start()]
        for n, (i, _, owners) in enumerate(segments):
            if n:
                out += body[words[segments[n - 1][1]].end() : words[i].start()]
            out += self.people[min(owners)].placeholder  # the client first, when a word is theirs too
        if last < len(words) - 1:
            return out + body[words[last].end() :] + possessive
        return out + ("'s" if possessive else "")

    @staticmethod
    def _month_day(written: str, m: re.Match[str]) -> bool:
        """'May 14' and 'in June' are dates even for a client named May or June."""
        if written.lower() not in ("april", "may", "june", "august"):
            return False
        before = m.string[: m.start()].split()[-1:]
        return bool(re.match(r"\s*\d", m.string[m.end() :])) or (bool(before) and before[0].lower() in MONTH_CONTEXT)


# -- date of birth ----------------------------------------------------------------------------------


def _is_day(born: date, year: str, month: str | int, day: str) -> bool:
    year = year.lstrip("'’")
    if len(year) == 4:
        same_year = int(year) == born.year
    else:
        same_year = len(year) == 2 and int(year) == born.year % 100
    return same_year and int(month) == born.month and int(day) == born.day


def _birth_date(born: date) -> Callable[[str], str]:
    """Every writing of the date of birth becomes "[date of birth]", whatever order the day and month
    come in (US and European), with the month in words or numbers, and a two- or four-digit year."""
    placeholder = PLACEHOLDERS["birth"]

    def text_date(m: re.Match[str]) -> str:
        month = [w[:3].lower() for w in MONTHS].index(m.group("month")[:3].lower()) + 1
        days = [d for d in (m.group("d1"), m.group("d2")) if d]
        return placeholder if any(_is_day(born, m.group("year"), month, d) for d in days) else m.group(0)

    def numeric_date(m: re.Match[str]) -> str:
        a, b, c = m.group("a"), m.group("b"), m.group("c")
        readings = [(a, b, c)] if len(a) == 4 else [(c, a, b), (c, b, a)]  # Y-M-D; M/D/Y and D/M/Y
        return placeholder if any(_is_day(born, *r) for r in readings) else m.group(0)

    def compact_date(m: re.Match[str]) -> str:
        s = m.group(0)
        readings = [(s[:4], s[4:6], s[6:]), (s[4:], s[:2], s[2:4]), (s[4:], s[2:4], s[:2])]
        return placeholder if any(_is_day(born, *r) for r in readings) else m.group(0)

    def month_of_birth(m: re.Match[str]) -> str:
        month = [w[:3].lower() for w in MONTHS].index(m.group("month")[:3].lower()) + 1
        same = (month, int(m.group("year"))) == (born.month, born.year)
        return m.group("lead") + placeholder if same else m.group(0)

    def mask(text: str) -> str:
        text = BORN_IN.sub(month_of_birth, text)
        text = TEXT_DATE.sub(text_date, text)
        text = NUMERIC_DATE.sub(numeric_date, text)
        return COMPACT_DATE.sub(compact_date, text)

    return mask


# -- contact details and record numbers -------------------------------------------------------------


def _phone(value: str) -> list[str]:
    """The record's number with any grouping of its digits ("3125550142", "+1 (312) 555 0142") and,
    for a ten-digit number, its local seven digits."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) < 7:
        return []
    gap = r"[\s.\-()/]*"
    out = [r"(?<![\w+])(?:\+?\s*1" + gap + r")?\(?" + gap.join(digits) + r"(?!\d)"]
    if len(digits) == 10:
        out.append(r"(?<![\w(])(?<!\d[\s.\-)])" + digits[3:6] + r"[\s.\-]?" + digits[6:] + r"(?!\d)")
    return out


def _email(value: str) -> list[str]:
    """The address, also written "name at example dot org", and its user name alone when it is
    clearly one ("client1001", "m.quill")."""
    local, _, domain = value.strip().partition("@")
    if not domain:
        return [re.escape(value.strip())]
    at = r"\s*(?:@|\(at\)|\[at\]|\sat\s)\s*"
    dot = r"\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*"
    out = [r"(?<![\w.+-])" + re.escape(local) + at + dot.join(map(re.escape, domain.split(".")))]
    if len(local) >= 4 and re.search(r"[\d._+-]", local):
        out.append(r"(?<![\w.+-])" + re.escape(local) + r"(?![\w@-])")
    return out


def _record(value: str) -> list[str]:
    """A record number with any separators between its parts ("MRN-123456", "mrn 123456") and, for a
    prefix and five or more digits, the digits alone."""
    parts = re.findall(r"[A-Za-z]+|\d+", value)
    if not parts:
        return []
    if len("".join(parts)) < 4:  # "X2" apart is "x2" (times two): only as written
        return [r"(?<![\w-])(?-i:" + re.escape(value) + r")(?![\w-])"]
    gap = r"[\s\-_:#./]*"
    written = [("0*" + p.lstrip("0") if p.isdigit() and p.lstrip("0") else re.escape(p)) for p in parts]
    out = [r"(?<![\w-])" + gap.join(written) + r"(?![\w-])"]
    digits = re.fullmatch(r"[A-Za-z]*[\W_]*0*(\d{5,})", value.strip())
    if digits:
        out.append(r"(?<![\w-])0*" + digits.group(1) + r"(?![\w-])")
    return out


# -- addresses ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """An address as the record writes it ("12 Orchard Lane, Apt 3, Springfield, MA 01103"), in parts."""

    number: str | None
    street: tuple[str, ...]  # the street's words, without number and unit
    typed: bool  # the last of them is the street's type (Lane), the others its name (Orchard)
    city: tuple[str, ...]
    state: str | None
    zip: str | None


UNIT_PART = re.compile(rf"^(?:{UNIT}\.?\s*#?|#)\s*(?:[\w-]*\d[\w-]*|[a-z])$", re.IGNORECASE)
UNIT_END = re.compile(rf"\s+(?:{UNIT}\.?\s*#?|#)\s*[\w-]*\d[\w-]*$", re.IGNORECASE)
STATE_ZIP = re.compile(r"^(?P<state>[A-Za-z][A-Za-z .]*?)?\s*(?P<zip>\d{5})(?:-\d{4})?$")


def parse_address(text: str) -> Address:
    number: str | None = None
    street: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    state: str | None = None
    zip_: str | None = None
    typed = False
    full_states = {v.lower(): k for k, v in STATES.items()}
    for part in (p.strip() for p in re.split(r"[,\n]", text) if p.strip()):
        sz = STATE_ZIP.match(part)
        words = part.split()
        if UNIT_PART.match(part):
            continue
        if not street and (part[0].isdigit() or words[-1].lower().rstrip(".") in TYPE_WORDS):
            line = UNIT_END.sub("", part).split()
            if line and re.fullmatch(r"\d+[A-Za-z]?(?:-\d+[A-Za-z]?)?", line[0]):
                number, line = line[0], line[1:]
            typed = len(line) > 1 and line[-1].lower().rstrip(".") in TYPE_WORDS
            street = tuple(line)
        elif sz:
            state, zip_ = (sz.group("state") or "").strip() or state, sz.group("zip")
        elif part.upper() in STATES or part.lower() in full_states:
            state = part
        elif not city and not any(c.isdigit() for c in part):
            city = tuple(words)
    return Address(number, street, typed, city, state, zip_)


def _word_re(word: str) -> str:
    bare = word.lower().rstrip(".")
    if bare in DIRECTIONS or bare in DIRECTIONS.values():
        short = next((k for k, v in DIRECTIONS.items() if bare in (k, v)), bare)
        return r"(?:" + DIRECTIONS[short] + "|" + short + r"\b\.?)"
    return _either(_alternatives(word))


def _words_re(words: Iterable[str]) -> str:
    return r"[\s-]+".join(map(_word_re, words))


def _state_re(state: str) -> str:
    """The state as abbreviation (in capitals: "OR" is not "or") or in full."""
    abbr = state.upper() if state.upper() in STATES else {v.lower(): k for k, v in STATES.items()}.get(state.lower())
    if abbr is None:
        return _words_re(state.split())
    return r"(?:(?-i:" + abbr + r")\b|" + _words_re(STATES[abbr].split()) + r")"


def _address(text: str) -> list[str]:
    """The whole address in any case and spacing; the street with or without its number and unit,
    its type in any telling ("Orchard Ln", "Orchard Lane apartment", "12 Orchard"); the city with its
    state or ZIP; the ZIP alone."""
    tokens = re.findall(r"[^\W_]+", text)
    out = [r"(?<!\w)" + r"[\s,.#-]*".join(map(re.escape, tokens)) + r"(?!\w)"] if tokens else []
    a = parse_address(text)
    sep = r"\s*,?\s*"
    zip_re = (re.escape(a.zip) + r"(?:-\d{4})?") if a.zip else None
    tail = ""
    if a.city:
        city = _words_re(a.city)
        state = _state_re(a.state) if a.state else None
        options = [f"{state}{sep}{zip_re}"] if state and zip_re else []
        options += [o for o in (zip_re, state) if o]
        if options:
            out.append(r"(?<!\w)" + city + sep + "(?:" + "|".join(options) + r")(?!\w)")
            tail = rf"(?:{sep}{city}(?:{sep}(?:{'|'.join(options)}))?)?"
        else:
            tail = rf"(?:{sep}{city})?"
    if a.street:
        core = _words_re(a.street[:-1] if a.typed else a.street)
        name = core + r"\s+" + _type_re(a.street[-1].lower().rstrip(".")) if a.typed else core
        forms = [name]
        if a.number:
            forms.insert(0, re.escape(a.number) + r"\s+(?:" + name + "|" + core + ")")
        out += [r"(?<!\w)" + f + UNIT_TAIL + tail + r"(?!\w)" for f in forms]
        out.append(r"(?<!\w)" + core + RESIDENCE)
        if a.typed and len(a.street) > 2:  # "Oak Ridge" of Oak Ridge Rd; never one word alone ("Maple")
            out.append(r"(?<!\w)" + core + r"(?!\w)")
    if zip_re:
        out.append(r"(?<![\w-])" + zip_re + r"(?![\w-])")
    return out


# -- the rules of one record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """Everything masked for one client, compiled once per client (mask runs per sentence)."""

    addresses: tuple[re.Pattern[str], ...]
    details: tuple[tuple[re.Pattern[str], str], ...]  # phones, e-mails, record numbers
    birth: Callable[[str], str] | None
    names: Names


@lru_cache(maxsize=512)
def rules(client: Client) -> Rules:
    people: list[Client | ClientContact] = [client, *client.contacts]
    addresses = [p for who in people if who.address for p in _address(who.address)]
    details = [(p, "phone") for who in people if who.phone for p in _phone(who.phone)]
    details += [(p, "email") for who in people if who.email for p in _email(who.email)]
    details += [(p, "record") for v in (client.mrn, client.id) if v for p in _record(v)]
    return Rules(
        tuple(re.compile(p, re.IGNORECASE) for p in addresses),
        tuple((re.compile(p, re.IGNORECASE), PLACEHOLDERS[kind]) for p, kind in details),
        _birth_date(client.date_of_birth) if client.date_of_birth else None,
        Names(client),
    )


def mask(text: str, client: Client) -> str:
    """Replace the names, date of birth, contact details, record numbers and street addresses of the
    client and of their related persons; the client becomes "the client"."""
    if not text:
        return text
    found = rules(client)
    # The record's addresses first, whole: the street pattern alone would leave "..., Millbrook".
    for pattern in found.addresses:
        text = pattern.sub(PLACEHOLDERS["address"], text)
    text = EMAIL.sub(PLACEHOLDERS["email"], text)
    text = SSN.sub(PLACEHOLDERS["record"], text)
    text = PHONE.sub(PLACEHOLDERS["phone"], text)
    text = RECORD_NUMBER.sub(PLACEHOLDERS["record"], text)
    text = STREET.sub(PLACEHOLDERS["address"], text)
    for pattern, placeholder in found.details:  # the record's own, in the writings the generic ones miss
        text = pattern.sub(placeholder, text)
    if found.birth is not None:
        text = found.birth(text)
    text = SAME_PLACE.sub(PLACEHOLDERS["address"], found.names.mask(text))
    # "the client" at the start of a sentence reads "The client".
    return re.sub(r"(^|[.!?]\s+|\n)the client", lambda m: m.group(1) + "The client", text)
