"""Anchor: botbuilder-python 4.17's stock echo bot, as its samples build it.

Run only by `benchmarks.throughput` with the Python of a throwaway environment that has
`botbuilder-integration-aiohttp==4.17.*` (the project itself no longer installs botbuilder):
`python echo_botbuilder.py PORT`. No app id, so no authentication, as in local development.
"""

import sys

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class Config:
    PORT = int(sys.argv[1])
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        text = f"Echo: {turn_context.activity.text}"
        await turn_context.send_activity(MessageFactory.text(text, text))


ADAPTER = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
BOT = EchoBot()


async def messages(req: web.Request) -> web.Response:
    return await ADAPTER.process(req, BOT)


APP = web.Application()
APP.router.add_post("/api/messages", messages)

if __name__ == "__main__":
    web.run_app(APP, host="127.0.0.1", port=Config.PORT, print=None, access_log=None)
