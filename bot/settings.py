"""Our `Settings` in the shape botbuilder's `ConfigurationBotFrameworkAuthentication` reads.

botbuilder looks attributes up with `getattr(configuration, NAME, None)`. `APP_ID`,
`APP_PASSWORD`, `APP_TYPE` and `APP_TENANTID` choose the credentials. If any of the
"parameterized" attributes (`TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL` and the six below it) is
set, botbuilder switches from its built-in public-cloud authentication to
`_ParameterizedBotFrameworkAuthentication`, which reads *all* of them, so an override fills the
others with the public-cloud values rather than leaving them `None` (a `None` issuer would reject
every token). That class also crashes on an empty `Authorization` header, which `CloudAdapter`
passes when there is none: `bot.auth.authenticate_activity` passes `None` instead.

The override exists so that tests can serve their own OpenID metadata and JWKS on 127.0.0.1; in
production leave both URLs unset and botbuilder uses login.botframework.com.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AuthenticationConstants

from memberportal.settings import Settings

BOT_FRAMEWORK_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER


@dataclass(frozen=True)
class BotFrameworkConfig:
    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    # Only set together, by `bot_framework_config(..., channel_openid_metadata_url=...)`.
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    OAUTH_URL: str | None = None
    CALLER_ID: str | None = None
    VALIDATE_AUTHORITY: bool = True

    @property
    def openid_overridden(self) -> bool:
        return self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL is not None


def bot_framework_config(
    settings: Settings,
    *,
    channel_openid_metadata_url: str | None = None,
    emulator_openid_metadata_url: str | None = None,
) -> BotFrameworkConfig:
    """Map `settings` onto botbuilder's names; optionally point token validation elsewhere.

    `channel_openid_metadata_url` replaces login.botframework.com's metadata for tokens from the
    channels (Teams). `emulator_openid_metadata_url` replaces the Azure AD metadata used for
    emulator and skill tokens; it defaults to the public one, so pass it too in a test that must
    never reach the internet.
    """
    plain = BotFrameworkConfig(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    if channel_openid_metadata_url is None:
        if emulator_openid_metadata_url is not None:
            raise ValueError("emulator_openid_metadata_url needs channel_openid_metadata_url too")
        return plain
    return replace(
        plain,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=channel_openid_metadata_url,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=(
            emulator_openid_metadata_url
            or AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        ),
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=BOT_FRAMEWORK_ISSUER,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        CALLER_ID=CallerIdConstants.public_azure_channel,
    )
