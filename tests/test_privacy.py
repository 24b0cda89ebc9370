"""Masking of direct identifiers: what leaves the practice says "the client" and nothing that points to them."""

import re
from dataclasses import replace
from datetime import date
from itertools import permutations

import pytest

from core.models import Client, ClientContact
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


# -- the security review's findings: every writing of what the record holds --------------------------

QUILL = Client(
    id="F-3A9C0B12D4E5",
    full_name="Mara Quill",
    first_name="Mara",
    last_name="Quill",
    date_of_birth=date(1985, 7, 14),
    pronouns=None,
    gender="female",
    phone="555-201-3344",
    email="mara.quill@example.org",
    address="12 Orchard Lane, Apt 3, Springfield, MA 01103",
    mrn="MRN-448812",
    clinician_id=None,
    ai_consent_on=None,
    source="fhir",
    contacts=(
        ClientContact("F-3A9C0B12D4E5", "mother", "Ines Quill", "(413) 555-0188", "ines.q@example.org"),
        ClientContact("F-3A9C0B12D4E5", "brother", "Tobias Quill", address="7 Kestrel Court, Holyoke, MA 01040"),
        ClientContact("F-3A9C0B12D4E5", "self", "Mara Lindgren"),  # the maiden name
    ),
)


def test_a_name_in_another_case_is_masked_even_one_word_in_lower_case():
    assert mask("MARA QUILL said mara slept; QUILL agreed.", QUILL) == (
        "The client said the client slept; the client agreed."
    )
    assert mask("Mara Lindgren, as she was, and Ms. Lindgren's file.", QUILL) == (
        "The client, as she was, and the client's file."
    )


@pytest.mark.parametrize(
    "written",
    [
        "14.07.1985",
        "July 14th, 1985",
        "07/14/1985",
        "14/07/1985",
        "7/14/85",
        "14 July 1985",
        "Jul 14, 1985",
        "1985-07-14",
        "14th of July '85",
        "JULY 14 1985",
        "14-Jul-1985",
        "19850714",
    ],
)
def test_the_date_of_birth_is_masked_in_any_common_format(written):
    assert mask(f"DOB {written}.", QUILL) == "DOB [date of birth]."


def test_other_dates_stay():
    text = "Seen 2024-07-14, 14.07.2024 and July 15th, 1985; next on 7/14."
    assert mask(text, QUILL) == text


def test_part_of_the_street_is_masked():
    assert mask("She moved into the Orchard Lane apartment.", QUILL) == "She moved into the [address] apartment."
    assert mask("Lives at 12 orchard ln., near ORCHARD LANE, Apt 3.", QUILL) == "Lives at [address], near [address]."
    assert mask("Moved from Springfield, MA 01103 to Springfield 01103.", QUILL) == "Moved from [address] to [address]."
    assert mask("The orchard and the lane behind Main Street.", QUILL) == "The orchard and the lane behind Main Street."


def test_phones_in_any_grouping_and_emails_in_any_case():
    for written in ("5552013344", "+1 (555) 201 3344", "555 201 3344", "201-3344", "(413)555-0188"):
        assert mask(f"Call {written} today.", QUILL) == "Call [phone] today.", written
    assert mask("Write MARA.QUILL@EXAMPLE.ORG or mara.quill at example dot org.", QUILL) == (
        "Write [email] or [email]."
    )


def test_record_numbers_with_any_separator():
    for written in ("MRN-448812", "mrn 448812", "MRN#448812", "448812", "f-3a9c0b12d4e5", "F 3A9C0B12D4E5"):
        assert mask(f"Chart {written}.", QUILL) == "Chart [record number].", written


def test_relatives_are_named_by_their_relationship_to_the_client():
    text = mask(
        "Ines Quill came with Tobias; Ines's worry and TOBIAS QUILL's plan. Mrs. Quill said ines agreed.", QUILL
    )
    assert text == (
        "The client's mother came with the client's brother; the client's mother's worry and the client's "
        "brother's plan. The client said the client's mother agreed."  # "Mrs. Quill" is the client's own name too
    )
    assert mask("Ines at (413) 555-0188, ines.q@example.org; Tobias at 7 Kestrel Ct.", QUILL) == (
        "The client's mother at [phone], [email]; the client's brother at [address]."
    )
    assert mask("The Quills came as a family.", QUILL) == "The client's family came as a family."


def test_a_relative_with_no_relationship_on_file_is_the_clients_contact():
    client = replace(CLIENT, contacts=(ClientContact("C1234", "", "Ottoline Barrow"),))
    assert mask("Ottoline Barrow called.", client) == "The client's contact called."
