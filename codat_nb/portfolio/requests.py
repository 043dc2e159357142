"""The rate-limit budget: Codat's daily allowance, and a transport that counts requests per company and in flight."""

from __future__ import annotations

import json
import re
from collections import Counter

import httpx

#: Codat allows 1000 requests a day, plus 1000 for each connected company.
REQUESTS_PER_DAY = 1000
_COMPANY_PATH = re.compile(r"/companies/([0-9a-fA-F-]{36})(?:/|$)")  # also under a base URL with a path
#: The key :attr:`RequestCounter.by_company` counts requests under when they name no company.
NO_COMPANY = ""


def daily_request_budget(connected_companies: int) -> int:
    """Codat's daily allowance of API requests: 1000 x (1 + connected companies)."""
    if isinstance(connected_companies, bool) or not isinstance(connected_companies, int) or connected_companies < 0:
        from ..errors import ValidationError

        raise ValidationError(f"connected_companies must be a whole number >= 0; got {connected_companies!r}.")
    return REQUESTS_PER_DAY * (1 + connected_companies)


class RequestCounter(httpx.AsyncBaseTransport):
    """An httpx async transport that passes each request on to ``transport`` and counts it.

    It sees every request a client sends, retries included (each attempt is one request, as
    ``client.requests_sent`` counts them): ``total``, ``by_company`` (the company id in the path,
    or the id Codat gave a company it just created; :data:`NO_COMPANY` for the rest, such as listing
    companies), and ``peak_in_flight``, the most requests waiting for an answer at once.

    Example:
        >>> counter = RequestCounter(sandbox.emulator.transport())          # doctest: +SKIP
        >>> client = sandbox.async_client(transport=counter)                # doctest: +SKIP
        >>> client = codat_nb.AsyncClient.from_env(transport=RequestCounter(httpx.AsyncHTTPTransport()))  # doctest: +SKIP
    """

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        if not isinstance(transport, httpx.AsyncBaseTransport):
            from ..errors import ValidationError

            raise ValidationError(f"RequestCounter wraps an httpx async transport; got {type(transport).__name__}.")
        self._inner = transport
        self.total = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.by_company: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.total += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            response = await self._inner.handle_async_request(request)
        finally:
            self.in_flight -= 1
        self.by_company[await self._company_of(request, response)] += 1
        return response

    async def _company_of(self, request: httpx.Request, response: httpx.Response) -> str:
        path = request.url.path
        found = _COMPANY_PATH.search(path)
        if found:
            return found.group(1).lower()
        if request.method == "POST" and path.rstrip("/").endswith("/companies") and response.status_code in (200, 201):
            body = await response.aread()  # a small body, read here once; the client reads the same bytes
            try:
                company_id = json.loads(body).get("id")
            except (ValueError, AttributeError):
                return NO_COMPANY
            return company_id.lower() if isinstance(company_id, str) else NO_COMPANY
        return NO_COMPANY

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __repr__(self) -> str:
        return f"RequestCounter({self.total} requests, {len(self.by_company)} companies, peak {self.peak_in_flight} in flight)"
