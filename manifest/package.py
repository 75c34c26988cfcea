"""The Teams app package: render the manifest template, check it, and zip it with the icons.

`build_package` refuses to produce a package that would fail in Teams: the manifest is validated
offline against Microsoft's published schema (manifest/schema/, MIT licence) and against this
product's own rules (the bot's scopes, the one RSC permission it needs, the icons' sizes). Every
problem names its JSON path, such as ``bots[0].scopes``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata, resources
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from manifest.png import PngError, read_png

TEMPLATE_FILE = "manifest.template.json"
SCHEMA_FILE = "schema/MicrosoftTeams.v1.29.schema.json"
ICON_FILES = {"color": "icons/color.png", "outline": "icons/outline.png"}
ICON_SIZES = {"color": 192, "outline": 32}
BOT_SCOPES = ("personal", "team", "groupChat")
# Least privilege: the only resource-specific permission the bot needs (thread replies
# without an @mention). Anything else in the manifest is a mistake or a request for more.
RSC_PERMISSIONS = frozenset({("ChannelMessage.Read.Group", "Application")})
PLACEHOLDER_APP_ID = "00000000-0000-0000-0000-000000000000"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_SHORTER = (("Metropolitan Borough Council", "MBC"), ("County Borough Council", "CBC"),
            ("Borough Council", "BC"), ("District Council", "DC"), ("County Council", "CC"))
DEVELOPER_NAME_MAX = 32
DEFAULT_WEBSITE = "https://www.gov.uk/find-local-council"


class AppIdInvalid(ValueError):
    """MicrosoftAppId is missing or not a GUID, so Teams could not install the package."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        reason = "is not set" if not app_id else f"is not a GUID (got {app_id!r})"
        super().__init__(f"MicrosoftAppId {reason}: the package needs the Azure Bot's app id")


class ManifestInvalid(ValueError):
    """The manifest would not pass Teams' checks; `problems` lists each, with its JSON path."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ManifestValues:
    """What the template's ``{{PLACEHOLDERS}}`` become."""

    app_id: str
    council_name: str
    version: str = "1.0.0"
    developer_name: str = ""
    website_url: str = DEFAULT_WEBSITE
    privacy_url: str = ""
    terms_url: str = ""
    valid_domains: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    def placeholders(self) -> dict[str, Any]:
        domain = self.valid_domains[0] if self.valid_domains else ""
        resource = f"api://{domain}/botid-{self.app_id}" if domain else \
            f"api://botid-{self.app_id}"
        return {
            "APP_ID": self.app_id,
            "APP_VERSION": self.version,
            "COUNCIL_NAME": self.council_name,
            "DEVELOPER_NAME": self.developer_name or short_developer_name(self.council_name),
            "WEBSITE_URL": self.website_url,
            "PRIVACY_URL": self.privacy_url or self.website_url,
            "TERMS_URL": self.terms_url or self.website_url,
            "VALID_DOMAINS": list(self.valid_domains),
            "RESOURCE": resource,
        }


def short_developer_name(council_name: str) -> str:
    """Teams allows 32 characters: 'Mersey Vale Metropolitan Borough Council' becomes
    'Mersey Vale MBC'."""
    name = council_name
    for long, short in _SHORTER:
        if len(name) <= DEVELOPER_NAME_MAX:
            break
        name = name.replace(long, short)
    return name


def package_version() -> str:
    try:
        version = metadata.version("member-enquiries")
    except metadata.PackageNotFoundError:
        return "1.0.0"
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", version)
    return ".".join(str(int(n)) for n in match.groups()) if match else "1.0.0"


def manifest_values(
    *, app_id: str, council_name: str, public_url: str = "", developer_name: str = "",
    website_url: str = "", privacy_url: str = "", terms_url: str = "",
    allow_placeholder_id: bool = False,
) -> ManifestValues:
    """The values for a council's package; raises `AppIdInvalid` unless a placeholder is allowed."""
    notes: list[str] = []
    if not GUID.fullmatch(app_id or ""):
        if not allow_placeholder_id:
            raise AppIdInvalid(app_id)
        notes.append(f"MicrosoftAppId is not a GUID: using the placeholder {PLACEHOLDER_APP_ID}; "
                     "this package is for local testing and will not install in a tenant")
        app_id = PLACEHOLDER_APP_ID
    host = urlsplit(public_url).hostname if public_url else None
    if not host:
        notes.append("PUBLIC_URL is not set: validDomains is empty")
    for key, value in (("TEAMS_APP_WEBSITE_URL", website_url),
                       ("TEAMS_APP_PRIVACY_URL", privacy_url),
                       ("TEAMS_APP_TERMS_URL", terms_url)):
        if not value:
            notes.append(f"{key} is not set: using {website_url or DEFAULT_WEBSITE}")
    return ManifestValues(
        app_id=app_id.lower(), council_name=council_name, version=package_version(),
        developer_name=developer_name, website_url=website_url or DEFAULT_WEBSITE,
        privacy_url=privacy_url, terms_url=terms_url,
        valid_domains=(host,) if host else (), notes=tuple(notes),
    )


def load_template() -> dict[str, Any]:
    text = resources.files("manifest").joinpath(TEMPLATE_FILE).read_text(encoding="utf-8")
    template = json.loads(text)
    assert isinstance(template, dict)
    return template


def load_schema() -> dict[str, Any]:
    text = resources.files("manifest").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema = json.loads(text)
    assert isinstance(schema, dict)
    return schema


def load_icons() -> dict[str, bytes]:
    return {name: resources.files("manifest").joinpath(path).read_bytes()
            for name, path in ICON_FILES.items()}


