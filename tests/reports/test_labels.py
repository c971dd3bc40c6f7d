"""The reports name terms, corrections and statuses in words; a key nobody has named yet still reads as words."""

from __future__ import annotations

from dataclasses import replace

from gateway.agreements.loader import AgreementBook
from gateway.reports import labels


def test_every_term_of_the_agreements_has_a_plain_name(book: AgreementBook) -> None:
    for agreement_id in book.ids():
        agreement = book.get(agreement_id)
        assert agreement is not None
        for name in agreement.terms:
            said = labels.term(name, agreement)
            assert "_" not in said and said[0].isupper(), (agreement_id, name, said)


def test_a_term_is_named_by_its_type_whatever_the_agreement_calls_it(book: AgreementBook) -> None:
    agreement = book.get("be-delivery-2016")
    assert agreement is not None
    assert labels.term("no_piece_rate", agreement) == "No pay per delivery"
    renamed = replace(agreement, terms={"ban_on_trips": agreement.terms["no_piece_rate"]}, _by_type={}, _resolved={})
    assert labels.term("ban_on_trips", renamed) == "No pay per delivery"
    assert labels.term("ban_on_trips", type_="piece_rate") == "No pay per delivery"
    assert labels.term("ban_on_trips") == "Ban on trips"  # nothing known of it: its key in words


def test_keys_nobody_has_named_yet_read_as_words() -> None:
    assert labels.term("night_premium") == "Night premium"
    assert labels.code("km_rate_below_minimum") == "km rate below minimum"
    assert labels.status("on_hold") == "on hold"
    assert labels.code("per_trip_pay_forbidden") == "pay per delivery offered"
