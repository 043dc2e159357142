"""Shared by the widget tests: linking a company as the customer, forcing API failures."""

from __future__ import annotations

from typing import Any

import codat_nb


def linked_company(sandbox: codat_nb.Sandbox, client: codat_nb.Client, name: str = "Platypus Properties", **options: Any) -> codat_nb.Company:
    company = client.create_company(name)
    connection = client.create_connection(company.id, "mqjo")
    sandbox.authorize(company.id, connection.id, **options)
    return client.get_company(company.id)


def fail_next(sandbox: codat_nb.Sandbox, status: int, method: str, path: str, count: int = 1) -> None:
    """The Sandbox answers the next ``count`` matching requests with ``status`` (Codat's error body)."""
    answer = sandbox._control.post("/_sandbox/faults", json={"failNext": [{"status": status, "count": count, "method": method, "path": path}]})
    assert answer.status_code == 200, answer.text
