"""Files a councillor sends in personal chat, on both engines: fetched over real https sockets
from local servers under SharePoint-like names (tests/support/files.py), stored with the type
their bytes say, and every refusal told to the member in a sentence with nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from microsoft_agents.activity import Attachment
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from sqlalchemy import select

from casestore.casework import Casework
from casestore.config import Attachments
from casestore.db.tables import attachments
from tests.bot.member_fixtures import (
    DAVID,
    MONDAY,
    SARAH,
    Chat,
    Clock,
    actions_of,
    files_attachment,
    form_values,
    make_bot,
    teams_activity,
    texts,
)
from tests.store.helpers import member
from tests.support.files import (
    CONNECTOR_HOST,
    FILES_HOST,
    OTHER_HOST,
    Authority,
    NamesResolver,
    downloader_for,
)

PDF = b"%PDF-1.4\n% a tiny report\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + b"\0" * 40
HTML = b"<!DOCTYPE html><html><body><form action='https://evil.example/pay'></form></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 64
CONTENT = {"report.pdf": PDF, "photo.pdf": PDF, "letter.pdf": PDF, "site-photo.png": PNG,
           "mislabelled.jpg": PNG + b"another photo", "invoice.pdf": HTML, "photo.png": EXE,
           "hospital-letter.pdf": PDF}



@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def resolver() -> NamesResolver:
    return NamesResolver()


@pytest.fixture
def chat(casework: Casework, clock: Clock, authority: Authority,
         resolver: NamesResolver) -> Chat:
    downloader = downloader_for(casework.config.attachments, authority, resolver=resolver)
    bot, _ctx = make_bot(casework, clock, downloader=downloader)
    return Chat(bot, casework.directory.get)


@pytest.fixture
async def file_server(authority: Authority) -> AsyncIterator[TestServer]:
    """A member's OneDrive, as far as the bot can tell: https, a SharePoint name."""
    async def serve(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name == "big.pdf":
            return web.Response(body=PDF + b"x" * 5000)
        if name == "elsewhere.pdf":
            raise web.HTTPFound("https://files.example.org/report.pdf")
        if name not in CONTENT:
            return web.Response(status=404)
        return web.Response(body=CONTENT[name], content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get("/personal/sarah/{name}", serve)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=authority.server_context())
    yield server
    await server.close()


def link(server: TestServer, name: str, host: str = FILES_HOST, scheme: str = "https") -> str:
    return f"{scheme}://{host}:{server.port}/personal/sarah/{name}"


async def raise_enquiry(chat: Chat) -> str:
    form = await chat.say_one(SARAH, "new enquiry")
    reply = await chat.click(SARAH, form, "member.enquiry.submit", **form_values())
    assert reply.card is not None
    return str(next(a["data"]["reference"] for a in actions_of(reply.card)
                    if a["verb"] == "member.case.open"))


async def send_files(chat: Chat, casework: Casework, text: str, *files: Attachment,
                     **fields: str) -> str:
    sent = await chat.send(teams_activity(casework.directory.get(SARAH), text=text,
                                          attachments=list(files), **fields))
    [card] = [a.attachments[0].content for a in sent if a.attachments]
    return texts(card)


async def stored(casework: Casework) -> list[tuple[str, str]]:
    async with casework.store.engine.begin() as conn:
        rows = await conn.execute(select(attachments.c.filename, attachments.c.content_type)
                                  .order_by(attachments.c.id))
        return [(r.filename, r.content_type) for r in rows]


async def test_a_file_sent_with_a_reference_is_stored_on_that_case(
    chat: Chat, casework: Casework, file_server: TestServer,
) -> None:
    ref = await raise_enquiry(chat)
    shown = await send_files(chat, casework, f"Report for {ref}",
                             files_attachment("report.pdf", link(file_server, "report.pdf"), "pdf"))
    assert f"Added to {ref}: report.pdf." in shown
    detail = await chat.say_one(SARAH, ref)
    assert "report.pdf (1 KB), added by Cllr Sarah Okafor" in texts(detail)
    assert "Cllr Sarah Okafor added a file: report.pdf" in texts(detail)


async def test_genuine_files_are_stored_with_the_type_their_bytes_say(
    chat: Chat, casework: Casework, file_server: TestServer,
) -> None:
    ref = await raise_enquiry(chat)
    shown = await send_files(
        chat, casework, ref,
        files_attachment("site-photo.png", link(file_server, "site-photo.png"), "png"),
        files_attachment("report.pdf", link(file_server, "report.pdf"), "pdf"),
        files_attachment("mislabelled.jpg", link(file_server, "mislabelled.jpg"), "jpg"))
    assert f"Added to {ref}: site-photo.png, report.pdf, mislabelled.jpg." in shown
    assert await stored(casework) == [("site-photo.png", "image/png"),
                                      ("report.pdf", "application/pdf"),
                                      ("mislabelled.jpg", "image/png")]


async def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_stored(
    chat: Chat, casework: Casework, file_server: TestServer,
) -> None:
    ref = await raise_enquiry(chat)
    shown = await send_files(
        chat, casework, ref,
        files_attachment("invoice.pdf", link(file_server, "invoice.pdf"), "pdf"),
        files_attachment("photo.png", link(file_server, "photo.png"), "png"))
    assert "invoice.pdf was not added: Its name says it is a PDF, but it is a web page." in shown
    assert "photo.png was not added: Its name says it is a photo, but it is a program." in shown
    assert "Added to" not in shown
    assert await stored(casework) == []


async def test_links_that_are_not_safe_to_fetch_are_refused_and_said_why(
    chat: Chat, casework: Casework, file_server: TestServer, resolver: NamesResolver,
) -> None:
    resolver.answers["intranet.sharepoint.com"] = ["10.20.0.5"]
    ref = await raise_enquiry(chat)
    shown = await send_files(
        chat, casework, ref,
        files_attachment("plain.pdf", link(file_server, "report.pdf", scheme="http"), "pdf"),
        files_attachment("other.pdf", link(file_server, "report.pdf", "files.example.org"),
                         "pdf"),
        files_attachment("inside.pdf", link(file_server, "report.pdf", "intranet.sharepoint.com"),
                         "pdf"),
        files_attachment("moved.pdf", link(file_server, "elsewhere.pdf"), "pdf"),
        files_attachment("local.pdf", "file:///etc/passwd", "pdf"))
    assert "plain.pdf was not added: Its link is not a secure (https) address" in shown
    assert "other.pdf was not added: Its link is not in Teams, SharePoint or OneDrive" in shown
    assert "inside.pdf was not added: Its link leads to a private network address" in shown
    assert "moved.pdf was not added: Its link sent me on to a site outside Teams" in shown
    assert "local.pdf was not added: Its link is not a secure (https) address" in shown
    assert "Please attach the file itself with the paperclip in this chat." in shown
    assert "Added to" not in shown
    assert await stored(casework) == []
    assert "intranet.sharepoint.com" in resolver.lookups  # refused after looking it up ...
    assert "files.example.org" not in resolver.lookups  # ... this one before


async def test_files_that_break_the_limits_are_refused_clearly(
    casework: Casework, clock: Clock, file_server: TestServer, authority: Authority,
) -> None:
    limits = Attachments(max_bytes=1024)
    small = Casework(casework.store, casework.config.model_copy(
        update={"attachments": limits}), casework.directory)
    bot, _ = make_bot(small, clock, downloader=downloader_for(limits, authority))
    chat = Chat(bot, casework.directory.get)
    ref = await raise_enquiry(chat)
    shown = await send_files(
        chat, casework, ref,
        files_attachment("big.pdf", link(file_server, "big.pdf"), "pdf"),
        files_attachment("tool.exe", link(file_server, "tool.exe"), "exe"),
        files_attachment("missing.pdf", link(file_server, "missing.pdf"), "pdf"))
    assert "big.pdf was not added: It is larger than the 1 KB limit." in shown
    assert "tool.exe was not added: This type of file is not accepted." in shown
    assert "missing.pdf was not added: I couldn't download it from Teams." in shown
    assert "Added to" not in shown
    assert await stored(casework) == []


async def test_a_file_without_a_reference_asks_which_enquiry(
    chat: Chat, casework: Casework, file_server: TestServer,
) -> None:
    ref = await raise_enquiry(chat)
    activity = teams_activity(casework.directory.get(SARAH), text="", attachments=[
        files_attachment("photo.pdf", link(file_server, "photo.pdf"), "pdf")])
    [asked] = [a.attachments[0].content for a in await chat.send(activity)]
    assert "Which enquiry is this for?" in texts(asked)
    added = (await chat.click(SARAH, asked, "member.files.attach")).card
    assert added is not None and f"Added to {ref}: photo.pdf." in texts(added)
    stolen = (await chat.click(DAVID, asked, "member.files.attach")).card
    assert stolen is not None and "I no longer have that file" in texts(stolen)


async def test_a_file_waiting_for_its_enquiry_survives_a_restart_of_the_bot(
    chat: Chat, casework: Casework, clock: Clock, file_server: TestServer,
    authority: Authority,
) -> None:
    ref = await raise_enquiry(chat)
    activity = teams_activity(casework.directory.get(SARAH), text="", attachments=[
        files_attachment("letter.pdf", link(file_server, "letter.pdf"), "pdf")])
    [asked] = [a.attachments[0].content for a in await chat.send(activity)]
    restarted, _ = make_bot(casework, clock, downloader=downloader_for(  # nothing in memory
        casework.config.attachments, authority))
    added = (await Chat(restarted, casework.directory.get).click(
        SARAH, asked, "member.files.attach")).card
    assert added is not None and f"Added to {ref}: letter.pdf." in texts(added)


# -- special category data in files' names and the message sent with them ------------------------

async def test_a_message_with_files_that_mentions_special_category_data_is_confirmed_first(
    chat: Chat, casework: Casework, file_server: TestServer,
) -> None:
    ref = await raise_enquiry(chat)
    activity = teams_activity(
        casework.directory.get(SARAH), text=f"{ref} photo of the ramp for her wheelchair",
        attachments=[files_attachment("site-photo.png", link(file_server, "site-photo.png"),
                                      "png")])
    [warned] = [a.attachments[0].content for a in await chat.send(activity)]
    assert "may include special category data: health" in texts(warned)
    assert "Nothing has been stored yet." in texts(warned)
    assert await stored(casework) == []
    added = (await chat.click(SARAH, warned, "member.files.attach")).card
    assert added is not None and f"Added to {ref}: site-photo.png." in texts(added)
    assert await stored(casework) == [("site-photo.png", "image/png")]
    case = await casework.view(ref, actor=member(SARAH), now=MONDAY)
    [event] = [se.event for se in await casework.timeline(case)
               if se.event.kind == "attachment_added"]
    assert event.payload["special_category_confirmed"] == ["health"]


async def test_a_file_whose_name_is_special_category_data_is_confirmed_after_choosing_the_case(
    chat: Chat, casework: Casework, file_server: TestServer,
) -> None:
    ref = await raise_enquiry(chat)
    activity = teams_activity(casework.directory.get(SARAH), text="", attachments=[
        files_attachment("hospital-letter.pdf", link(file_server, "hospital-letter.pdf"),
                         "pdf")])
    [asked] = [a.attachments[0].content for a in await chat.send(activity)]
    warned = (await chat.click(SARAH, asked, "member.files.attach")).card
    assert warned is not None and "special category data: health" in texts(warned)
    assert await stored(casework) == []
    not_now = (await chat.click(SARAH, warned, "member.case.open")).card
    assert not_now is not None and "No files yet." in texts(not_now)
    added = (await chat.click(SARAH, warned, "member.files.attach")).card
    assert added is not None and f"Added to {ref}: hospital-letter.pdf." in texts(added)


async def test_the_use_case_itself_refuses_an_unconfirmed_special_category_file_name(
    casework: Casework, chat: Chat,
) -> None:
    from casestore.intake import SpecialCategoryUnconfirmed

    ref = await raise_enquiry(chat)
    with pytest.raises(SpecialCategoryUnconfirmed):
        await casework.add_attachment(ref, actor=member(SARAH), now=MONDAY,
                                      filename="her dementia assessment.pdf",
                                      content_type="application/pdf", content=PDF)
    assert await stored(casework) == []


# -- pasted images: on the Bot Connector, with the bot's token ----------------------------------

class _GivesTheConnectorClient:
    """What the adapter puts in every turn: the Bot Connector client (bot.connector's carry
    the bearer token they send with)."""

    async def on_turn(self, context: TurnContext,
                      logic: Callable[[TurnContext], Awaitable[None]]) -> None:
        context.services.set(ConnectorClientBase, SimpleNamespace(bearer_token="bot-token"))
        await logic(context)


async def test_a_pasted_image_is_fetched_with_the_bots_token_only_from_its_connector(
    chat: Chat, casework: Casework, authority: Authority,
) -> None:
    seen: list[str | None] = []

    async def image(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != "Bearer bot-token":
            return web.Response(status=401)
        return web.Response(body=PNG, content_type="image/png")

    app = web.Application()
    app.router.add_get("/v3/attachments/{id}/views/original", image)
    connector = TestServer(app, host="127.0.0.1")
    await connector.start_server(ssl=authority.server_context())
    try:
        ref = await raise_enquiry(chat)
        chat.adapter.use(_GivesTheConnectorClient())
        service_url = f"https://{CONNECTOR_HOST}:{connector.port}/"
        elsewhere = f"https://{OTHER_HOST}:{connector.port}/"
        shown = await send_files(
            chat, casework, ref,
            Attachment(content_type="image/*",
                       content_url=f"{service_url}v3/attachments/a1/views/original"),
            Attachment(content_type="image/*", name="other.png",
                       content_url=f"{elsewhere}v3/attachments/a2/views/original"),
            service_url=service_url)
    finally:
        await connector.close()
    assert f"Added to {ref}: image.png." in shown
    assert "other.png was not added: I couldn't download it from Teams." in shown
    assert seen == ["Bearer bot-token", None]
