"""What every chart shares: status colours, input checks, currency conversion and empty figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..errors import ValidationError
from ..progress import STAGE_PERCENT
from ..records import ERROR_STATUSES, TERMINAL_STATUSES

# Status groups, in legend order. One fixed colour per group in every chart, so a red bar means
# the same thing in the progress bars and in the pull timeline.
COMPLETE, RUNNING, QUEUED, FAILED = "Complete", "In progress", "Queued", "Failed"
NOT_SUPPORTED, CANCELLED, NOT_QUEUED, OTHER = "Not supported", "Cancelled", "Not queued", "Other"
GROUP_COLORS: Mapping[str, str] = MappingProxyType({
    COMPLETE: "#2ca02c", RUNNING: "#1f77b4", QUEUED: "#ffa600", FAILED: "#d62728",
    NOT_SUPPORTED: "#8c8c8c", CANCELLED: "#525252", NOT_QUEUED: "#d9d9d9", OTHER: "#9467bd",
})  # fmt: skip

_RUNNING_STATUSES = ("Fetching", "MapQueued", "Mapping", "ValidationQueued", "Validating", "ProcessingQueued", "Processing")
# dataStatus has RateLimited and NotFound besides the pull statuses of records.ERROR_STATUSES.
_FAILED_STATUSES = (*ERROR_STATUSES, "RateLimited", "NotFound")
_GROUP_OF: dict[str, str] = {
    "Complete": COMPLETE, "Initial": QUEUED, "Queued": QUEUED, "NotSupported": NOT_SUPPORTED, "Cancelled": CANCELLED,
    **dict.fromkeys(_RUNNING_STATUSES, RUNNING), **dict.fromkeys(_FAILED_STATUSES, FAILED),
}  # fmt: skip

#: Every Codat pull/dataStatus status -> its colour (statuses Codat may add later are drawn purple).
STATUS_COLORS: Mapping[str, str] = MappingProxyType({status: GROUP_COLORS[group] for status, group in _GROUP_OF.items()})

GREEN, RED, BLUE, GREY = GROUP_COLORS[COMPLETE], GROUP_COLORS[FAILED], GROUP_COLORS[RUNNING], "#7f7f7f"
TEMPLATE = "plotly_white"


def status_group(status: Any) -> str:
    """The legend group of a status; a missing status means the data type was never queued."""
    if status is None or status is pd.NA or (isinstance(status, float) and status != status):
        return NOT_QUEUED
    return _GROUP_OF.get(str(status), OTHER)


def status_percent(status: Any) -> int:
    """A status's share of a pull done, exactly as SyncProgress.percent counts it (0 never queued, 100 ended)."""
    if status_group(status) == NOT_QUEUED:
        return 0
    if status in TERMINAL_STATUSES:
        return 100
    return STAGE_PERCENT.get(str(status), 50)


def require_frame(frame: Any, columns: Sequence[str], *, caller: str, what: str, hint: str) -> pd.DataFrame:
    """Refuse anything but a DataFrame with ``columns``, saying what to pass instead."""
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"{caller} takes {what} as a pandas DataFrame; got {type(frame).__name__}. {hint}")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        has = ", ".join(map(str, frame.columns[:12])) + (", ..." if len(frame.columns) > 12 else "")
        raise ValidationError(
            f"{caller} needs {what} with the columns {', '.join(columns)}; this frame lacks {', '.join(missing)} "
            f"(it has: {has or 'no columns'}). {hint}"
        )
    return frame


def numbers(frame: pd.DataFrame, column: str, caller: str) -> pd.Series:
    """A column as float64 (missing as NaN), or a ValidationError naming the column."""
    try:
        return pd.to_numeric(frame[column], errors="raise").astype("float64")
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{caller}: column {column!r} must hold numbers ({error}).") from None


def dates(frame: pd.DataFrame, column: str, caller: str) -> pd.Series:
    """A column as naive datetimes: Codat's dates are the business's local dates, so a zone is dropped."""
    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        try:
            values = pd.to_datetime(values, errors="raise", format="ISO8601")
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{caller}: column {column!r} must hold dates ({error}).") from None
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values


def utc_times(frame: pd.DataFrame, column: str, caller: str) -> pd.Series:
    """A column of timestamps as naive UTC (plotly.js ignores zones), for the platform's Z times."""
    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        try:
            values = pd.to_datetime(values, errors="raise", utc=True, format="ISO8601")
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{caller}: column {column!r} must hold timestamps ({error}).") from None
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values


