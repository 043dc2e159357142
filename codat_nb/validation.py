"""Checks the client makes before sending anything, so a typo costs no request and says what to fix."""

from __future__ import annotations

import difflib
import math
import re
import uuid
import warnings
from collections.abc import Mapping
from typing import Any

from . import masking
from .errors import ValidationError

#: Codat's dataType enum (Platform API), in its order.
DATA_TYPES: tuple[str, ...] = (
    "accountTransactions", "balanceSheet", "bankAccounts", "bankTransactions", "billCreditNotes", "billPayments",
    "bills", "cashFlowStatement", "chartOfAccounts", "company", "creditNotes", "customers", "directCosts",
    "directIncomes", "invoices", "itemReceipts", "items", "journalEntries", "journals", "paymentMethods", "payments",
    "profitAndLoss", "purchaseOrders", "salesOrders", "suppliers", "taxRates", "trackingCategories", "transfers",
    "banking-accountBalances", "banking-accounts", "banking-transactionCategories", "banking-transactions",
    "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations", "commerce-orders",
    "commerce-paymentMethods", "commerce-payments", "commerce-productCategories", "commerce-products",
    "commerce-taxComponents", "commerce-transactions",
)  # fmt: skip

MAX_PAGE_SIZE = 5000
_NAME_ALLOWED = re.compile(r"[A-Za-z0-9\s\-',&@.?!]")
_PLATFORM_KEY = re.compile(r"[a-z]{4}")


class CompanyNameWarning(UserWarning):
    """Codat will strip characters from the company name you sent."""


def check_uuid(value: Any, what: str) -> str:
    """A Codat id (company, connection, pull) as its canonical string; anything else is refused,
    which also keeps ``../`` and other path tricks out of the URL."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a UUID string such as 8a210b68-6988-11ed-a1eb-0242ac120002; got {type(value).__name__}.")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise ValidationError(
            f"{what} must be a UUID such as 8a210b68-6988-11ed-a1eb-0242ac120002; got {_show(value)}."
        ) from None
    if str(parsed) != value.lower():
        raise ValidationError(f"{what} must be a UUID in its usual 8-4-4-4-12 form; got {_show(value)}.")
    return value.lower()


def check_record_id(value: Any, what: str = "record_id") -> str:
    """Accounting record ids are free-form strings; only what could change the path is refused."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must be a non-empty string such as '8GeHBdBZiZ'; got {_show(value)}.")
    if value in (".", "..") or any(ch in value for ch in "/\\?#") or any(ord(ch) < 32 for ch in value):
        raise ValidationError(f"{what} must not contain '/', '\\', '?', '#' or control characters, nor be '.' or '..'; got {_show(value)}.")
    return check_not_key(value, what)


def check_data_type(value: Any, allowed: tuple[str, ...] = DATA_TYPES) -> str:
    """A data type Codat knows, or an error suggesting the nearest one (``invoice`` -> ``invoices``)."""
    if isinstance(value, str) and value in allowed:
        return value
    if not isinstance(value, str):
        raise ValidationError(f"data_type must be a string such as 'invoices'; got {type(value).__name__}.")
    lowered = {name.lower(): name for name in allowed}
    guess = lowered.get(value.lower()) or next(iter(difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)), None)
    hint = f" Did you mean {guess!r}?" if guess else f" Known data types: {', '.join(allowed[:12])}, ..."
    raise ValidationError(f"Unknown data type {_show(value)}.{hint}")


#: Platforms people name instead of their key (Codat's integration keys), for the hint.
PLATFORM_KEYS_BY_NAME: dict[str, str] = {
    "sandbox": "mqjo", "codat sandbox": "mqjo", "commerce sandbox": "aiwb", "banking sandbox": "qhnd", "xero": "gbol",
    "quickbooks": "qhyg", "quickbooks online": "qhyg", "qbo": "qhyg", "quickbooks online sandbox": "ndsk",
    "sage": "tgff", "sage accounting": "tgff", "netsuite": "akxx", "oracle netsuite": "akxx", "freeagent": "fbrh",
    "plaid": "suuo", "shopify": "fztf", "stripe": "exgd",
}  # fmt: skip


