"""The checks made before anything is sent: what passes, what is refused, and what the message says."""

from __future__ import annotations

import uuid
import warnings
from typing import Any, Callable

import pytest

from codat_nb.errors import CodatError, ValidationError
from codat_nb.validation import (
    DATA_TYPES,
    MAX_PAGE_SIZE,
    CompanyNameWarning,
    check_company_name,
    check_data_type,
    check_page_size,
    check_platform_key,
    check_positive_int,
    check_record_id,
    check_uuid,
)

ID = "8a210b68-6988-11ed-a1eb-0242ac120002"


def refused(check: Callable[..., Any], *args: Any) -> ValidationError:
    """The ValidationError ``check(*args)`` raises; it must also be a ValueError and a CodatError."""
    with pytest.raises(ValidationError) as info:
        check(*args)
    assert isinstance(info.value, ValueError) and isinstance(info.value, CodatError)
    return info.value


# -- check_uuid -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ID, ID),
        (ID.upper(), ID),
        ("8A210B68-6988-11ed-A1EB-0242ac120002", ID),
        (uuid.UUID(ID), ID),
        ("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"),
    ],
    ids=["canonical", "upper", "mixed-case", "uuid-object", "nil"],
)
def test_check_uuid__accepted_and_lowered(value: Any, expected: str) -> None:
    assert check_uuid(value, "company_id") == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("{" + ID + "}", "usual 8-4-4-4-12 form"),
        ("urn:uuid:" + ID, "usual 8-4-4-4-12 form"),
        (ID.replace("-", ""), "usual 8-4-4-4-12 form"),
        ("8a210b686988-11ed-a1eb-0242-ac120002", "usual 8-4-4-4-12 form"),
        ("../", "'../'"),
        ("../../companies", "'../../companies'"),
        ("%2e%2e", "'%2e%2e'"),
        ("", "''"),
        (" " + ID, "such as 8a210b68"),
        (ID + "/", "such as 8a210b68"),
        (ID[:-1], "such as 8a210b68"),
        (ID[:-1] + "g", "such as 8a210b68"),
        ("x" * 200, "..."),
    ],
    ids=["braces", "urn", "no-hyphens", "hyphens-misplaced", "dotdot-slash", "traversal", "percent-dots", "empty",
         "leading-space", "trailing-slash", "too-short", "non-hex", "long"],  # fmt: skip
)
def test_check_uuid__bad_string_refused(value: str, shown: str) -> None:
    error = refused(check_uuid, value, "company_id")
    message = str(error)
    assert message.startswith("company_id must be a UUID")
    assert shown in message
    assert len(message) < 200  # a long value is cut short, not echoed whole


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(None, "NoneType"), (42, "int"), (uuid.UUID(ID).int, "int"), (ID.encode(), "bytes"), ([ID], "list")],
    ids=["none", "int", "uuid-int", "bytes", "list"],
)
def test_check_uuid__non_string_refused(value: Any, type_name: str) -> None:
    message = str(refused(check_uuid, value, "connection_id"))
    assert message.startswith("connection_id must be a UUID string")
    assert message.endswith(f"got {type_name}.")


# -- check_record_id --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["8GeHBdBZiZ", "7110701885", "INV-001", "a b", "a.b", "...", "ünïcode", "1%2F2", "a:b", "x" * 500],
)
def test_check_record_id__accepted_unchanged(value: str) -> None:
    assert check_record_id(value) is value


@pytest.mark.parametrize(
    ("value", "message_start"),
    [
        ("../x", "record_id must not contain"),
        ("a/b", "record_id must not contain"),
        ("a\\b", "record_id must not contain"),
        ("a?b", "record_id must not contain"),
        ("#", "record_id must not contain"),
        ("..", "record_id must not contain"),
        (".", "record_id must not contain"),
        ("\n", "record_id must be a non-empty string"),
        ("a\nb", "record_id must not contain"),
        ("a\x00b", "record_id must not contain"),
        ("a\tb", "record_id must not contain"),
        ("", "record_id must be a non-empty string"),
        ("   ", "record_id must be a non-empty string"),
        (None, "record_id must be a non-empty string"),
        (7110701885, "record_id must be a non-empty string"),
    ],
    ids=["dotdot-slash", "slash", "backslash", "query", "fragment", "dotdot", "dot", "newline", "inner-newline",
         "nul", "tab", "empty", "blank", "none", "int"],  # fmt: skip
)
def test_check_record_id__refused(value: Any, message_start: str) -> None:
    message = str(refused(check_record_id, value))
    assert message.startswith(message_start)
    assert f"got {value!r}" in message


def test_check_record_id__names_the_argument() -> None:
    assert str(refused(check_record_id, "a/b", "invoice_id")).startswith("invoice_id must not contain")


# -- check_data_type --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", DATA_TYPES)
def test_check_data_type__every_known_type_accepted(value: str) -> None:
    assert check_data_type(value) == value


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("invoice", "invoices"),
        ("INVOICES", "invoices"),
        ("Invoices", "invoices"),
        ("chartofaccounts", "chartOfAccounts"),
        ("CHARTOFACCOUNTS", "chartOfAccounts"),
        ("bankAccount", "bankAccounts"),
        ("commerce-order", "commerce-orders"),
        ("banking-Accounts", "banking-accounts"),
    ],
)
def test_check_data_type__near_miss_suggests(value: str, suggestion: str) -> None:
    message = str(refused(check_data_type, value))
    assert message == f"Unknown data type {value!r}. Did you mean {suggestion!r}?"