def to_timestamp(value: Any, what: str, caller: str) -> pd.Timestamp:
    """A user's date (str, date, datetime, Timestamp) as a naive Timestamp."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise ValidationError(f"{caller}: {what} must be a date such as '2025-12-31'; got {value!r}.")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def layout(title: str, **more: Any) -> dict[str, Any]:
    """The layout every chart starts from: a plain template, the title left-aligned, a legend on top."""
    base = {
        "title": {"text": title, "x": 0.01, "xanchor": "left"},
        "template": TEMPLATE,
        "margin": {"l": 70, "r": 30, "t": 70, "b": 60},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    }
    base.update(more)
    return base


def empty_figure(title: str, message: str) -> go.Figure:
    """A valid figure with no traces and a note saying why, so an empty company never breaks a notebook."""
    figure = go.Figure(layout=layout(title, height=320))
    figure.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 16, "color": GREY}
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def first_text(values: Iterable[Any]) -> str | None:
    """The first non-missing value as text (a report's currency)."""
    for value in values:
        if value is not None and value is not pd.NA and value == value and str(value).strip():
            return str(value).strip()
    return None


def amount_title(label: str, currency: str | None) -> str:
    return f"{label} ({currency})" if currency else label


def base_currency_of(frames: Sequence[pd.DataFrame], base_currency: str | None, what: str, caller: str) -> str | None:
    """The currency to report in: ``base_currency`` if given, else the one the records show.

    With one currency in the data, that is it. With several, it is the only one whose every
    ``currency_rate`` is 1 (Codat gives base-currency records the rate 1); otherwise the caller
    must say, since the books alone cannot tell.
    """
    if base_currency is not None:
        if not isinstance(base_currency, str) or len(base_currency.strip()) != 3:
            raise ValidationError(f"{caller}: base_currency must be an ISO 4217 code such as 'GBP'; got {base_currency!r}.")
        return base_currency.strip().upper()
    rates: dict[str, set[float]] = {}
    for frame in frames:
        if "currency" not in frame.columns or frame.empty:
            continue
        currency = frame["currency"].astype("string").str.strip().str.upper().replace("", pd.NA)
        rate = numbers(frame, "currency_rate", caller) if "currency_rate" in frame.columns else pd.Series(float("nan"), index=frame.index)
        pairs = pd.DataFrame({"currency": currency.to_numpy(), "rate": rate.to_numpy()}).dropna(subset=["currency"])
        for code, group in pairs.groupby("currency", sort=True):
            # A missing rate says nothing about which currency is base.
            rates.setdefault(str(code), set()).update(float(r) for r in group["rate"].dropna().unique())
    if len(rates) <= 1:
        return next(iter(rates), None)
    candidates = sorted(currency for currency, known in rates.items() if known == {1.0})
    if len(candidates) == 1:
        return candidates[0]
    example = candidates[0] if candidates else sorted(rates)[0]
    raise ValidationError(
        f"{caller}: the {what} are in {', '.join(sorted(rates))} and their currency_rate does not show which is the "
        f"company's base currency. Pass base_currency={example!r} (the baseCurrency of client.company_info(company_id))."
    )


def in_base_currency(frame: pd.DataFrame, column: str, base: str | None, what: str, caller: str) -> pd.Series:
    """Amounts in the base currency: amount x currency_rate, as Codat defines the rate.

    Codat's currencyRate is the rate "to convert the total amount into the base currency", with
    examples such as USD 20 at 0.781 = GBP 15.62: so base = amount x rate (not divided). Records
    already in the base currency are taken as they are, whatever their rate says.
    """
    amounts = numbers(frame, column, caller)
    if base is None or "currency" not in frame.columns:
        return amounts
    currency = frame["currency"].astype("string").str.strip().str.upper()
    foreign = (currency.notna() & (currency != base)).fillna(False).astype(bool).to_numpy()
    if not foreign.any():
        return amounts
    if "currency_rate" not in frame.columns:
        raise ValidationError(f"{caller}: some {what} are not in {base} and the frame has no currency_rate column to convert them.")
    rate = numbers(frame, "currency_rate", caller)
    bad = foreign & ~(rate > 0).to_numpy()
    if bad.any():
        ids = frame["id"][bad].astype(str).head(3).tolist() if "id" in frame.columns else []
        raise ValidationError(
            f"{caller}: {int(bad.sum())} {what} not in {base} have no usable currency_rate"
            + (f" (e.g. id {', '.join(ids)})" if ids else "")
            + f", so they cannot be converted to {base}. Drop them or fill currency_rate first."
        )
    return amounts.where(~foreign, amounts * rate)