def check_platform_key(value: Any) -> str:
    """Codat's key for a platform, such as 'mqjo'; a platform's name ('xero', also four letters) is
    refused with its key, since Codat would answer it with a bare 404."""
    named = PLATFORM_KEYS_BY_NAME.get(value.strip().lower()) if isinstance(value, str) else None
    if named is None and isinstance(value, str) and _PLATFORM_KEY.fullmatch(value):
        return value
    hint = f" Did you mean {named!r}? Codat names platforms by key ({value.strip()} is {named!r}; list_integrations() lists them)." if named else ""
    raise ValidationError(
        f"platform_key must be four lowercase letters such as 'mqjo' (the accounting Sandbox); got {_show(value)}.{hint}"
    )


def check_page_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}; got {_show(value)}.")
    return value


def check_positive_int(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{what} must be a whole number from {low} to {high}; got {_show(value)}.")
    return value


def company_name_parts(name: str) -> tuple[str, tuple[str, ...]]:
    """The name as Codat saves it, and the characters (sorted, once each) it strips."""
    stripped = tuple(sorted({ch for ch in name if not _NAME_ALLOWED.match(ch)}))
    kept = "".join(ch for ch in name if _NAME_ALLOWED.match(ch)).strip()
    return kept, stripped


def check_company_name(name: Any) -> str:
    """Codat strips characters outside its rule rather than refusing them: warn, naming them,
    and refuse only a name that would be left empty."""
    kept, stripped = company_name_parts(check_text(name, "name"))
    if not kept:
        raise ValidationError(
            f"The company name {_show(name)} has no allowed characters: use letters, digits, spaces and - ' , & @ . ? !"
        )
    if stripped:
        shown = " ".join(repr(ch) for ch in stripped[:20])
        warnings.warn(
            f"Codat will strip {shown} from the company name; it will be saved as {masking.mask_text(repr(kept))}.",
            CompanyNameWarning,
            stacklevel=3,
        )
    return name


def check_tags(tags: Any) -> dict[str, str]:
    """Codat's company tags: at most 10, names of 1-27 characters, string values of at most 100."""
    if not isinstance(tags, Mapping):
        raise ValidationError(f"tags must be a mapping of strings to strings, such as {{'region': 'uk'}}; got {type(tags).__name__}.")
    if len(tags) > 10:
        raise ValidationError(f"Codat allows at most 10 tags on a company; got {len(tags)}.")
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 27:
            raise ValidationError(f"Each tag name must be a string of 1 to 27 characters; got {_show(key)}.")
        if not isinstance(value, str) or len(value) > 100:
            raise ValidationError(f"Tag {_show(key)} must have a string value of at most 100 characters.")
        check_text(key, "A tag name")
        check_text(value, f"Tag {_show(key)}'s value")
    return dict(tags)


def check_text(value: Any, what: str) -> str:
    """A string that can be sent: a lone UTF-16 surrogate (``'\\ud800'``, left by a bad decode or
    paste) is not text, and JSON and URLs cannot carry it."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string; got {type(value).__name__}.")
    bad = next((index for index, ch in enumerate(value) if "\ud800" <= ch <= "\udfff"), None) if not value.isascii() else None
    if bad is not None:
        raise ValidationError(
            f"{what} holds {value[bad]!r} at position {bad}, half of a surrogate pair, which is not text and cannot be "
            "sent: remove it (it comes from text decoded with the wrong encoding or a broken paste)."
        )
    return check_not_key(value, what)


def check_not_key(value: str, what: str) -> str:
    """Refuse a value holding the API key (or its base64): sent, it would sit in Codat's records and in
    URLs, logs and curl text; so it is refused before any request, and the message masks it."""
    if masking.holds_key(value):
        raise ValidationError(f"{what} must not hold the API key, which Codat would receive and keep; got {_show(value)}.")
    return value


def check_json(value: Any, what: str) -> Any:
    """A value JSON can carry: no NaN or infinity (Codat's JSON has neither), no lone surrogates."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"{what} is {value!r}, which JSON cannot carry: give a finite number.")
    if isinstance(value, str):
        check_text(value, what)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_json(item, f"{what}.{check_text(key, what + ' key') if isinstance(key, str) else key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_json(item, f"{what}[{index}]")
    return value


def _show(value: Any) -> str:
    """The value as a message quotes it: masked if it holds the API key, and only then cut to 60 characters."""
    return masking.show_value(value, 60)
