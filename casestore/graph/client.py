"""A small Microsoft Graph client on aiohttp: GET, paging by `@odata.nextLink`, and throttling.

Graph answers 429 (throttled) or 503/504 (busy) with a `Retry-After` header; the client waits
that long (at most `max_wait_s`) and tries again, at most `max_retries` times, then raises
`GraphError`. A next link is followed only on Graph's own origin, so the token never leaves it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
from yarl import URL

from casestore.graph.token import TokenSource

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 503, 504})
Sleep = Callable[[float], Awaitable[None]]


class GraphError(Exception):
    """Graph refused or failed a request. `path` has no query string and no token."""

    def __init__(self, status: int, path: str, code: str = "", message: str = "") -> None:
        self.status = status
        self.path = path
        self.code = code
        super().__init__(f"Graph answered {status} to GET {path}"
                         + (f": {code}: {message}" if code or message else ""))


def graph_path(*segments: str) -> str:
    """'/teams/{id}/channels/19:x@thread.tacv2/...' with each id quoted as Graph expects."""
    return "".join("/" + quote(s, safe=":@") for s in segments)


def retry_after_s(value: str | None, attempt: int) -> float:
    """Seconds to wait: `Retry-After` as seconds or an HTTP date, else 1, 2, 4... seconds."""
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            pass
    return float(2 ** attempt)


class GraphClient:
    def __init__(
        self, tokens: TokenSource, *, base_url: str, max_retries: int = 4,
        max_wait_s: float = 60.0, timeout_s: float = 30.0, sleep: Sleep = asyncio.sleep,
        trust_env: bool = True,
    ) -> None:
        self.tokens = tokens
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s
        self.timeout_s = timeout_s
        self.sleep = sleep
        self.trust_env = trust_env
        self.requests = 0
        self._origin = _origin(self.base_url)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s), trust_env=self.trust_env)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        close_tokens = getattr(self.tokens, "close", None)
        if callable(close_tokens):
            close_tokens()

    def _url(self, path: str, params: Mapping[str, str] | None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        if _origin(url) != self._origin:
            raise GraphError(0, urlsplit(url).path, "foreign_link",
                             f"refusing to send the token to {_origin(url)}")
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, safe="$,()/")
        return url

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """One GET (retried on throttling); `path` is relative to the base URL or a next link."""
        url = self._url(path, params)
        for attempt in range(self.max_retries + 1):
            token = await self.tokens.token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            async with self._client().get(URL(url, encoded=True), headers=headers) as resp:
                self.requests += 1
                if resp.status in RETRY_STATUSES and attempt < self.max_retries:
                    wait_s = min(retry_after_s(resp.headers.get("Retry-After"), attempt),
                                 self.max_wait_s)
                    await resp.read()
                elif resp.status >= 400:
                    raise await _error(resp)
                else:
                    body = await resp.json(content_type=None)
                    return body if isinstance(body, dict) else {"value": body}
            log.info("Graph answered %s to GET %s; waiting %.1fs (try %d of %d)", resp.status,
                     urlsplit(url).path, wait_s, attempt + 1, self.max_retries)
            await self.sleep(wait_s)
        raise AssertionError("unreachable: the last try returns or raises")

    async def pages(self, path: str, params: Mapping[str, str] | None = None
                    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Each page's `value`, one GET per page, following `@odata.nextLink`."""
        next_url: str | None = path
        query = params
        while next_url:
            body = await self.get(next_url, query)
            yield [item for item in body.get("value", []) if isinstance(item, dict)]
            link = body.get("@odata.nextLink")
            next_url, query = (str(link), None) if link else (None, None)

    async def items(self, path: str, params: Mapping[str, str] | None = None
                    ) -> AsyncIterator[dict[str, Any]]:
        async for page in self.pages(path, params):
            for item in page:
                yield item


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _error(resp: aiohttp.ClientResponse) -> GraphError:
    code = message = ""
    try:
        body = await resp.json(content_type=None)
        error = body.get("error", {}) if isinstance(body, dict) else {}
        if isinstance(error, dict):
            code, message = str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, aiohttp.ContentTypeError):
        pass
    return GraphError(resp.status, resp.url.path, code, message[:300])
