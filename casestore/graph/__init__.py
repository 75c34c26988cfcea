"""Microsoft Graph, the adapter: the Entra ID directory and the replies in case threads.

Like `casestore.db`, this package is an adapter beside the pure core: the token source (msal),
an aiohttp Graph client, the directory sync and the reconciliation of missed thread replies.
Nothing here touches the network until it is first asked to.
"""
