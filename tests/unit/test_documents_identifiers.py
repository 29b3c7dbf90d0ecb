"""IBANs and VAT ids: found in text, and their check digits checked."""

from __future__ import annotations

import pytest

from officeflow.documents.identifiers import find_ibans, find_vat_ids, iban_valid, vat_checksum_valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("DE89370400440532013001", False),
        ("FR14 2004 1010 0505 0001 3M02 606", True),
        ("GB29 NWBK 6016 1331 9268 19", True),
        ("DE8937040044053201300", False),  # a digit short
    ],
)
def test_an_iban_is_checked_by_mod_97_and_length(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


def test_an_iban_is_found_with_spaces_and_a_vat_id_is_not_taken_for_one() -> None:
    text = "IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX · TVA FR40303265045"
    assert [value for value, _, _ in find_ibans(text)] == ["DE89370400440532013000"]


@pytest.mark.parametrize(
    ("vat_id", "valid"),
    [
        ("DE136695976", True),
        ("DE136695977", False),
        ("FR40303265045", True),
        ("FR41303265045", False),
        ("ATU13585627", True),
        ("BE0403019261", True),
        ("GB123456789", None),  # no check digits known here
    ],
)
def test_a_vat_id_has_its_countrys_check_digits(vat_id: str, valid: bool | None) -> None:
    assert vat_checksum_valid(vat_id) is valid


def test_a_vat_id_ends_where_its_word_ends() -> None:
    assert [v for v, _, _ in find_vat_ids("VAT IE2910491C IBAN IE29 AIBK 9311 5212 3456 78")] == ["IE2910491C"]
    assert [v for v, _, _ in find_vat_ids("USt-IdNr.: DE 136 695 976")] == ["DE136695976"]
