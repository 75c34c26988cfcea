"""A Bot Connector that accepts every send and does nothing else: the far end of every turn in
the throughput runs (`python -m benchmarks.sink PORT`)."""

from __future__ import annotations

import itertools
import sys

from aiohttp import web

_ids = itertools.count(1)


async def accept(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"id": f"activity-{next(_ids)}"}, status=201)


def build_app() -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", accept)
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None,
                access_log=None)
