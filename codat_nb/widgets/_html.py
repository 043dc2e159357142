"""Small HTML pieces the widgets show (pills, badges, tables, links): escaped, inline-styled, no
scripts beyond a copy-to-clipboard button, so they look the same in JupyterLab, Notebook 7 and Voila."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Iterable, Sequence

from ..timestamps import format_duration

#: Codat Portal's colours for connection statuses (2026 companies table): linked green,
#: deauthorized amber, unlinked grey, pending neutral.
CONNECTION_COLOURS = {
    "Linked": ("#dff5e9", "#0b6b3a"),
    "Deauthorized": ("#fff1d6", "#8a5a00"),
    "Unlinked": ("#ececec", "#555555"),
    "PendingAuth": ("#e8eefc", "#1b3f99"),
}
#: Pull statuses by how they ended, for the Read history's badges.
_STATUS_COLOURS = {
    "Complete": ("#dff5e9", "#0b6b3a"),
    "NotSupported": ("#ececec", "#555555"),
    "Cancelled": ("#ececec", "#555555"),
}
_ERROR_COLOURS = ("#fde2e2", "#7a1010")
_RUNNING_COLOURS = ("#e8eefc", "#1b3f99")


def pill(text: str, colours: tuple[str, str], title: str | None = None) -> str:
    background, colour = colours
    hover = f" title='{escape(title)}'" if title else ""
    return (
        f"<span class='codat-nb-pill'{hover} style='display:inline-block;padding:1px 9px;margin:1px 3px 1px 0;"
        f"border-radius:10px;font-size:12px;background:{background};color:{colour}'>{escape(text)}</span>"
    )


def connection_pill(platform: str, status: str) -> str:
    return pill(f"{platform}: {status}", CONNECTION_COLOURS.get(status, ("#eef0f7", "#444")), title=status)


def status_badge(status: str | None, errored: bool = False) -> str:
    if status is None:
        return pill("Not queued", ("#ececec", "#555555"))
    if errored:
        return pill(status, _ERROR_COLOURS)
    return pill(status, _STATUS_COLOURS.get(status, _RUNNING_COLOURS))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], css_class: str = "codat-nb-table") -> str:
    """An HTML table; cells are HTML already (escape text with :func:`text`)."""
    head = "".join(f"<th style='text-align:left;padding:4px 10px;border-bottom:1px solid #ccc'>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left;padding:3px 10px;vertical-align:top'>{cell}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table class='{css_class}' style='border-collapse:collapse;font-size:13px'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text(value: object) -> str:
    return "" if value is None else escape(str(value))


def new_tab_link(url: str, label: str, as_button: bool = False) -> str:
    """A link that opens in a new tab (the Link page must not replace the notebook)."""
    style = (
        " class='codat-nb-link-button' style='display:inline-block;padding:5px 14px;border-radius:4px;background:#1b4fd8;"
        "color:#fff;text-decoration:none'"
        if as_button
        else " class='codat-nb-link'"
    )
    return f"<a href='{escape(url, quote=True)}' target='_blank' rel='noopener noreferrer'{style}>{escape(label)}</a>"


def copy_button(value: str, label: str = "Copy") -> str:
    """A button that puts ``value`` on the clipboard (the browser's own Clipboard API)."""
    js_value = escape(_js_string(value), quote=True)
    return (
        "<button class='codat-nb-copy' type='button' style='margin-left:6px;padding:2px 10px;cursor:pointer' "
        f"onclick=\"navigator.clipboard.writeText({js_value}).then(() => {{ this.textContent = 'Copied'; }})\">{escape(label)}</button>"
    )


def _js_string(value: str) -> str:
    import json

    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


def when(moment: datetime | None) -> str:
    """Codat Portal's date format: ``Sep 13, 2024 10:00:52`` (UTC)."""
    if moment is None:
        return "—"
    return moment.strftime("%b %d, %Y %H:%M:%S")


def when_html(moment: datetime | None) -> str:
    """:func:`when` kept on one line in a table cell."""
    return f"<span style='white-space:nowrap'>{when(moment)}</span>"


def duration(span: timedelta | None) -> str:
    return format_duration(span)
