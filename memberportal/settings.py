"""Settings, read once at start-up from the environment (or any mapping, for tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from casestore.db.engine import DEFAULT_DATABASE_URL, normalise_url

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


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
    public_url: str = ""
    scheduler_enabled: bool = True
    sweep_interval_s: int = 300

    @property
    def auth_enabled(self) -> bool:
        return bool(self.app_id)

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
        app_type = get("MicrosoftAppType") or "MultiTenant"
        if app_type not in APP_TYPES:
            raise SettingsError("MicrosoftAppType", app_type, f"must be one of {APP_TYPES}")
        app_id, password = get("MicrosoftAppId"), get("MicrosoftAppPassword")
        tenant = get("MicrosoftAppTenantId")
        if app_id and app_type != "UserAssignedMSI" and not password:
            raise SettingsError("MicrosoftAppPassword", "", "is required with MicrosoftAppId")
        if app_type == "SingleTenant" and app_id and not tenant:
            raise SettingsError("MicrosoftAppTenantId", "", "is required for SingleTenant")
        return cls(
            database_url=url,
            council_config=get("COUNCIL_CONFIG") or None,
            host=get("HOST") or "127.0.0.1",
            port=port,
            app_id=app_id,
            app_password=password,
            app_tenant_id=tenant,
            app_type=app_type,
            public_url=get("PUBLIC_URL"),
            scheduler_enabled=get("SCHEDULER", "on").lower() not in ("off", "0", "false", "no"),
            sweep_interval_s=interval,
        )


def _int(value: str, key: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(key, value, "must be a whole number") from None
    if not low <= number <= high:
        raise SettingsError(key, value, f"must be between {low} and {high}")
    return number


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
