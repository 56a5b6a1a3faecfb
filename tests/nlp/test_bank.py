from chatsignals.nlp.bank import (
    account_from_details,
    account_in_text,
    extract_bank_details,
    iban_is_valid,
    swift_country,
)


def test_iban_mod97():
    assert iban_is_valid("DE89 3704 0044 0532 0130 00")
    assert iban_is_valid("GB82WEST12345698765432")
    assert not iban_is_valid("DE89 3704 0044 0532 0130 01")  # one digit off
    assert not iban_is_valid("DE89370400440532013")  # wrong length for DE


def test_swift_country():
    assert swift_country("BKCHCNBJ45A") == "CN"
    assert swift_country("HSBCHKHHHKH") == "HK"
    assert swift_country("hsbchkhh") == "HK"
    assert swift_country("HELLO") is None


def test_new_account_request_in_chinglish():
    text = (
        "Dear Tom, our company acount is under tax audit, pls pay balance to our new account:\n"
        "Beneficiary: WANG XIAOMING\nBank: HSBC Hong Kong\nA/C no.: 848-123456-838\nSWIFT: HSBCHKHHHKH"
    )
    acct = account_in_text(text)
    assert acct is not None
    assert acct.account == "848123456838"
    assert acct.swift == "HSBCHKHHHKH" and acct.country == "HK"
    assert acct.beneficiary == "WANG XIAOMING"
    assert acct.bank == "HSBC Hong Kong"


def test_company_account_and_difference():
    old = account_in_text(
        "Beneficiary: Shenzhen Brightway Lighting Co., Ltd; Bank: Bank of China Shenzhen Branch; "
        "Account No: 7561 2345 6789 0123; SWIFT code BKCHCNBJ45A"
    )
    new = account_in_text("Beneficiary: WANG XIAOMING, A/C 848-123456-838, SWIFT: HSBCHKHHHKH")
    assert old is not None and new is not None
    assert old.account == "7561234567890123" and old.country == "CN"
    assert old.beneficiary == "Shenzhen Brightway Lighting Co., Ltd"
    assert set(new.differences(old)) == {"account", "swift", "beneficiary"}
    assert old.differences(old) == []


def test_iban_in_text_and_invalid_iban_reported():
    details = extract_bank_details("Please use IBAN TR33 0006 1005 1978 6457 8413 26 for the balance.")
    ibans = [d for d in details if d.kind == "iban"]
    assert ibans[0].value == "TR330006100519786457841326" and ibans[0].valid and ibans[0].country == "TR"
    bad = [d for d in extract_bank_details("IBAN: DE89 3704 0044 0532 0130 01") if d.kind == "iban"]
    assert bad and bad[0].valid is False


def test_no_false_details_in_ordinary_chat():
    for text in (
        "We will ship 5000 pcs next week, tracking number will send you",
        "ATTACHED is the SHIPMENT schedule for CUSTOMER",
        "did your bank account change?",
        "Order 231145678901 total USD 14,000",
    ):
        assert account_from_details(extract_bank_details(text)) is None, text


def test_chinese_labels():
    acct = account_in_text("收款人：王小明\n开户行：汇丰银行香港\n账号：848123456838")
    assert acct is not None and acct.account == "848123456838" and acct.beneficiary == "王小明"
