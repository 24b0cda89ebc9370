"""Masking of direct identifiers: what leaves the practice says "the client" and nothing that points to them."""

import re
from dataclasses import replace
from datetime import date
from itertools import permutations

import pytest

from core.models import Client
from core.privacy import mask

CLIENT = Client(
    id="C1234",
    full_name="Zoë Ñúñez",
    first_name="Zoë",
    last_name="Ñúñez",
    date_of_birth=date(1987, 3, 4),
    pronouns="she/her",
    gender="female",
    phone="(312) 555-0142",
    email="client1234@example.org",
    address="877 Willow Way, Port Adley",
    mrn="MRN-123456",
    clinician_id="K01",
    ai_consent_on=date(2025, 1, 1),
)


def test_names_with_honorifics_and_possessives_become_the_client():
    assert (
        mask("Ms. Ñúñez said Zoë's week was calmer. Zoë Ñúñez agreed.", CLIENT)
        == "The client said the client's week was calmer. The client agreed."
    )


def test_contact_details_and_record_numbers_are_replaced_whole():
    text = mask(
        "Moved to 877 Willow Way, Port Adley; call (312) 555-0142 or 312.555.0199, write "
        "client1234@example.org; MRN-123456, chart C1234.",
        CLIENT,
    )
    assert text == "Moved to [address]; call [phone] or [phone], write [email]; [record number], chart [record number]."
    assert "Port Adley" not in mask("She now lives at 12 Harbor St, Apt 4 near 877 Willow Way, Port Adley.", CLIENT)


def test_date_of_birth_is_masked_in_the_ways_charts_write_it():
    for written in ("1987-03-04", "3/4/1987", "03/04/1987", "March 4, 1987", "Mar. 4, 1987", "4 March 1987"):
        assert mask(f"DOB {written}.", CLIENT) == "DOB [date of birth].", written
    assert mask("Seen 2025-03-04 and 3/14/1987.", CLIENT) == "Seen 2025-03-04 and 3/14/1987."


SYNTHEA = replace(
    CLIENT, full_name="Zula72 Sigrid676 Borer986", first_name="Zula72", last_name="Borer986", date_of_birth=None
)


def name_variants(client: Client):
    """The client's name as charts write it: any of its parts in any order, with or without Synthea's
    digits, in its own, upper, lower and title case, with honorifics, "Last, First" and a possessive."""
    parts = client.full_name.split()
    for size in range(1, len(parts) + 1):
        for chosen in permutations(parts, size):
            for digits in (True, False):
                words = [w if digits else re.sub(r"\d+", "", w) for w in chosen]
                cases = [words, [w.upper() for w in words], [w.title() for w in words]]
                if size > 1 or any(c.isdigit() for w in words for c in w):
                    cases.append([w.lower() for w in words])  # one lower-case word is an ordinary word
                for written in cases:
                    yield " ".join(written)
                    if size > 1:
                        yield f"{written[-1]}, {' '.join(written[:-1])}"
                    yield f"Ms. {' '.join(written)}"


@pytest.mark.parametrize("client", [CLIENT, SYNTHEA], ids=["Zoë Ñúñez", "Zula72 Sigrid676 Borer986"])
def test_a_name_in_any_order_and_case_becomes_one_the_client(client):
    seen = 0
    for name in name_variants(client):
        text = mask(f"{name} said {name}'s week was calmer.\n{name}\n is a 44 year-old. Seen with {name}.", client)
        assert text == (
            "The client said the client's week was calmer.\nThe client\n is a 44 year-old. Seen with the client."
        ), name
        assert not re.search(r"the client,? the client", text, re.IGNORECASE), name
        seen += 1
    assert seen > 50


def test_replacements_side_by_side_read_as_one():
    assert mask("Zula72 Sigrid676\n is a 44 year-old female.", SYNTHEA) == "The client\n is a 44 year-old female."
    assert mask("The client Zoë Ñúñez reported less worry.", CLIENT) == "The client reported less worry."
    assert mask("Ñúñez, Zoë M. said Zoë A. Ñúñez's plan.", CLIENT) == "The client said the client's plan."


def test_ordinary_words_that_are_also_names_stay():
    will = replace(CLIENT, full_name="Will Hope Smith", first_name="Will", last_name="Smith")
    assert (
        mask("Will Smith will come; we hope Will Hope Smith will.", will)
        == "The client will come; we hope the client will."
    )
