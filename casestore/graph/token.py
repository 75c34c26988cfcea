"""App-only access tokens for Microsoft Graph: msal's client-credentials flow, cached by msal.

`ConfidentialClientApplication` is built on first use (its constructor already fetches the
tenant's OpenID metadata), in a worker thread because msal speaks `requests`. Afterwards
`acquire_token_for_client` answers from msal's own in-memory token cache until the token is
close to expiry, so a sync every few minutes costs one token request an hour.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

AUTHORITY_HOST = "https://login.microsoftonline.com"
GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"


@dataclass(frozen=True)
class GraphCredentials:
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    authority_host: str = AUTHORITY_HOST
    base_url: str = GRAPH_BASE_URL

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}"

    @property
    def scope(self) -> str:
        """`https://graph.microsoft.com/.default`: every application permission granted."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/.default"


class GraphAuthError(Exception):
    """No token: the tenant, the app registration or its secret is wrong, or consent is missing.

    Carries msal's error code and description, never the secret."""

    def __init__(self, error: str, description: str) -> None:
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}")


class TokenSource(Protocol):
    async def token(self) -> str: ...


class MsalTokenSource:
    """Tokens for `credentials.scope`. `http_client` (a `requests.Session`) is for tests."""

    def __init__(self, credentials: GraphCredentials, *, http_client: Any = None,
                 timeout_s: float = 30.0) -> None:
        self.credentials = credentials
        self._http_client = http_client
        self._timeout_s = timeout_s
        self._app: Any = None
        self._lock = threading.Lock()

    def _application(self) -> Any:
        if self._app is None:
            import msal  # type: ignore[import-untyped]

            options: dict[str, Any] = {"timeout": self._timeout_s}
            if self._http_client is not None:
                options["http_client"] = self._http_client
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.credentials.client_id,
                    client_credential=self.credentials.client_secret,
                    authority=self.credentials.authority,
                    # The authority is the operator's configuration, not user input: skip the
                    # instance-discovery round trip to login.microsoftonline.com.
                    instance_discovery=False,
                    **options,
                )
            except Exception as exc:  # msal raises ValueError, requests its own errors
                raise GraphAuthError("authority_unavailable",
                                     f"{self.credentials.authority}: {exc}") from None
        return self._app

    def _acquire(self) -> str:
        with self._lock:
            app = self._application()
            result = app.acquire_token_for_client(scopes=[self.credentials.scope])
        if not isinstance(result, dict) or "access_token" not in result:
            result = result if isinstance(result, dict) else {}
            raise GraphAuthError(str(result.get("error", "no_token")),
                                 str(result.get("error_description", "no access token")))
        log.debug("Graph token from %s", result.get("token_source", "msal"))
        return str(result["access_token"])

    async def token(self) -> str:
        return await asyncio.to_thread(self._acquire)

    def close(self) -> None:
        """Close msal's own HTTP session (one given to the constructor is the caller's).

        Never waits: if a token request is still running in its thread, the session is left
        to the garbage collector rather than blocking the event loop at shutdown."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._app is not None and self._http_client is None:
                self._app.http_client.close()
        finally:
            self._lock.release()
