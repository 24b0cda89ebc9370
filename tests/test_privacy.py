"""Masking of direct identifiers: what leaves the practice says "the client" and nothing that points to them."""

from datetime import date

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
