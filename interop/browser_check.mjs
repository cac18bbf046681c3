// Drives headless Chromium (Debian's `chromium`) through Switchboard's sign-in and
// consent pages over the DevTools protocol: open the authorize URL, sign in with the
// emailed code (read from the outbox), take screenshots, check the pages' headers,
// allow, and report where the browser was sent.
//
// Usage: node browser_check.mjs CHROMIUM AUTHORIZE_URL OUTBOX EMAIL SCREENSHOT_DIR
// Prints one JSON line: {"redirect": "...", "screenshots": [...]}; exits 1 naming the step.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [chromium, authorizeUrl, outbox, email, shots] = process.argv.slice(2);
const fail = (what) => { console.error(`browser check: ${what}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
const chrome = spawn(chromium, [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
  '--disable-dev-shm-usage', '--remote-debugging-port=0', `--user-data-dir=${userDir}`,
  '--window-size=900,1000', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
chrome.stderr.on('data', () => {});
const cleanup = () => { try { chrome.kill('SIGKILL'); } catch {} fs.rmSync(userDir, { recursive: true, force: true }); };
process.on('exit', cleanup);

let port;
for (let i = 0; i < 200 && !port; i++) {
  try { port = fs.readFileSync(path.join(userDir, 'DevToolsActivePort'), 'utf8').split('\n')[0]; } catch { await sleep(50); }
}
if (!port) fail('Chromium did not start');
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const page = targets.find((t) => t.type === 'page');
if (!page) fail('no page target');

const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((ok, err) => { ws.onopen = ok; ws.onerror = err; });
let nextId = 1;
const pending = new Map();
const listeners = [];
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  else listeners.forEach((l) => l(msg));
};
const send = (method, params = {}) => new Promise((ok) => {
  const id = nextId++;
  pending.set(id, ok);
  ws.send(JSON.stringify({ id, method, params }));
});
const waitFor = (pred, ms = 15000) => new Promise((ok, err) => {
  const t = setTimeout(() => err(new Error('timeout')), ms);
  listeners.push((msg) => { if (pred(msg)) { clearTimeout(t); ok(msg); } });
});
const evaluate = async (expr) => (await send('Runtime.evaluate', { expression: expr, returnByValue: true })).result?.result?.value;

const documents = [];
const requested = [];
listeners.push((msg) => {
  if (msg.method === 'Network.responseReceived' && msg.params.type === 'Document') documents.push(msg.params.response);
  if (msg.method === 'Network.requestWillBeSent' && msg.params.type === 'Document') requested.push(msg.params.request.url);
});
await send('Page.enable');
await send('Network.enable');
await send('Runtime.enable');

const load = () => waitFor((m) => m.method === 'Page.loadEventFired');
const screenshot = async (name) => {
  const shot = await send('Page.captureScreenshot', { format: 'png' });
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, name);
  fs.writeFileSync(file, Buffer.from(shot.result.data, 'base64'));
  return file;
};
const text = () => evaluate('document.body.innerText');
const files = [];

let loaded = load();
const started = Date.now() - 1000;
await send('Page.navigate', { url: authorizeUrl });
await loaded;
if (!(await text()).includes('Sign in')) fail(`no sign-in page: ${await text()}`);
const last = documents[documents.length - 1];
const header = (r, name) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === name)?.[1];
if (header(last, 'x-frame-options') !== 'DENY') fail('the sign-in page may be framed');
if (!(header(last, 'content-security-policy') || '').includes("frame-ancestors 'none'")) fail('no frame-ancestors');
files.push(await screenshot('signin.png'));

loaded = load();
await evaluate(`document.querySelector('input[name=email]').value = ${JSON.stringify(email)}; document.querySelector('input[name=email]').form.submit();`);
await loaded;
let code;
for (let i = 0; i < 200 && !code; i++) {
  const mails = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml'))
    .map((f) => path.join(outbox, f)).filter((f) => fs.statSync(f).mtimeMs >= started) : [];
  for (const m of mails) {
    const found = fs.readFileSync(m, 'utf8').match(/sign-in code is (\d{6})/);
    if (found) code = found[1];
  }
  if (!code) await sleep(100);
}
if (!code) fail('no code in the outbox');
if (!(await text()).includes('Enter your code')) fail(`no code page: ${await text()}`);
files.push(await screenshot('code.png'));
loaded = load();
await evaluate(`document.querySelector('input[name=code]').value = '${code}'; document.querySelector('input[name=code]').form.submit();`);
await loaded;
const consent = await text();
if (!consent.includes('Allow access?')) fail(`no consent page: ${consent}`);
if (!consent.includes('read and change')) fail(`the consent page does not name the scopes: ${consent}`);
files.push(await screenshot('consent.png'));

const before = requested.length;
await evaluate(`document.querySelector('button[value=approve]').click();`);
let redirect;
for (let i = 0; i < 150 && !redirect; i++) {
  redirect = requested.slice(before).find((u) => u.startsWith('http://localhost:53682/callback'));
  if (!redirect) await sleep(100);
}
if (!redirect) fail(`not sent back to the client; requests: ${requested.slice(before).join(' ')}`);
console.log(JSON.stringify({ redirect, screenshots: files }));
ws.close();
process.exit(0);
