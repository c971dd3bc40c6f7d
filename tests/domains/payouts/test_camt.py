"""Reading the bank's statements and return notices (issue 17): what is paid, what came back, what nobody knows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domains.payouts import camt
from gateway.domains.payouts.camt import Decision, Direction, EntryStatus, Outcome, StatementRefused, Why
from tests.domains.payouts import bank_statements as bank
from tests.domains.payouts.bank_statements import ACCOUNT_IBAN, DAY, Batch, Paid, Received, Returned

VERSIONS = ["02", "08"]
SENT = {
    "PAYOUT-0001": Decimal("120.50"),
    "PAYOUT-0002": Decimal("80.00"),
    "PAYOUT-0003": Decimal("45.10"),
    "PAYOUT-0004": Decimal("12.00"),
}


def decide(data: bytes, expected: dict[str, Decimal] = SENT) -> list[Decision]:
    return camt.match(camt.parse(data).lines, expected)


def outcomes(decisions: list[Decision]) -> list[tuple[Outcome, str | None, Why | None]]:
    return [(d.outcome, d.end_to_end_id, d.why) for d in decisions]


# ---------------------------------------------------------------------------------------------- the built files


@pytest.mark.parametrize("version", VERSIONS)
def test_built_files_are_valid_against_the_iso_schemas(version: str) -> None:
    lines: list[bank.Line | Batch] = [
        Paid("PAYOUT-0001", Decimal("120.50")),
        Returned("PAYOUT-0002", Decimal("80.00"), "AC04"),
        Paid("PAYOUT-0003", Decimal("45.10"), status="PDNG"),
        Batch([Paid("PAYOUT-0004", Decimal("12.00"))]),
        Received(None, Decimal("300.00")),
    ]
    bank.validate(bank.camt053(lines, version=version))
    bank.validate(bank.camt054(lines, version=version))


def test_the_schema_check_catches_a_file_out_of_shape() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("1.00"))]).replace(b"<CdtDbtInd>DBIT", b"<CdtDbtInd>DEBIT", 1)
    with pytest.raises(Exception, match="DEBIT"):
        bank.validate(data)


# ---------------------------------------------------------------------------------------------- camt.053


@pytest.mark.parametrize("version", VERSIONS)
def test_booked_debits_with_our_ids_and_amounts_are_paid(version: str) -> None:
    data = bank.camt053(
        [Paid("PAYOUT-0001", Decimal("120.50")), Paid("PAYOUT-0003", Decimal("45.10"))], version=version
    )
    parsed = camt.parse(data)

    assert parsed.message == f"camt.053.001.{version}"
    assert parsed.kind is camt.Kind.STATEMENT
    [report] = parsed.reports
    assert report.account_iban == ACCOUNT_IBAN
    assert report.opening_balance == camt.Balance("OPBD", Decimal("10000.00"), "EUR", DAY)
    assert report.closing_balance == camt.Balance("CLBD", Decimal("9834.40"), "EUR", DAY)
    first = report.lines[0]
    assert (first.amount, first.currency, first.direction, first.status) == (
        Decimal("120.50"),
        "EUR",
        Direction.DEBIT,
        EntryStatus.BOOKED,
    )
    assert first.booking_date == DAY
    assert first.bank_reference == "TXREF-000001-1"
    assert first.transaction_code == "PMNT/ICDT/ESCT"
    assert outcomes(camt.match(parsed.lines, SENT)) == [
        (Outcome.PAID, "PAYOUT-0001", None),
        (Outcome.PAID, "PAYOUT-0003", None),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_return_inside_the_statement_fails_the_payout_with_the_banks_reason(version: str) -> None:
    data = bank.camt053(
        [Paid("PAYOUT-0001", Decimal("120.50")), Returned("PAYOUT-0002", Decimal("80.00"), "AC04")], version=version
    )
    [paid, returned] = decide(data)

    assert paid.outcome is Outcome.PAID
    assert (returned.outcome, returned.end_to_end_id, returned.reason_code) == (Outcome.RETURNED, "PAYOUT-0002", "AC04")
    assert returned.line.direction is Direction.CREDIT
    assert returned.line.transaction_code == "PMNT/ICDT/RRTN"
    assert returned.line.returned is not None
    assert returned.line.returned.label == "The account is closed."
    assert returned.line.returned.additional_info == ("SEPA return",)
    assert returned.rider_must_correct_iban
    assert "closed" in returned.detail


# ---------------------------------------------------------------------------------------------- camt.054


@pytest.mark.parametrize("version", VERSIONS)
def test_a_return_notice_names_each_return_and_its_reason(version: str) -> None:
    data = bank.camt054(
        [Returned("PAYOUT-0001", Decimal("120.50"), "AC04"), Returned("PAYOUT-0002", Decimal("80.00"), "AC01")],
        version=version,
    )
    parsed = camt.parse(data)
    decisions = camt.match(parsed.lines, SENT)

    assert parsed.kind is camt.Kind.NOTIFICATION
    assert parsed.reports[0].opening_balance is None  # a notification carries no balances
    assert [(d.outcome, d.end_to_end_id, d.reason_code) for d in decisions] == [
        (Outcome.RETURNED, "PAYOUT-0001", "AC04"),
        (Outcome.RETURNED, "PAYOUT-0002", "AC01"),
    ]
    assert decisions[1].line.returned is not None
    assert decisions[1].line.returned.label.startswith("The account number is wrong")
    assert all(d.rider_must_correct_iban for d in decisions)


def test_a_return_known_only_by_its_transaction_code_is_returned_without_a_reason() -> None:
    data = bank.camt054([Returned("PAYOUT-0002", Decimal("80.00"), with_return_info=False)])
    [decision] = decide(data)

    assert decision.outcome is Outcome.RETURNED
    assert decision.reason_code is None
    assert decision.line.returned is not None and decision.line.returned.label == "No reason given."
    assert not decision.rider_must_correct_iban  # nothing says the IBAN is wrong: staff look first


def test_a_deceased_account_holder_is_returned_but_the_rider_is_not_asked_for_an_iban() -> None:
    [decision] = decide(bank.camt054([Returned("PAYOUT-0001", Decimal("120.50"), "MD07")]))

    assert (decision.outcome, decision.reason_code) == (Outcome.RETURNED, "MD07")
    assert decision.line.returned is not None and decision.line.returned.label == "The account holder has died."
    assert not decision.rider_must_correct_iban


def test_a_reason_code_outside_the_list_is_kept_as_the_bank_sent_it() -> None:
    [decision] = decide(bank.camt054([Returned("PAYOUT-0001", Decimal("120.50"), "ZZ99")]))

    assert (decision.outcome, decision.reason_code) == (Outcome.RETURNED, "ZZ99")
    assert decision.line.returned is not None
    assert decision.line.returned.label == "Reason code ZZ99 (not in the gateway's list)."


def test_a_return_less_a_bank_fee_is_still_the_return_but_more_than_was_sent_is_not() -> None:
    lines = [Returned("PAYOUT-0001", Decimal("115.50"), "AC04"), Returned("PAYOUT-0002", Decimal("80.01"), "AC04")]
    assert outcomes(decide(bank.camt054(lines))) == [
        (Outcome.RETURNED, "PAYOUT-0001", None),
        (Outcome.UNKNOWN, "PAYOUT-0002", Why.AMOUNT_DIFFERS),
    ]


# ---------------------------------------------------------------------------------------------- never guessed


def test_an_unknown_end_to_end_id_is_reported_not_matched() -> None:
    [decision] = decide(bank.camt053([Paid("SOMEONE-ELSES-9", Decimal("120.50"))]))

    assert (decision.outcome, decision.why) == (Outcome.UNKNOWN, Why.UNKNOWN_ID)
    assert "SOMEONE-ELSES-9" in decision.detail
    assert "entry 1, transaction 1" in decision.detail


def test_a_return_of_a_transfer_we_never_sent_is_reported() -> None:
    [decision] = decide(bank.camt054([Returned("SOMEONE-ELSES-9", Decimal("1.00"), "AC04")]))
    assert (decision.outcome, decision.why) == (Outcome.UNKNOWN, Why.UNKNOWN_ID)


def test_an_amount_that_differs_is_reported_not_paid() -> None:
    [decision] = decide(bank.camt053([Paid("PAYOUT-0001", Decimal("120.05"))]))

    assert (decision.outcome, decision.why) == (Outcome.UNKNOWN, Why.AMOUNT_DIFFERS)
    assert "120.05" in decision.detail and "120.50" in decision.detail


def test_another_currency_is_reported_not_paid() -> None:
    [decision] = decide(bank.camt053([Paid("PAYOUT-0001", Decimal("120.50"), currency="USD")]))
    assert (decision.outcome, decision.why) == (Outcome.UNKNOWN, Why.CURRENCY_DIFFERS)


@pytest.mark.parametrize("status", ["PDNG", "INFO"])
def test_a_line_not_booked_marks_nothing(status: str) -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50"), status=status)])
    [decision] = decide(data)

    assert decision.line.status is EntryStatus(status)
    assert (decision.outcome, decision.why) == (Outcome.UNKNOWN, Why.NOT_BOOKED)


def test_a_credit_with_our_id_that_is_not_a_return_is_reported() -> None:
    [decision] = decide(bank.camt053([Received("PAYOUT-0001", Decimal("120.50"))]))
    assert (decision.outcome, decision.why) == (Outcome.UNKNOWN, Why.NOT_A_DEBIT)


def test_lines_without_an_end_to_end_id_are_reported_and_notprovided_never_matches() -> None:
    data = bank.camt053([Received(None, Decimal("300.00")), Paid(None, Decimal("12.00"))])
    decisions = decide(data, {**SENT, "NOTPROVIDED": Decimal("12.00")})

    assert [(d.outcome, d.why) for d in decisions] == [(Outcome.UNKNOWN, Why.NO_END_TO_END_ID)] * 2


def test_a_second_debit_of_one_transfer_is_reported_not_paid_twice() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50")), Paid("PAYOUT-0001", Decimal("120.50"))])
    assert outcomes(decide(data)) == [
        (Outcome.PAID, "PAYOUT-0001", None),
        (Outcome.UNKNOWN, "PAYOUT-0001", Why.ALREADY_MATCHED),
    ]


def test_paid_then_returned_in_one_import_is_both() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50")), Returned("PAYOUT-0001", Decimal("120.50"), "AC06")])
    assert outcomes(decide(data)) == [(Outcome.PAID, "PAYOUT-0001", None), (Outcome.RETURNED, "PAYOUT-0001", None)]


def test_a_reversal_by_the_bank_is_left_to_a_person() -> None:
    [decision] = decide(bank.camt053([Paid("PAYOUT-0001", Decimal("120.50"), reversal=True)]))
    assert (decision.outcome, decision.why) == (Outcome.UNKNOWN, Why.REVERSAL)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_batch_entry_is_matched_per_transfer_by_each_ones_amount(version: str) -> None:
    batch = Batch([Paid("PAYOUT-0003", Decimal("45.10")), Paid("PAYOUT-0004", Decimal("12.00"))])
    decisions = decide(bank.camt053([batch], version=version))

    assert outcomes(decisions) == [(Outcome.PAID, "PAYOUT-0003", None), (Outcome.PAID, "PAYOUT-0004", None)]
    assert [(d.line.entry, d.line.transaction) for d in decisions] == [(1, 1), (1, 2)]


def test_a_batch_entry_without_amounts_per_transfer_is_not_split_by_guess() -> None:
    batch = Batch([Paid("PAYOUT-0003", Decimal("45.10")), Paid("PAYOUT-0004", Decimal("12.00"))], False)
    decisions = decide(bank.camt053([batch]))
    assert [(d.outcome, d.why) for d in decisions] == [(Outcome.UNKNOWN, Why.NO_AMOUNT)] * 2


# ---------------------------------------------------------------------------------------------- refused files


def test_malformed_xml_is_refused_with_where() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("1.00"))]).replace(b"</Stmt>", b"</Stmnt>")
    with pytest.raises(StatementRefused, match=r"not well-formed XML: .*\(line \d+\)") as refused:
        camt.parse(data)
    assert refused.value.status == 422


BILLION_LAUGHS = """<?xml version="1.0" encoding="{encoding}"?>
<!DOCTYPE Document [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>&i;</MsgId>
</GrpHdr></BkToCstmrStmt></Document>"""


def test_an_entity_bomb_is_refused_before_parsing() -> None:
    with pytest.raises(StatementRefused, match="declares a DOCTYPE or entities"):
        camt.parse(BILLION_LAUGHS.format(encoding="UTF-8").encode())


def test_an_entity_bomb_in_utf_16_is_refused_too() -> None:
    # UTF-16 would hide the DOCTYPE from a byte scan; ISO 20022 files are UTF-8, so anything else is refused first.
    with pytest.raises(StatementRefused, match="not UTF-8"):
        camt.parse(BILLION_LAUGHS.format(encoding="UTF-16").encode("utf-16"))


def test_an_external_entity_is_never_read() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr>'
        b"<MsgId>&x;</MsgId></GrpHdr></BkToCstmrStmt></Document>"
    )
    with pytest.raises(StatementRefused, match="DOCTYPE") as refused:
        camt.parse(data)
    assert "root:" not in refused.value.detail


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:iso:std:iso:20022:tech:xsd:camt.052.001.08",  # intraday account report
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.04",  # a statement version not read (yet)
        "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",  # our own transfer order sent back by mistake
    ],
)
def test_an_unsupported_message_is_refused_naming_it(namespace: str) -> None:
    data = f'<?xml version="1.0"?><Document xmlns="{namespace}"><X/></Document>'.encode()
    with pytest.raises(StatementRefused, match="unsupported message") as refused:
        camt.parse(data)
    assert namespace in refused.value.detail
    assert "camt.053.001.08" in refused.value.detail  # says what would be read


def test_a_file_that_is_not_iso_20022_is_refused() -> None:
    with pytest.raises(StatementRefused, match=r"root element is <html>"):
        camt.parse(b"<html><body>Your session expired</body></html>")


def test_an_empty_or_oversized_file_is_refused() -> None:
    with pytest.raises(StatementRefused, match="empty"):
        camt.parse(b"  \n")
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("1.00"))])
    with pytest.raises(StatementRefused, match="at most 100 are read"):
        camt.parse(data, max_bytes=100)


def test_a_missing_required_element_is_named_with_its_line() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("1.00"))]).replace(b"<CdtDbtInd>DBIT</CdtDbtInd>", b"", 1)
    with pytest.raises(StatementRefused, match=r"camt.053.001.08: Ntry at line \d+: CdtDbtInd is missing"):
        camt.parse(data)


def test_an_amount_that_is_not_a_number_is_refused_not_rounded() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50"))]).replace(b">120.50<", b">120,50<", 1)
    with pytest.raises(StatementRefused, match="'120,50' is not a decimal amount"):
        camt.parse(data)


def test_the_account_number_stays_out_of_reprs_details_and_refusals() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50")), Returned("PAYOUT-0002", Decimal("80.00"))])
    parsed = camt.parse(data)
    decisions = camt.match(parsed.lines, SENT)

    assert ACCOUNT_IBAN not in repr(parsed)
    assert all(ACCOUNT_IBAN not in d.detail and ACCOUNT_IBAN not in repr(d) for d in decisions)
    # An account number where an amount should be: the refusal quotes short bad values, never this one.
    broken = data.replace(b">10000.00<", f">{ACCOUNT_IBAN}<".encode(), 1)
    with pytest.raises(StatementRefused, match="a value of 16 characters is not a decimal amount") as refused:
        camt.parse(broken)
    assert ACCOUNT_IBAN not in refused.value.detail


def test_every_listed_reason_has_a_label_and_the_rider_is_asked_only_for_account_reasons() -> None:
    assert {"AC01", "AC04", "AC06", "MD07", "AG01", "AM05", "BE04", "RR01"} <= camt.RETURN_REASONS.keys()
    assert all(label.endswith(".") for label in camt.RETURN_REASONS.values())
    assert camt.RETURN_REASONS.keys() >= camt.RIDER_MUST_CORRECT_IBAN
    assert all(code.startswith(("AC", "AG")) for code in camt.RIDER_MUST_CORRECT_IBAN)


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=4000), junk=st.binary(max_size=8))
def test_a_damaged_file_is_read_or_refused_never_anything_else(cut: int, junk: bytes) -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50")), Returned("PAYOUT-0002", Decimal("80.00"))])
    damaged = data[:cut] + junk + data[cut + len(junk) :]
    try:
        parsed = camt.parse(damaged)
    except StatementRefused:
        return
    camt.match(parsed.lines, SENT)


def test_a_booking_date_given_as_a_date_time_is_read_as_its_date() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50"))]).replace(
        b"<BookgDt>\n          <Dt>2026-12-03</Dt>", b"<BookgDt>\n          <DtTm>2026-12-03T23:30:00+01:00</DtTm>", 1
    )
    assert b"<DtTm>" in data
    bank.validate(data)
    [line] = camt.parse(data).lines
    assert line.booking_date == DAY


def test_an_entry_status_outside_the_code_list_is_refused() -> None:
    data = bank.camt053([Paid("PAYOUT-0001", Decimal("120.50"))]).replace(b"<Cd>BOOK</Cd>", b"<Cd>DONE</Cd>", 1)
    with pytest.raises(StatementRefused, match="entry status 'DONE' is not BOOK, PDNG, INFO or FUTR"):
        camt.parse(data)
