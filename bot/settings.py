"""What the bot's edge needs to know, handed to it by the composition root (`memberportal`).

`BotSettings` holds the Azure Bot registration in the Microsoft 365 Agents SDK's own terms:
the SDK's `CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*` variables map onto it one to one, and
the composition root maps the older `MicrosoftApp*` variables onto the same fields, so both
kinds of deployment work. Nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization import AuthTypes

from bot.service_urls import ServiceUrlAllowlist

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_OPENID_METADATA_URL = (
    "https://login.botframework.com/v1/.well-known/openidconfiguration"
)
SERVICE_CONNECTION = "SERVICE_CONNECTION"


class AuthType(StrEnum):
    """How the bot proves who it is when it sends (the SDK's `AUTHTYPE` values)."""

    CLIENT_SECRET = AuthTypes.client_secret.value
    CERTIFICATE = AuthTypes.certificate.value
    USER_MANAGED_IDENTITY = AuthTypes.user_managed_identity.value
    SYSTEM_MANAGED_IDENTITY = AuthTypes.system_managed_identity.value
    FEDERATED_CREDENTIALS = AuthTypes.federated_credentials.value
    WORKLOAD_IDENTITY = AuthTypes.workload_identity.value


@dataclass(frozen=True)
class BotSettings:
    """The Azure Bot registration; no `client_id` means local development (no authentication)."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    tenant_id: str = ""
    auth_type: AuthType = AuthType.CLIENT_SECRET
    cert_pfx_file: str = ""
    federated_client_id: str = ""
    # Where the signing keys of the Bot Connector's tokens are published; tests and sovereign
    # clouds point it elsewhere.
    openid_metadata_url: str = BOT_FRAMEWORK_OPENID_METADATA_URL
    host: str = "127.0.0.1"
    port: int = 3978
    # Without a client id, the service URLs replies may go to (`bot.service_urls`).
    allowed_service_urls: tuple[str, ...] = ("loopback",)

    @property
    def auth_enabled(self) -> bool:
        return bool(self.client_id)

    @property
    def app_id(self) -> str:
        return self.client_id

    @property
    def uses_managed_identity(self) -> bool:
        return self.auth_type in (AuthType.USER_MANAGED_IDENTITY,
                                  AuthType.SYSTEM_MANAGED_IDENTITY)

    def service_url_allowlist(self) -> ServiceUrlAllowlist:
        return ServiceUrlAllowlist(self.allowed_service_urls)

    def issuers(self) -> tuple[str, ...]:
        """Who may sign a token sent to the bot: the Bot Connector, and Entra ID for the
        bot's own tenant (single-tenant and managed-identity bots receive those)."""
        found = [BOT_FRAMEWORK_ISSUER]
        if self.tenant_id:
            found += [f"https://sts.windows.net/{self.tenant_id}/",
                      f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"]
        return tuple(found)

    def service_connection(self) -> AgentAuthConfiguration:
        """The SDK's configuration of the service connection (outgoing tokens through MSAL)."""
        return AgentAuthConfiguration(
            auth_type=AuthTypes(self.auth_type.value),
            client_id=self.client_id,
            tenant_id=self.tenant_id or None,
            client_secret=self.client_secret or None,
            cert_pfx_file=self.cert_pfx_file or None,
            federated_client_id=self.federated_client_id or None,
            connection_name=SERVICE_CONNECTION,
        )