@pytest.mark.parametrize("value", ["xyz", "", "qqqqqqq", "%2e%2e"])
def test_check_data_type__unknown_lists_known_ones(value: str) -> None:
    message = str(refused(check_data_type, value))
    assert message.startswith(f"Unknown data type {value!r}. Known data types: accountTransactions, balanceSheet, ")
    assert "Did you mean" not in message


@pytest.mark.parametrize(("value", "type_name"), [(None, "NoneType"), (1, "int"), (["invoices"], "list"), (b"bills", "bytes")])
def test_check_data_type__non_string_refused(value: Any, type_name: str) -> None:
    assert str(refused(check_data_type, value)) == f"data_type must be a string such as 'invoices'; got {type_name}."


@pytest.mark.parametrize(("value", "suggestion"), [("companies", "company"), ("../invoices", "invoices")])
def test_check_data_type__never_passes_a_near_miss(value: str, suggestion: str) -> None:
    assert str(refused(check_data_type, value)).endswith(f"Did you mean {suggestion!r}?")


def test_check_data_type__custom_allowed_list() -> None:
    assert check_data_type("bills", ("bills", "invoices")) == "bills"
    assert "Did you mean 'bills'?" in str(refused(check_data_type, "bill", ("bills", "invoices")))
    # A real data type outside the allowed list is refused too.
    assert "Known data types: bills, invoices, ..." in str(refused(check_data_type, "customers", ("bills", "invoices")))


# -- check_platform_key ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["mqjo", "gbol", "akxx"])
def test_check_platform_key__accepted(value: str) -> None:
    assert check_platform_key(value) == value


@pytest.mark.parametrize("value", ["MQJO", "mqj", "mqjoo", "mq1o", "", " mqjo", "mqjo\n", "../x", None, 1234])
def test_check_platform_key__refused(value: Any) -> None:
    message = str(refused(check_platform_key, value))
    assert message.startswith("platform_key must be four lowercase letters such as 'mqjo'")
    assert message.endswith(f"got {value!r}.")


# -- check_page_size / check_positive_int -----------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 100, MAX_PAGE_SIZE])
def test_check_page_size__accepted(value: int) -> None:
    assert check_page_size(value) == value


@pytest.mark.parametrize("value", [0, -1, 5001, "abc", "100", True, False, 2.5, 100.0, None])
def test_check_page_size__refused(value: Any) -> None:
    assert str(refused(check_page_size, value)) == f"page_size must be a whole number from 1 to 5000; got {value!r}."


@pytest.mark.parametrize(("value", "ok"), [(1, True), (100, True), (0, False), (101, False), (True, False), (1.0, False)])
def test_check_positive_int__bounds(value: Any, ok: bool) -> None:
    if ok:
        assert check_positive_int(value, "concurrency", 1, 100) == value
    else:
        message = str(refused(check_positive_int, value, "concurrency", 1, 100))
        assert message == f"concurrency must be a whole number from 1 to 100; got {value!r}."


# -- check_company_name -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Acme Ltd", "!!!", "O'Brien & Sons, Inc.", "a-b@c.d?e!f", "Tab\there", "123", "  padded  "],
)
def test_check_company_name__clean_name_no_warning(name: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert check_company_name(name) is name
    assert caught == []


@pytest.mark.parametrize(
    ("name", "stripped", "saved"),
    [
        ("Company (Codat[1])", "'(' ')' '[' ']'", "Company Codat1"),
        ("Acme/Widgets", "'/'", "AcmeWidgets"),
        ("Café Ltd", "'é'", "Caf Ltd"),
        ("100% Cotton; Ltd", "'%' ';'", "100 Cotton Ltd"),
        ("(Acme)", "'(' ')'", "Acme"),
        ("<b>Acme</b>", "'/' '<' '>'", "bAcmeb"),
    ],
    ids=["brackets", "slash", "accent", "percent-semicolon", "edges", "html"],
)
def test_check_company_name__warns_naming_stripped_and_saved_form(name: str, stripped: str, saved: str) -> None:
    with pytest.warns(CompanyNameWarning) as record:
        assert check_company_name(name) is name  # the name is sent as given; Codat does the stripping
    assert len(record) == 1
    message = str(record[0].message)
    assert message == f"Codat will strip {stripped} from the company name; it will be saved as {saved!r}."


def test_check_company_name__warning_is_a_user_warning() -> None:
    assert issubclass(CompanyNameWarning, UserWarning)


@pytest.mark.parametrize("name", ["()[]", "", "   ", "%%%", "()  []", "日本"])
def test_check_company_name__nothing_left_refused(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused outright, with no warning first
        message = str(refused(check_company_name, name))
    assert message.startswith(f"The company name {name!r} has no allowed characters")
    assert "letters, digits, spaces and - ' , & @ . ? !" in message


@pytest.mark.parametrize(("name", "type_name"), [(None, "NoneType"), (42, "int"), (b"Acme", "bytes"), (["Acme"], "list")])
def test_check_company_name__non_string_refused(name: Any, type_name: str) -> None:
    assert str(refused(check_company_name, name)) == f"name must be a string; got {type_name}."


@pytest.mark.parametrize(("value", "key"), [("xero", "gbol"), ("Xero", "gbol"), ("QuickBooks Online", "qhyg"), ("sandbox", "mqjo"), (" Shopify ", "fztf")])
def test_check_platform_key__a_platform_named_instead_of_its_key_suggests_the_key(value: str, key: str) -> None:
    message = str(refused(check_platform_key, value))
    assert f"Did you mean {key!r}?" in message and "list_integrations()" in message
