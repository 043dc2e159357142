"""What every codat_nb widget shares: its client, one task runner, and a line that shows errors."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import ipywidgets as widgets

from ..client import AsyncClient, Client
from ._backend import Backend, async_client
from ._feedback import SUCCESS_STYLE, Problem, describe, note_html
from ._tasks import TaskRunner

LABELS = {"description_width": "initial"}


class CodatWidget(widgets.VBox):
    """A VBox with a client and a :class:`TaskRunner`; subclasses lay out their controls and
    override :meth:`_set_busy` to disable what must not be pressed while work runs."""

    def __init__(self, client: Client | AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = async_client(client)
        self.backend = Backend(self.client)
        self.feedback = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.feedback.add_class("codat-nb-feedback")
        self.runner = TaskRunner(self._set_busy, self.show_error, self._cancelled)
        #: The failure the widget shows now, as text (None when it shows none): for code and notebooks.
        self.problem: Problem | None = None
        self.add_class("codat-nb")

    def __repr__(self) -> str:
        # Short, and never the controls' values: a key pasted into a field must not reach a saved output.
        return f"{type(self).__name__}({self._summary()})"

    def _summary(self) -> str:
        company = getattr(self, "company", None)
        return f"company={company.name!r}" if company is not None else ""

    # -- feedback ---------------------------------------------------------------------------------------

    def show_error(self, error: BaseException) -> None:
        """The failure as a readable message in the widget (its text, correlation id, next step)."""
        self.problem = describe(error, self.backend.secret())
        self.feedback.value = self.problem.to_html()

    def show_info(self, text: str) -> None:
        self.problem = None
        self.feedback.value = note_html(text)

    def show_success(self, text: str) -> None:
        self.problem = None
        self.feedback.value = note_html(text, SUCCESS_STYLE)

    def company_id_of(self, company: Any) -> str | None:
        """The id of ``company`` (a Company or its id); for anything else None, with why shown inline,
        so a bad id given to a widget reads as a message in it rather than a traceback under the cell."""
        from ..errors import ValidationError
        from ..records import Company
        from ..validation import check_uuid

        if isinstance(company, Company):
            return company.id
        try:
            return check_uuid(company, "company")
        except ValidationError as error:
            self.show_error(error)
            return None

    def clear_feedback(self) -> None:
        self.problem = None
        self.feedback.value = ""

    # -- work -----------------------------------------------------------------------------------------

    def run(self, work: Callable[[], Awaitable[Any]]) -> Any:
        """Start ``work`` as this widget's task (nothing if one is running); clears old errors."""
        if self.runner.busy:
            return None
        self.clear_feedback()
        return self.runner.start(work)

    async def wait(self) -> Any:
        """Until the widget's current work has ended: for code and tests that drive a widget."""
        return await self.runner.wait()

    def cancel(self) -> bool:
        return self.runner.cancel()

    def _set_busy(self, busy: bool) -> None:
        """Override: enable or disable controls while work runs."""

    def _cancelled(self) -> None:
        self.show_info("Cancelled.")


def button(label: str, style: str = "", tooltip: str | None = None, **kwargs: Any) -> widgets.Button:
    made = widgets.Button(description=label, button_style=style, tooltip=tooltip or label, **kwargs)
    made.layout.width = "auto"
    return made


def on_click(control: widgets.Button, action: Callable[[], Any]) -> None:
    """``action()`` on each click, ignoring the Button argument ipywidgets passes."""
    control.on_click(lambda _button: action())
