"""Run the same behaviour cases in-process and against a real uvicorn server on loopback."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Iterator

import httpx
import pytest

from codat_nb.sandbox import Emulator, ManualClock

API_KEY = "test-key-0123456789"


def auth_header(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


@dataclass
class SandboxAPI:
    """A raw httpx client on one emulator, plus the emulator-only controls tests need."""

    http: httpx.Client
    emulator: Emulator
    mode: str

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(url, **kwargs)

    def advance(self, seconds: float) -> None:
        assert self.http.post("/_sandbox/clock/advance", json={"seconds": seconds}).status_code == 200

    def create_company(self, name: str = "Platypus Properties", **body: Any) -> dict[str, Any]:
        response = self.http.post("/companies", json={"name": name, **body})
        assert response.status_code == 200, response.text
        return response.json()

    def linked_company(self, name: str = "Platypus Properties") -> tuple[dict[str, Any], dict[str, Any]]:
        """A company with a Linked Sandbox connection (first-link pulls queued)."""
        company = self.create_company(name)
        connection = self.http.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
        authorised = self.http.post(f"/_sandbox/companies/{company['id']}/connections/{connection['id']}/authorize")
        assert authorised.status_code == 200, authorised.text
        return company, authorised.json()

    def snapshot(self) -> Any:
        """Everything the tenant can see, to prove that a refused request changed nothing."""
        companies = self.http.get("/companies", params={"pageSize": 5000}).json()["results"]
        result = {"companies": companies}
        for company in companies:
            cid = company["id"]
            result[cid] = {
                "history": self.http.get(f"/companies/{cid}/data/history", params={"pageSize": 5000}).json(),
                "status": self.http.get(f"/companies/{cid}/dataStatus").json(),
                "settings": self.http.get(f"/companies/{cid}/syncSettings").json(),
            }
        result["profile"] = self.http.get("/profile/syncSettings").json()
        return result


@pytest.fixture(params=["inprocess", "loopback"])
def api(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[SandboxAPI]:
    if request.param == "inprocess":
        client = httpx.Client(transport=emulator.transport(), base_url="http://sandbox.test", headers=auth_header())
        target = emulator
    else:
        target, url = request.getfixturevalue("live_emulator")
        target.reset()
        client = httpx.Client(base_url=url, headers=auth_header(), timeout=10)
    with client:
        yield SandboxAPI(client, target, request.param)
