// The TypeScript MCP SDK (@modelcontextprotocol/client) against a running switchboard,
// in both protocol eras. Usage: node ts_client.mjs MCP_URL TOKEN
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, token] = process.argv.slice(2);

function check(cond, what) {
  if (!cond) {
    console.error(`ts client: ${what}`);
    process.exit(1);
  }
}

async function run(mode, expectVersion) {
  const versionNegotiation = mode === 'legacy' ? { mode: 'legacy' } : { mode: { pin: mode } };
  const client = new Client({ name: 'switchboard-interop', version: '1' }, { versionNegotiation });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  }));
  const version = client.getNegotiatedProtocolVersion?.() ?? client.transport?.protocolVersion;
  check(version === expectVersion, `${mode}: negotiated ${version}`);
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  check(names.includes('testkit_get_note'), `${mode}: tools/list lacks testkit_get_note: ${names}`);
  const r = await client.callTool({ name: 'testkit_get_note', arguments: { id: 9 } });
  check(!r.isError && r.structuredContent.id === 9, `${mode}: call gave ${JSON.stringify(r)}`);
  const bad = await client.callTool({ name: 'testkit_get_note', arguments: { id: 'nine' } });
  check(bad.isError && JSON.stringify(bad.content).includes('argument `id`'), `${mode}: invalid args gave ${JSON.stringify(bad)}`);
  await client.close();
  console.log(`ts client ${mode}: negotiated ${version}, ${names.length} tools, call ok, invalid args isError`);
}

await run('legacy', '2025-11-25');
await run('2026-07-28', '2026-07-28');
