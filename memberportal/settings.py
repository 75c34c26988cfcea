"""Settings, read once at start-up from the environment (or any mapping, for tests)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.service_urls import LOOPBACK, BadAllowlistEntry, parse_allowlist
from bot.settings import BOT_FRAMEWORK_OPENID_METADATA_URL, AuthType, BotSettings
from casestore.db.engine import DEFAULT_DATABASE_URL, normalise_url

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
SDK_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
AUTH_TYPES = tuple(t.value for t in AuthType)
GRAPH_AUTHORITY_HOST = "https://login.microsoftonline.com"
GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TENANT_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class SettingsError(Exception):
    def __init__(self, key: str, value: str, message: str) -> None:
        self.key = key
        self.value = value
        super().__init__(f"{key}={value!r}: {message}")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    council_config: str | None = None
    host: str = "127.0.0.1"
    port: int = 3978
    app_id: str = ""
    app_password: str = ""
    app_tenant_id: str = ""
    app_type: str = "MultiTenant"
    # The Agents SDK's AUTHTYPE; empty: from app_type (UserAssignedMSI -> UserManagedIdentity,
    # otherwise ClientSecret).
    app_auth_type: str = ""
    app_cert_pfx_file: str = ""
    bot_openid_metadata_url: str = BOT_FRAMEWORK_OPENID_METADATA_URL
    public_url: str = ""
    # With no app id: the service URLs replies may go to (bot/service_urls.py)
    allowed_service_urls: tuple[str, ...] = (LOOPBACK,)
    scheduler_enabled: bool = True
    sweep_interval_s: int = 300
    # Messages and card actions one person may send in a minute (bot/ratelimit.py); 0: no limit.
    rate_limit_per_minute: int = 30
    # How long a claim held by an instance that stopped (an outbox row being sent, an incoming
    # message being handled) waits before another instance takes it over; renewed every third
    # of it while the work runs.
    claim_lease_s: int = 15
    # Microsoft Graph (Entra ID directory sync, missed-reply reconciliation): off unless all
    # three credentials are set. The secret never appears in repr() or logs.
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = field(default="", repr=False)
    graph_authority_host: str = GRAPH_AUTHORITY_HOST
    graph_base_url: str = GRAPH_BASE_URL
    entra_groups: str | None = None  # TOML file mapping Entra ID groups to the directory
    directory_sync_interval_s: int = 3600
    reconcile_interval_s: int = 600
    # The Teams app package (`memberportal package`)
    teams_app_developer_name: str = ""
    teams_app_website_url: str = ""
    teams_app_privacy_url: str = ""
    teams_app_terms_url: str = ""
    # Operations: logs, OpenTelemetry, shutdown
    log_format: str = "text"  # or "json": one object a line (containers)
    log_level: str = "INFO"  # of this product's own loggers; libraries log warnings and worse
    otel_endpoint: str = ""  # OTEL_EXPORTER_OTLP_ENDPOINT; empty: no OpenTelemetry at all
    otel_service_name: str = "member-enquiries"  # OTEL_SERVICE_NAME
    shutdown_timeout_s: float = 20.0  # in-flight turns and sends, after SIGTERM

    @property
    def auth_enabled(self) -> bool:
        return bool(self.app_id)

    @property
    def auth_type(self) -> AuthType:
        if self.app_auth_type:
            return AuthType(self.app_auth_type)
        if self.app_type == "UserAssignedMSI":
            return AuthType.USER_MANAGED_IDENTITY
        return AuthType.CLIENT_SECRET

    def bot_settings(self) -> BotSettings:
        """What the bot's edge needs, in the Agents SDK's terms."""
        return BotSettings(
            client_id=self.app_id, client_secret=self.app_password,
            tenant_id=self.app_tenant_id, auth_type=self.auth_type,
            cert_pfx_file=self.app_cert_pfx_file,
            openid_metadata_url=self.bot_openid_metadata_url, host=self.host, port=self.port,
            allowed_service_urls=self.allowed_service_urls)

    @property
    def graph_enabled(self) -> bool:
        return bool(self.graph_tenant_id and self.graph_client_id and self.graph_client_secret)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(key: str, default: str = "") -> str:
            return env.get(key, default).strip()

        url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        try:
            url = normalise_url(url)
        except Exception as exc:  # sqlalchemy raises ArgumentError / ValueError
            raise SettingsError("DATABASE_URL", _redact(url), str(exc)) from None
        port = _int(get("PORT", "3978"), "PORT", 1, 65535)
        interval = _int(get("SWEEP_INTERVAL_S", "300"), "SWEEP_INTERVAL_S", 10, 86400)
        bot = _bot_credentials(get)
        return cls(
            database_url=url,
            council_config=get("COUNCIL_CONFIG") or None,
            host=get("HOST") or "127.0.0.1",
            port=port,
            **bot,
            public_url=get("PUBLIC_URL"),
            allowed_service_urls=_allowlist(get("ALLOWED_SERVICE_URLS", LOOPBACK)),
            scheduler_enabled=get("SCHEDULER", "on").lower() not in ("off", "0", "false", "no"),
            sweep_interval_s=interval,
            rate_limit_per_minute=_int(get("RATE_LIMIT_PER_MINUTE", "30"),
                                       "RATE_LIMIT_PER_MINUTE", 0, 10_000),
            claim_lease_s=_int(get("CLAIM_LEASE_S", "15"), "CLAIM_LEASE_S", 1, 600),
            **_graph_settings(get),
            **_teams_app_settings(get),
            **_operations_settings(get),
        )


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _operations_settings(get: Callable[..., str]) -> dict[str, Any]:
    """LOG_FORMAT, LOG_LEVEL, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME and
    SHUTDOWN_TIMEOUT_S."""
    log_format = get("LOG_FORMAT", "text").lower() or "text"
    if log_format not in LOG_FORMATS:
        raise SettingsError("LOG_FORMAT", log_format, f"must be one of {LOG_FORMATS}")
    log_level = get("LOG_LEVEL", "INFO").upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise SettingsError("LOG_LEVEL", log_level, f"must be one of {LOG_LEVELS}")
    endpoint = get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if endpoint and not re.match(r"^https?://[^/\s]+", endpoint, re.IGNORECASE):
        raise SettingsError("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint,
                            "must be an http(s) URL such as http://localhost:4318")
    return {"log_format": log_format, "log_level": log_level,
            "otel_endpoint": endpoint.rstrip("/"),
            "otel_service_name": get("OTEL_SERVICE_NAME") or "member-enquiries",
            "shutdown_timeout_s": float(_int(get("SHUTDOWN_TIMEOUT_S", "20"),
                                             "SHUTDOWN_TIMEOUT_S", 1, 600))}


def _int(value: str, key: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(key, value, "must be a whole number") from None
    if not low <= number <= high:
        raise SettingsError(key, value, f"must be between {low} and {high}")
    return number


def _allowlist(value: str) -> tuple[str, ...]:
    try:
        entries = parse_allowlist(value)
    except BadAllowlistEntry as exc:
        raise SettingsError("ALLOWED_SERVICE_URLS", exc.entry, exc.reason) from None
    if not entries:
        raise SettingsError("ALLOWED_SERVICE_URLS", value, "name at least one URL or 'loopback'")
    return entries


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _graph_settings(get: Callable[..., str]) -> dict[str, Any]:
    """GRAPH_* and the job intervals; all three credentials or none."""
    tenant, client, secret = get("GRAPH_TENANT_ID"), get("GRAPH_CLIENT_ID"), \
        get("GRAPH_CLIENT_SECRET")
    given = {"GRAPH_TENANT_ID": tenant, "GRAPH_CLIENT_ID": client, "GRAPH_CLIENT_SECRET": secret}
    if any(given.values()):
        for key, value in given.items():
            if not value:
                raise SettingsError(key, "", "is required with the other GRAPH_* credentials")
        if not (_GUID.fullmatch(tenant) or _TENANT_DOMAIN.fullmatch(tenant)):
            raise SettingsError("GRAPH_TENANT_ID", tenant,
                                "must be the tenant's GUID or its domain (contoso.onmicrosoft.com)")
        if not _GUID.fullmatch(client):
            raise SettingsError("GRAPH_CLIENT_ID", client, "must be a GUID")
    return {
        "graph_tenant_id": tenant,
        "graph_client_id": client,
        "graph_client_secret": secret,
        "graph_authority_host": _secure_url(get("GRAPH_AUTHORITY_HOST") or GRAPH_AUTHORITY_HOST,
                                            "GRAPH_AUTHORITY_HOST", loopback_http=False),
        "graph_base_url": _secure_url(get("GRAPH_BASE_URL") or GRAPH_BASE_URL, "GRAPH_BASE_URL",
                                      loopback_http=True),
        "entra_groups": get("ENTRA_GROUPS") or None,
        "directory_sync_interval_s": _int(get("DIRECTORY_SYNC_INTERVAL_S", "3600"),
                                          "DIRECTORY_SYNC_INTERVAL_S", 60, 7 * 86400),
        "reconcile_interval_s": _int(get("RECONCILE_INTERVAL_S", "600"), "RECONCILE_INTERVAL_S",
                                     30, 86400),
    }


def _secure_url(value: str, key: str, *, loopback_http: bool) -> str:
    """An https URL (or http on this machine, for tests): a token never crosses a network bare."""
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return value.rstrip("/")
    if parts.scheme == "http" and loopback_http and _loopback(host):
        return value.rstrip("/")
    allowed = "https (or http to 127.0.0.1)" if loopback_http else "https"
    raise SettingsError(key, value, f"must be an {allowed} URL")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _teams_app_settings(get: Callable[..., str]) -> dict[str, Any]:
    urls = {}
    for key in ("TEAMS_APP_WEBSITE_URL", "TEAMS_APP_PRIVACY_URL", "TEAMS_APP_TERMS_URL"):
        value = get(key)
        if value and not re.match(r"^https?://", value, re.IGNORECASE):
            raise SettingsError(key, value, "must be an http(s) URL")
        urls[key.lower()] = value
    name = get("TEAMS_APP_DEVELOPER_NAME")
    if len(name) > 32:
        raise SettingsError("TEAMS_APP_DEVELOPER_NAME", name, "Teams allows 32 characters")
    return {"teams_app_developer_name": name, **urls}


def _bot_credentials(get: Callable[..., str]) -> dict[str, Any]:
    """The Azure Bot registration: the Agents SDK's variables
    (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, CLIENTSECRET, TENANTID, AUTHTYPE,
    CERTPFXFILE) or, for deployments made before the SDK, the MicrosoftApp* ones mapped onto
    them. Where both are set the SDK's win."""
    app_type = get("MicrosoftAppType") or "MultiTenant"
    if app_type not in APP_TYPES:
        raise SettingsError("MicrosoftAppType", app_type, f"must be one of {APP_TYPES}")
    app_id = get(SDK_PREFIX + "CLIENTID") or get("MicrosoftAppId")
    secret = get(SDK_PREFIX + "CLIENTSECRET") or get("MicrosoftAppPassword")
    tenant = get(SDK_PREFIX + "TENANTID") or get("MicrosoftAppTenantId")
    auth_type = get(SDK_PREFIX + "AUTHTYPE")
    if auth_type and auth_type not in AUTH_TYPES:
        raise SettingsError(SDK_PREFIX + "AUTHTYPE", auth_type, f"must be one of {AUTH_TYPES}")
    chosen = AuthType(auth_type) if auth_type else (
        AuthType.USER_MANAGED_IDENTITY if app_type == "UserAssignedMSI" else AuthType.CLIENT_SECRET)
    cert = get(SDK_PREFIX + "CERTPFXFILE")
    if app_id and chosen is AuthType.CLIENT_SECRET and not secret:
        if get(SDK_PREFIX + "CLIENTID"):
            raise SettingsError(SDK_PREFIX + "CLIENTSECRET", "", "is required with CLIENTID")
        raise SettingsError("MicrosoftAppPassword", "", "is required with MicrosoftAppId")
    if app_id and chosen is AuthType.CERTIFICATE and not cert:
        raise SettingsError(SDK_PREFIX + "CERTPFXFILE", "", "is required for certificate auth")
    if app_type == "SingleTenant" and app_id and not tenant:
        raise SettingsError("MicrosoftAppTenantId", "", "is required for SingleTenant")
    return {"app_id": app_id, "app_password": secret, "app_tenant_id": tenant,
            "app_type": app_type, "app_auth_type": auth_type, "app_cert_pfx_file": cert}
