"""The Python MCP SDK's OAuth client (`mcp.client.auth.OAuthClientProvider`) through the
whole flow against a running switchboard: discovery, registration (or a Client ID
Metadata Document), authorize with sign-in and consent driven over HTTP the way a
browser would (the code read from the outbox), token, then tools/list and a tool call.

Usage: oauth_client.py MCP_URL OUTBOX_DIR EMAIL [CLIENT_METADATA_URL]
Prints `oauth ok: <n> tools, <scopes>` and exits 0, or exits non-zero naming the step.
"""

import asyncio
import glob
import os
import re
import sys
import time
from urllib.parse import parse_qs, urljoin, urlparse

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

REDIRECT = "http://localhost:53682/callback"


def fail(what):
    raise SystemExit(f"oauth client: {what}")


class Memory(TokenStorage):
    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull):
        self.client = client_info


def field(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    return m.group(1) if m else None


def newest_code(outbox, after):
    deadline = time.time() + 20
    while time.time() < deadline:
        mails = sorted(
            (p for p in glob.glob(os.path.join(outbox, "*.eml")) if os.path.getmtime(p) >= after),
            key=os.path.getmtime,
        )
        if mails:
            text = open(mails[-1], encoding="utf-8", errors="replace").read()
            m = re.search(r"sign-in code is (\d{6})", text)
            if m:
                return m.group(1)
        time.sleep(0.1)
    fail("no sign-in code arrived in the outbox")


class Browser:
    """Signs in and consents the way a person's browser would, over plain HTTP."""

    def __init__(self, outbox, email):
        self.outbox = outbox
        self.email = email
        self.result = None

    async def open(self, authorization_url):
        started = time.time() - 1
        async with httpx2.AsyncClient(follow_redirects=False) as b:
            r = await b.get(authorization_url)
            if r.status_code != 303:
                fail(f"authorize answered {r.status_code}: {r.text[:300]}")
            page_url = urljoin(authorization_url, r.headers["location"])
            page = (await b.get(page_url)).text
            if "Send me a code" not in page:
                fail(f"no sign-in form: {page[:300]}")
            post_url = urljoin(authorization_url, "/oauth/continue")
            form = {"request": field(page, "request"), "csrf": field(page, "csrf")}
            r = await b.post(post_url, data={**form, "action": "email", "email": self.email})
            if r.status_code != 303:
                fail(f"email step answered {r.status_code}: {r.text[:300]}")
            page = (await b.get(page_url)).text
            code = newest_code(self.outbox, started)
            r = await b.post(post_url, data={**form, "action": "code", "code": code})
            if r.status_code != 303:
                fail(f"code step answered {r.status_code}: {r.text[:300]}")
            page = (await b.get(page_url)).text
            if "Allow access?" not in page:
                fail(f"no consent page: {page[:500]}")
            team = field(page, "team") or re.search(r'name="team" value="([^"]*)"', page).group(1)
            # Signing in renewed the session, and with it the form's CSRF token.
            form = {"request": field(page, "request"), "csrf": field(page, "csrf")}
            r = await b.post(post_url, data={**form, "action": "approve", "team": team})
            if r.status_code != 302:
                fail(f"consent answered {r.status_code} (a redirect must be 302): {r.text[:300]}")
            location = r.headers["location"]
            if not location.startswith(REDIRECT):
                fail(f"redirected to {location}")
            q = parse_qs(urlparse(location).query)
            self.result = AuthorizationCodeResult(
                code=q["code"][0], state=q.get("state", [None])[0], iss=q.get("iss", [None])[0]
            )

    async def callback(self):
        if self.result is None:
            fail("the callback came before the redirect")
        return self.result


async def main(url, outbox, email, metadata_url):
    browser = Browser(outbox, email)
    storage = Memory()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="python mcp oauth test",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
        client_metadata_url=metadata_url,
    )
    http = httpx2.AsyncClient(auth=provider, follow_redirects=True)
    async with Client(streamable_http_client(url, http_client=http), mode="auto") as c:
        tools = []
        cursor = None
        while True:
            page = await c.list_tools(cursor=cursor) if cursor else await c.list_tools()
            tools += [t.name for t in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        if "worksection_list_members" not in tools:
            fail(f"tools/list lacks worksection_list_members: {tools[:5]}")
        r = await c.call_tool("worksection_list_members", {})
        if r.is_error:
            fail(f"the tool call failed: {r.content}")
    if storage.client is None or storage.tokens is None:
        fail("no client or tokens were stored")
    if metadata_url and storage.client.client_id != metadata_url:
        fail(f"the client id is {storage.client.client_id}, not the metadata document URL")
    print(f"oauth ok: {len(tools)} tools, client {storage.client.client_id}, scopes {storage.tokens.scope}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
