"""The baseline for the served benchmarks: a bare uvicorn serving a fixed JSON body.

A minimal raw ASGI callable (no framework, no routing, no parsing), run by uvicorn with
the same settings the emulator's server uses (access log off, default HTTP implementation),
on a port picked by uvicorn itself. Run as a script it prints one line,
``bare uvicorn ready at http://127.0.0.1:PORT``, then serves until SIGINT/SIGTERM.

Paths: ``/large`` answers a body of ``--large-bytes`` bytes (to compare with the emulator's
paged list at the same size); every other path answers the small company-sized body.
"""

from __future__ import annotations

import argparse
import json

import uvicorn

# About the size of the emulator's answer to GET /companies/{id}.
SMALL_BODY = json.dumps(
    {
        "id": "fdac26fd-9a0f-46a4-b56e-1db038b16d9a",
        "name": "Bench Co",
        "description": "",
        "platform": "",
        "redirect": "http://127.0.0.1:8787/link/company/fdac26fd-9a0f-46a4-b56e-1db038b16d9a",
        "created": "2026-01-05T09:00:00.0000000Z",
        "createdByUserName": None,
        "products": [],
        "referenceParentCompany": None,
        "referenceSubsidiaryCompanies": [],
        "dataConnections": [],
    },
    separators=(",", ":"),
).encode()


def make_app(large_bytes: int):
    large_body = b'{"pad":"' + b"x" * max(0, large_bytes - 10) + b'"}'
    answers = {}
    for name, body in (("small", SMALL_BODY), ("large", large_body)):
        headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        answers[name] = ({"type": "http.response.start", "status": 200, "headers": headers}, {"type": "http.response.body", "body": body})

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return  # lifespan is off; nothing else is expected
        start, body = answers["large" if scope["path"] == "/large" else "small"]
        await send(start)
        await send(body)

    return app


class _Server(uvicorn.Server):
    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        print(f"bare uvicorn ready at http://{host}:{port}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--large-bytes", type=int, default=17_000)
    args = parser.parse_args()
    config = uvicorn.Config(
        make_app(args.large_bytes), host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="off"
    )
    _Server(config).run()


if __name__ == "__main__":
    main()