def render_manifest(values: ManifestValues, template: Mapping[str, Any] | None = None
                    ) -> dict[str, Any]:
    """Fill the template. A string that is exactly one placeholder takes the value's own type."""
    known = values.placeholders()

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        if not isinstance(node, str):
            return node
        whole = _PLACEHOLDER.fullmatch(node)
        if whole:
            return known[_known(whole.group(1), known)]
        return _PLACEHOLDER.sub(lambda m: str(known[_known(m.group(1), known)]), node)

    rendered = fill(dict(template if template is not None else load_template()))
    assert isinstance(rendered, dict)
    return rendered


def _known(name: str, known: Mapping[str, Any]) -> str:
    if name not in known:
        raise ManifestInvalid([f"the template uses {{{{{name}}}}}, which has no value "
                               f"(known: {', '.join(sorted(known))})"])
    return name


def json_path(parts: Iterable[Any]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(manifest)"


def _schema_problem(error: ValidationError) -> Iterator[str]:
    where = json_path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance:
                yield f"{json_path([*error.absolute_path, name])}: is required but missing"
        return
    yield f"{where}: {error.message}"


def schema_problems(manifest: Mapping[str, Any], schema: Mapping[str, Any] | None = None
                    ) -> list[str]:
    validator = Draft7Validator(schema if schema is not None else load_schema())
    found: dict[str, None] = {}
    for error in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.path))):
        for problem in _schema_problem(error):
            found[problem] = None
    return list(found)


def product_problems(manifest: Mapping[str, Any], icons: Mapping[str, bytes]) -> list[str]:
    """The rules of this product that the schema cannot express."""
    return [*_bot_problems(manifest), *_rsc_problems(manifest), *_icon_problems(manifest, icons)]


def _bot_problems(manifest: Mapping[str, Any]) -> Iterator[str]:
    bots = manifest.get("bots") or [{}]
    bot = bots[0] if isinstance(bots, list) and isinstance(bots[0], dict) else {}
    scopes = bot.get("scopes") or []
    for scope in BOT_SCOPES:
        if "scopes" in bot and scope not in scopes:
            yield f"bots[0].scopes: must include {scope!r} (the bot works in {BOT_SCOPES})"
    for i, commands in enumerate(bot.get("commandLists") or [] if "scopes" in bot else []):
        for scope in (commands.get("scopes") or []) if isinstance(commands, dict) else []:
            if scope not in scopes:
                yield (f"bots[0].commandLists[{i}].scopes: {scope!r} is not one of the bot's "
                       "scopes")
    app_id = manifest.get("id")
    for path, value in (("bots[0].botId", bot.get("botId")),
                        ("webApplicationInfo.id", (manifest.get("webApplicationInfo") or {})
                         .get("id"))):
        if value is not None and value != app_id:
            yield f"{path}: must be the app id {app_id!r} (got {value!r})"


def _rsc_problems(manifest: Mapping[str, Any]) -> Iterator[str]:
    permissions = ((manifest.get("authorization") or {}).get("permissions") or {})
    declared = permissions.get("resourceSpecific") or []
    seen = set()
    for i, permission in enumerate(declared if isinstance(declared, list) else []):
        if not isinstance(permission, dict):
            continue  # the schema reports it
        pair = (permission.get("name"), permission.get("type"))
        seen.add(pair)
        if pair not in RSC_PERMISSIONS:
            wanted = ", ".join(f"{n} ({t})" for n, t in sorted(RSC_PERMISSIONS))
            yield (f"authorization.permissions.resourceSpecific[{i}]: {pair[0]!r} ({pair[1]}) is "
                   f"not a permission Member Enquiries uses; it needs only {wanted}")
    for name, kind in sorted(RSC_PERMISSIONS - seen):
        yield (f"authorization.permissions.resourceSpecific: {name} ({kind}) is missing; without "
               "it, thread replies reach the bot only when they @mention it")


def _icon_problems(manifest: Mapping[str, Any], icons: Mapping[str, bytes]) -> Iterator[str]:
    declared = manifest.get("icons") or {}
    for kind, size in ICON_SIZES.items():
        name = declared.get(kind)
        if name is None:
            continue  # the schema reports it
        if name not in (f"{k}.png" for k in ICON_SIZES):
            yield f"icons.{kind}: {name!r} is not a file in the package"
            continue
        try:
            image = read_png(icons[kind])
        except PngError as exc:
            yield f"icons.{kind}: {name} is not a usable PNG: {exc}"
            continue
        if (image.width, image.height) != (size, size):
            yield (f"icons.{kind}: {name} must be {size}×{size} pixels "
                   f"(it is {image.width}×{image.height})")
        if kind == "outline" and any(a and (r, g, b) != (255, 255, 255)
                                     for r, g, b, a in image.pixels):
            yield f"icons.outline: {name} must be white on transparent only"


def manifest_problems(manifest: Mapping[str, Any], icons: Mapping[str, bytes] | None = None,
                      schema: Mapping[str, Any] | None = None) -> list[str]:
    return [*schema_problems(manifest, schema),
            *product_problems(manifest, icons if icons is not None else load_icons())]


def build_package(values: ManifestValues, *, template: Mapping[str, Any] | None = None,
                  icons: Mapping[str, bytes] | None = None) -> bytes:
    """The app zip (manifest.json, color.png, outline.png at its root), or `ManifestInvalid`."""
    icons = icons if icons is not None else load_icons()
    manifest = render_manifest(values, template)
    problems = manifest_problems(manifest, icons)
    if problems:
        raise ManifestInvalid(problems)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        files = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
                 .encode("utf-8"),
                 "color.png": icons["color"], "outline.png": icons["outline"]}
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()
