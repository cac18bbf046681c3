"""What the scenario scripts share: a Python MCP SDK client for a switchboard URL and token,
and calls that stop the scenario with a message on the first deviation."""

import contextlib

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


class Deviation(SystemExit):
    pass


def check(cond, what):
    if not cond:
        raise Deviation(f"scenario: {what}")


@contextlib.asynccontextmanager
async def connect(url, token):
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    async with Client(streamable_http_client(url, http_client=http), mode="2026-07-28") as c:
        yield c


def text_of(result):
    return " ".join(getattr(b, "text", "") for b in result.content)


async def call(c, name, args):
    """A tool call that must succeed: its structured result."""
    r = await c.call_tool(name, args)
    check(not r.is_error, f"{name}({args}) failed: {text_of(r)}")
    check(r.structured_content is not None, f"{name}: no structured content")
    return r.structured_content


async def every(c, name, args):
    """Every item of a list tool, following next_cursor; and the number of pages."""
    items, cursor, pages = [], None, 0
    while True:
        page = await call(c, name, {**args, **({"cursor": cursor} if cursor else {})})
        items += page["items"]
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor:
            return items, pages


async def tool_names(c, prefix):
    """The names of the listed tools starting with `prefix`, across tools/list pages."""
    names, cursor = [], None
    while True:
        page = await c.list_tools(cursor=cursor) if cursor else await c.list_tools()
        names += [t.name for t in page.tools if t.name.startswith(prefix)]
        cursor = page.next_cursor
        if not cursor:
            return names
