"""PortalApp without a browser: deep links, the demo companies, a company's page and its tabs."""

from __future__ import annotations

import asyncio

import pytest

import codat_nb
from codat_nb.widgets import PortalApp
from codat_nb.widgets.portal import TABS, CompanyPage, add_demo_companies, company_from_query, data_status_html, deep_link

COMPANY = "8a210b68-6988-11ed-a1eb-0242ac120002"


@pytest.mark.parametrize(
    ("query", "company"),
    [(None, None), ("", None), (f"company={COMPANY}", COMPANY), (f"x=1&company={COMPANY.upper()}", COMPANY), ("company=", None)],
)
def test_company_from_query(query: str | None, company: str | None) -> None:
    assert company_from_query(query) == company


def test_a_bad_deep_link_says_what_is_wrong() -> None:
    with pytest.raises(codat_nb.ValidationError, match=r"company \(in the page's \?company=\) must be a UUID"):
        company_from_query("company=../../etc")


def test_deep_links_are_relative() -> None:
    assert deep_link(COMPANY) == f"?company={COMPANY}"


def test_demo_companies_fill_an_empty_sandbox_once(client: codat_nb.Client) -> None:
    async def scenario() -> tuple[list[codat_nb.Company], list[codat_nb.Company]]:
        twin = client.as_async()
        return await add_demo_companies(twin, 3), await add_demo_companies(twin, 3)

    made, again = asyncio.run(scenario())
    assert again == []  # a Sandbox with companies is left alone
    assert [c.name for c in made] == ["Platypus Properties", "Copperleaf Outfitters", "Northwind Fine Foods"]
    assert [dict(c.tags)["region"] for c in made] == ["uk", "us", "eu"]
    for company in made:
        assert [c.status for c in company.data_connections] == ["Linked"]
        assert {s.current_status for s in client.data_status(company.id).values()} == {"Complete"}
    assert client.company_info(made[1].id)["baseCurrency"] == "USD"
    with pytest.raises(codat_nb.ValidationError, match="at most that many"):
        asyncio.run(add_demo_companies(codat_nb.Sandbox(browser_links=False).async_client(), 9))


def test_the_real_api_gets_no_demo_companies() -> None:
    assert asyncio.run(add_demo_companies(codat_nb.AsyncClient("a-key", "http://127.0.0.1:9"), 3)) == []  # never called


def test_data_status_html() -> None:
    status = codat_nb.DataStatus.from_json({"dataType": "invoices", "currentStatus": "FetchError", "lastSuccessfulSync": "2026-01-05T09:00:00Z"})
    html = data_status_html({"invoices": status})
    assert "invoices" in html and "FetchError" in html and "background:#fde2e2" in html and "Jan 05, 2026 09:00:00" in html
    assert "No data type has been synced yet" in data_status_html({})


def test_the_app_opens_a_company_page_with_its_tabs_and_goes_back(client: codat_nb.Client) -> None:
    async def scenario() -> tuple[PortalApp, list[str]]:
        twin = client.as_async()
        made = await add_demo_companies(twin, 2)
        app = PortalApp(twin, company=made[0].id)
        page = app.page
        assert page is not None and app.children == (page,)
        await page.wait()
        seen = [page.heading.value, page.status.value, page.history.value]
        assert repr(app) == f"PortalApp(company={made[0].id!r})"
        page.back_button.click()
        await app.picker.wait()
        page.link.watcher.cancel()
        return app, seen

    app, (heading, status, history) = asyncio.run(scenario())
    assert "Platypus Properties" in heading and "href='?company=" in heading
    assert status.count("Complete") == 17 and history.count("<tr>") == 18
    assert app.page is None and app.children == (app.picker,) and len(app.picker.rows) == 2
    assert TABS == ("Connections", "Data status", "Read history", "Sync settings", "Data")


def test_a_page_refusing_its_company_id_closes_without_an_error(client: codat_nb.Client) -> None:
    """ipywidgets keeps every widget until it is closed (at exit, by __del__ or close_all): a page whose
    id was refused, left half-built, must close without an AttributeError."""
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    with pytest.raises(codat_nb.ValidationError, match="company"):
        CompanyPage(client, "../not-a-company")
    refused = [w for key, w in list(_instances.items()) if key not in before and isinstance(w, CompanyPage)]
    assert len(refused) == 1
    refused[0].close()  # no AttributeError for the tabs it never built
