"""The Python MCP SDK (PyPI `mcp`) against a running switchboard, in both protocol eras.

Usage: python_client.py MCP_URL TOKEN
Exits non-zero with a message on the first deviation.
"""

import asyncio
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def check(cond, what):
    if not cond:
        raise SystemExit(f"python client: {what}")


async def run(url, token, mode, expect_version):
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"})
    async with Client(streamable_http_client(url, http_client=http), mode=mode) as c:
        check(str(c.protocol_version) == expect_version, f"{mode}: negotiated {c.protocol_version}")
        names, cursor = [], None
        while True:
            page = await c.list_tools(cursor=cursor) if cursor else await c.list_tools()
            names += [t.name for t in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        check("testkit_get_note" in names, f"{mode}: tools/list lacks testkit_get_note: {names}")
        check(names == sorted(names), f"{mode}: tools/list is not in name order")
        r = await c.call_tool("testkit_get_note", {"id": 5})
        check(not r.is_error, f"{mode}: call failed: {r}")
        check(r.structured_content["id"] == 5, f"{mode}: wrong note: {r.structured_content}")
        bad = await c.call_tool("testkit_get_note", {"id": "five"})
        text = " ".join(getattr(b, "text", "") for b in bad.content)
        check(bad.is_error and "argument `id`" in text, f"{mode}: invalid args gave {bad}")
        print(f"python mcp {mode}: negotiated {c.protocol_version}, {len(names)} tools, call ok, invalid args isError")


async def main():
    url, token = sys.argv[1], sys.argv[2]
    await run(url, token, "legacy", "2025-11-25")
    await run(url, token, "2026-07-28", "2026-07-28")


asyncio.run(main())
