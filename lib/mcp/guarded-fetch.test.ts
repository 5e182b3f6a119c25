// The guarded upstream fetch against real local servers (node:http, node:https, ws, the MCP SDK's
// own server transports). DNS answers are faked through the resolver hook; everything else is real.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { z } from 'zod';
import { ERROR_STATUS } from '@/lib/api/errors';
import { resetEnvCache } from '@/lib/env';
import { judgeAddress } from './address-policy';
import {
  guardedFetch,
  guardedWebSocket,
  setUpstreamHooksForTests,
  UpstreamRequestError,
  type ResolvedAddress,
} from './guarded-fetch';

const BLOCKED_MESSAGE = 'The upstream address is not allowed';
const UNREACHABLE_MESSAGE = 'Could not reach the upstream server';

function allowPrivate(value: boolean): void {
  process.env.UPSTREAM_ALLOW_PRIVATE = String(value);
  resetEnvCache();
}

async function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

async function stop(server: http.Server | net.Server): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function failureOf(promise: Promise<unknown>): Promise<UpstreamRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamRequestError);
    return error as UpstreamRequestError;
  }
  throw new Error('expected the upstream request to fail');
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await stop(server);
  return port;
}

/** Fake DNS: a name maps to a list of answers, one per call (the last one repeats). */
function fakeDns(answers: Record<string, ResolvedAddress[][]>) {
  const calls: string[] = [];
  setUpstreamHooksForTests({
    resolve: async (hostname) => {
      calls.push(hostname);
      const list = answers[hostname];
      if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      const seen = calls.filter((h) => h === hostname).length;
      return list[Math.min(seen, list.length) - 1]!;
    },
  });
  return calls;
}
const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });

// --- the upstream server used by most cases -------------------------------------------------------
let releaseSecondEvent: () => void = () => {};
let lastHost: string | undefined;

const upstream = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  lastHost = req.headers.host;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    switch (url.pathname) {
      case '/hello':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
        return;
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
        return;
      case '/redirect':
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to')! }).end();
        return;
      case '/chain': {
        const n = Number(url.searchParams.get('n'));
        if (n > 0) res.writeHead(302, { location: `/chain?n=${n - 1}` }).end();
        else res.writeHead(200).end('end of chain');
        return;
      }
      case '/big': {
        const bytes = Number(url.searchParams.get('bytes'));
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream' };
        if (url.searchParams.get('cl')) headers['content-length'] = bytes;
        res.writeHead(200, headers);
        const chunk = Buffer.alloc(16 * 1024, 0x61);
        let sent = 0;
        const pump = () => {
          while (sent < bytes) {
            const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      case '/gzip': {
        const packed = zlib.gzipSync(Buffer.alloc(Number(url.searchParams.get('bytes')), 0x61));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': packed.length });
        res.end(packed);
        return;
      }
      case '/sse': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('event: first\ndata: one\n\n');
        // The second event waits for the test to have read the first: proof of streaming.
        new Promise<void>((resolve) => (releaseSecondEvent = resolve)).then(() => {
          res.write('data: two\r\n\r\n');
          res.end();
        });
        return;
      }
      case '/sse-many': {
        // 20 events of 1 KiB: 20 KiB in all, above a 4 KiB cap that applies per event.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < 20; i++) res.write(`data: ${'x'.repeat(1024)}\n\n`);
        res.end();
        return;
      }
      case '/sse-big':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: small\n\n');
        res.write(`data: ${'x'.repeat(8 * 1024)}\n\n`);
        res.end();
        return;
      case '/silent':
        return; // never answers
      default:
        res.writeHead(404).end('not found');
    }
  });
});

let port: number;
let base: string;

beforeAll(async () => {
  port = await listen(upstream);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await stop(upstream);
});
beforeEach(() => allowPrivate(true));
afterEach(() => {
  setUpstreamHooksForTests(undefined);
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

describe('address policy', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['64:ff9b::808:808', 'public'], // NAT64 of 8.8.8.8
    ['127.0.0.1', 'private'],
    ['127.255.0.9', 'private'],
    ['::1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
  ])('%s is %s', (address, scope) => {
    expect(judgeAddress(address, true)).toEqual({ allowed: true, scope });
    expect(judgeAddress(address, false).allowed).toBe(scope === 'public');
  });

  it.each([
    '169.254.169.254',
    '169.254.170.2',
    '169.254.1.1',
    'fd00:ec2::254',
    '100.100.100.200',
    '168.63.129.16',
    'fe80::1',
    'fe80::1%eth0',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
    '0.0.0.0',
    '0.1.2.3',
    '::',
    '224.0.0.1',
    'ff02::1',
    '255.255.255.255',
    '240.0.0.1',
    '192.0.2.1',
    '2001:db8::1',
    '2002:a9fe:a9fe::1', // 6to4
    '::a9fe:a9fe', // IPv4-compatible (deprecated)
    'not-an-ip',
  ])('%s is refused even with UPSTREAM_ALLOW_PRIVATE', (address) => {
    expect(judgeAddress(address, true).allowed).toBe(false);
    expect(judgeAddress(address, false).allowed).toBe(false);
  });
});

describe('guardedFetch', () => {
  it('reaches a loopback server when UPSTREAM_ALLOW_PRIVATE=true, as fetch would', async () => {
    const res = await guardedFetch(`${base}/hello`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.url).toBe(`${base}/hello`);
    expect(res.redirected).toBe(false);
    expect(await res.text()).toBe('hello');

    const posted = await guardedFetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes', host: 'evil.example' },
      body: JSON.stringify({ a: 1 }),
    });
    const echo = (await posted.json()) as { method: string; headers: Record<string, string>; body: string };
    expect(echo).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(echo.headers).toMatchObject({ 'x-test': 'yes', 'content-type': 'application/json', host: `127.0.0.1:${port}` });

    // Bodies as fetch sends them: a string without a type is text/plain, bytes have none; both exact (UTF-8).
    const text = (await (await guardedFetch(`${base}/echo`, { method: 'POST', body: 'héllo ✓' })).json()) as typeof echo;
    expect(text).toMatchObject({ body: 'héllo ✓', headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': String(Buffer.byteLength('héllo ✓')) } });
    const bytes = (await (await guardedFetch(`${base}/echo`, { method: 'POST', body: new TextEncoder().encode('raw ✓') })).json()) as typeof echo;
    expect(bytes.body).toBe('raw ✓');
    expect(bytes.headers['content-type']).toBeUndefined();
  });

  it('refuses loopback without UPSTREAM_ALLOW_PRIVATE, without contacting it', async () => {
    allowPrivate(false);
    lastHost = undefined;
    for (const url of [`${base}/hello`, `http://localhost:${port}/hello`, `http://[::1]:${port}/`, `http://0x7f.1:${port}/`]) {
      const error = await failureOf(guardedFetch(url));
      expect(error).toMatchObject({ reason: 'blocked_address', code: 'invalid_input', message: BLOCKED_MESSAGE });
      expect(error.status).toBe(400);
    }
    expect(lastHost).toBeUndefined();
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://2852039166/', // 169.254.169.254 written as a number
  ])('refuses %s even with UPSTREAM_ALLOW_PRIVATE', async (url) => {
    const error = await failureOf(guardedFetch(url));
    expect(error).toMatchObject({ reason: 'blocked_address', message: BLOCKED_MESSAGE });
  });

  it('refuses a host name that resolves to a blocked address, or to one among several', async () => {
    fakeDns({
      'metadata.test': [[v4('169.254.169.254')]],
      'mixed.test': [[v4('127.0.0.1'), v4('169.254.169.254')]],
    });
    for (const host of ['metadata.test', 'mixed.test']) {
      const error = await failureOf(guardedFetch(`http://${host}:${port}/hello`));
      expect(error).toMatchObject({ reason: 'blocked_address', message: BLOCKED_MESSAGE });
    }
    allowPrivate(false);
    fakeDns({ 'internal.test': [[v4('10.0.0.5')]] });
    expect(await failureOf(guardedFetch('http://internal.test/'))).toMatchObject({ reason: 'blocked_address' });
  });

  it('pins the checked address: a second DNS answer (rebinding) is never used', async () => {
    const calls = fakeDns({ 'rebind.test': [[v4('127.0.0.1')], [v4('169.254.169.254')]] });
    const res = await guardedFetch(`http://rebind.test:${port}/hello`);
    expect(await res.text()).toBe('hello');
    expect(calls).toEqual(['rebind.test']);
    expect(lastHost).toBe(`rebind.test:${port}`); // the name travels in Host; the IP was connected to
    // The next request resolves again and gets the bad answer.
    expect(await failureOf(guardedFetch(`http://rebind.test:${port}/hello`))).toMatchObject({ reason: 'blocked_address' });
  });

  it('gives an unresolvable name the generic unreachable error', async () => {
    fakeDns({});
    const error = await failureOf(guardedFetch('http://nowhere.test/'));
    expect(error).toMatchObject({ reason: 'unreachable', code: 'upstream_error', message: UNREACHABLE_MESSAGE });
    expect(error.status).toBe(502);
  });

  it('follows allowed redirects, re-checking each, and switches 303 to GET', async () => {
    const res = await guardedFetch(`${base}/redirect?to=${encodeURIComponent('/echo')}&status=303`, { method: 'POST', body: 'x' });
    expect(res.redirected).toBe(true);
    expect(res.url).toBe(`${base}/echo`);
    expect(await res.json()).toMatchObject({ method: 'GET', body: '' });

    const kept = await guardedFetch(`${base}/redirect?to=${encodeURIComponent('/echo')}&status=307`, { method: 'POST', body: 'x' });
    expect(await kept.json()).toMatchObject({ method: 'POST', body: 'x' });
  });

  it('refuses a redirect to a blocked address', async () => {
    for (const to of ['http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'file:///etc/passwd', 'http://u:p@127.0.0.1/']) {
      const error = await failureOf(guardedFetch(`${base}/redirect?to=${encodeURIComponent(to)}`));
      expect(error).toMatchObject({ reason: 'bad_redirect', code: 'upstream_error' });
    }
    // A redirect to a name whose DNS answer is blocked (the common rebinding-by-redirect trick).
    fakeDns({ 'meta.test': [[v4('169.254.169.254')]] });
    const error = await failureOf(guardedFetch(`${base}/redirect?to=${encodeURIComponent('http://meta.test/latest/')}`));
    expect(error).toMatchObject({
      reason: 'bad_redirect',
      message: 'The upstream server redirected to an address that is not allowed',
    });
  });

  it('follows at most 5 redirects', async () => {
    const five = await guardedFetch(`${base}/chain?n=5`);
    expect(await five.text()).toBe('end of chain');
    const error = await failureOf(guardedFetch(`${base}/chain?n=6`));
    expect(error).toMatchObject({ reason: 'bad_redirect', message: 'The upstream server redirected too many times' });
  });

  it("returns the redirect itself with redirect: 'manual' and fails with 'error'", async () => {
    const res = await guardedFetch(`${base}/chain?n=1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/chain?n=0');
    expect(await failureOf(guardedFetch(`${base}/chain?n=1`, { redirect: 'error' }))).toMatchObject({ reason: 'bad_redirect' });
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    fakeDns({ 'a.test': [[v4('127.0.0.1')]], 'b.test': [[v4('127.0.0.1')]] });
    const headers = { authorization: 'Bearer secret', cookie: 'c=1', 'x-other': 'kept' };
    const same = await guardedFetch(`http://a.test:${port}/redirect?to=${encodeURIComponent('/echo')}`, { headers });
    expect(((await same.json()) as any).headers).toMatchObject({ authorization: 'Bearer secret', cookie: 'c=1' });
    const other = await guardedFetch(`http://a.test:${port}/redirect?to=${encodeURIComponent(`http://b.test:${port}/echo`)}`, { headers });
    const echoed = ((await other.json()) as any).headers;
    expect(echoed.authorization).toBeUndefined();
    expect(echoed.cookie).toBeUndefined();
    expect(echoed['x-other']).toBe('kept');
  });

  it('refuses a response over the cap: at once with Content-Length, mid-stream without', async () => {
    const announced = await failureOf(guardedFetch(`${base}/big?bytes=20000&cl=1`, { maxResponseBytes: 10_000 }));
    expect(announced).toMatchObject({ reason: 'too_large', message: 'The upstream response is too large' });

    const res = await guardedFetch(`${base}/big?bytes=200000`, { maxResponseBytes: 100_000 });
    expect(res.status).toBe(200);
    expect(await failureOf(res.arrayBuffer())).toMatchObject({ reason: 'too_large' });

    const fits = await guardedFetch(`${base}/big?bytes=100000`, { maxResponseBytes: 100_000 });
    expect((await fits.arrayBuffer()).byteLength).toBe(100_000);
  });

  it('counts decompressed bytes against the cap (a small gzip body that inflates too far)', async () => {
    const ok = await guardedFetch(`${base}/gzip?bytes=5000`, { maxResponseBytes: 10_000 });
    expect(await ok.text()).toBe('a'.repeat(5000));
    const bomb = await guardedFetch(`${base}/gzip?bytes=5000000`, { maxResponseBytes: 10_000 });
    expect(await failureOf(bomb.text())).toMatchObject({ reason: 'too_large' });
  });

  it('streams server-sent events as they arrive, with no deadline once the stream is open', async () => {
    const res = await guardedFetch(`${base}/sse`, { headers: { accept: 'text/event-stream' }, timeoutMs: 300 });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    expect(text).toBe('event: first\ndata: one\n\n'); // read before the server has sent the second
    await new Promise((resolve) => setTimeout(resolve, 500)); // longer than timeoutMs
    releaseSecondEvent();
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += part.value;
    expect(text).toBe('event: first\ndata: one\n\ndata: two\r\n\r\n');
  });

  it('caps event streams per event, not in total', async () => {
    const many = await guardedFetch(`${base}/sse-many`, { maxResponseBytes: 4096 });
    expect((await many.text()).length).toBeGreaterThan(20 * 1024);
    const big = await guardedFetch(`${base}/sse-big`, { maxResponseBytes: 4096 });
    expect(await failureOf(big.text())).toMatchObject({ reason: 'too_large' });
  });

  it('answers a closed port and an open one on a blocked address with the same error', async () => {
    allowPrivate(false);
    const open = await failureOf(guardedFetch(`${base}/hello`));
    const closed = await failureOf(guardedFetch(`http://127.0.0.1:${await closedPort()}/`));
    expect({ reason: closed.reason, message: closed.message, status: closed.status, details: closed.details }).toEqual({
      reason: open.reason,
      message: open.message,
      status: open.status,
      details: open.details,
    });
    expect(open.message).toBe(BLOCKED_MESSAGE);
  });

  it('answers refused, silent, non-HTTP and unresolvable private targets alike when they are allowed', async () => {
    const silent = net.createServer((socket) => socket.resume()); // accepts and reads, never answers
    const ssh = net.createServer((socket) => socket.resume().end('SSH-2.0-OpenSSH_9.2\r\n'));
    const [silentPort, sshPort] = [await listen(silent), await listen(ssh)];
    fakeDns({});
    try {
      const errors = await Promise.all([
        failureOf(guardedFetch(`http://127.0.0.1:${await closedPort()}/`, { timeoutMs: 400 })),
        failureOf(guardedFetch(`http://127.0.0.1:${silentPort}/`, { timeoutMs: 400 })),
        failureOf(guardedFetch(`http://127.0.0.1:${sshPort}/`, { timeoutMs: 400 })),
        failureOf(guardedFetch(`${base}/silent`, { timeoutMs: 400 })),
        failureOf(guardedFetch('http://nowhere.test/', { timeoutMs: 400 })),
      ]);
      for (const error of errors) {
        expect({ reason: error.reason, message: error.message, status: error.status }).toEqual({
          reason: 'unreachable',
          message: UNREACHABLE_MESSAGE,
          status: ERROR_STATUS.upstream_error,
        });
      }
    } finally {
      await Promise.all([stop(silent), stop(ssh)]);
    }
  });

  it('refuses credentials in the URL and schemes other than http(s)', async () => {
    expect(await failureOf(guardedFetch(`http://user:pass@127.0.0.1:${port}/hello`))).toMatchObject({
      reason: 'invalid_url',
      code: 'invalid_input',
      message: 'The upstream URL must not contain credentials',
    });
    expect(await failureOf(guardedFetch(`http://user@127.0.0.1:${port}/hello`))).toMatchObject({ reason: 'invalid_url' });
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/', `ws://127.0.0.1:${port}/`, 'gopher://x/', 'not a url']) {
      expect(await failureOf(guardedFetch(url))).toMatchObject({ reason: 'invalid_url' });
    }
  });

  it("passes the caller's abort through as fetch does", async () => {
    const controller = new AbortController();
    const pending = guardedFetch(`${base}/silent`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

    const res = await guardedFetch(`${base}/sse`, { signal: controller.signal }).catch((e: unknown) => e);
    expect(res).toMatchObject({ name: 'AbortError' }); // already aborted
  });
});

describe('guardedFetch over TLS', () => {
  let dir: string;
  let tlsServer: https.Server;
  let tlsPort: number;
  let cert: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-subj', '/CN=upstream.test', '-addext', 'subjectAltName=DNS:upstream.test',
    ], { stdio: 'ignore' });
    cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    tlsServer = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
      res.end(`tls ok, sni ${(req.socket as import('node:tls').TLSSocket).servername}`);
    });
    tlsPort = await listen(tlsServer);
  });
  afterAll(async () => {
    await stop(tlsServer);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the certificate against the host name although it connects to the pinned IP', async () => {
    setUpstreamHooksForTests({ resolve: async () => [v4('127.0.0.1')], ca: cert });
    const res = await guardedFetch(`https://upstream.test:${tlsPort}/`);
    expect(await res.text()).toBe('tls ok, sni upstream.test');
    // Same address, another name: the certificate does not match it.
    expect(await failureOf(guardedFetch(`https://other.test:${tlsPort}/`))).toMatchObject({ reason: 'unreachable' });
    // Without our CA the self-signed certificate is not trusted.
    setUpstreamHooksForTests({ resolve: async () => [v4('127.0.0.1')] });
    expect(await failureOf(guardedFetch(`https://upstream.test:${tlsPort}/`))).toMatchObject({ reason: 'unreachable' });
  });
});

describe('guardedWebSocket', () => {
  let wss: WebSocketServer;
  let wsPort: number;
  let wsHost: string | undefined;

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wsPort = (wss.address() as net.AddressInfo).port;
    wss.on('connection', (socket, req) => {
      wsHost = req.headers.host;
      socket.on('message', (data) => {
        const text = String(data);
        socket.send(text === 'big' ? 'y'.repeat(64 * 1024) : `echo ${text}`);
      });
    });
  });
  afterAll(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  const opened = (socket: WebSocket) =>
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  const nextMessage = (socket: WebSocket) => new Promise<string>((resolve) => socket.once('message', (d) => resolve(String(d))));

  it('connects to an allowed server and exchanges messages', async () => {
    const socket = await guardedWebSocket(`ws://127.0.0.1:${wsPort}/`);
    await opened(socket);
    socket.send('hi');
    expect(await nextMessage(socket)).toBe('echo hi');
    socket.close();
  });

  it('refuses blocked addresses: loopback without the setting, metadata and link-local always', async () => {
    for (const url of ['ws://169.254.169.254/', 'ws://[fe80::1]/', 'wss://[::ffff:169.254.169.254]/']) {
      expect(await failureOf(guardedWebSocket(url))).toMatchObject({ reason: 'blocked_address', message: BLOCKED_MESSAGE });
    }
    allowPrivate(false);
    expect(await failureOf(guardedWebSocket(`ws://127.0.0.1:${wsPort}/`))).toMatchObject({ reason: 'blocked_address' });
    for (const url of [`http://127.0.0.1:${wsPort}/`, `ws://u:p@127.0.0.1:${wsPort}/`]) {
      expect(await failureOf(guardedWebSocket(url))).toMatchObject({ reason: 'invalid_url' });
    }
  });

  it('pins the checked address of a name', async () => {
    const calls = fakeDns({ 'ws.test': [[v4('127.0.0.1')], [v4('169.254.169.254')]] });
    const socket = await guardedWebSocket(`ws://ws.test:${wsPort}/`);
    await opened(socket);
    expect(calls).toEqual(['ws.test']);
    expect(wsHost).toBe(`ws.test:${wsPort}`);
    socket.close();
    expect(await failureOf(guardedWebSocket(`ws://ws.test:${wsPort}/`))).toMatchObject({ reason: 'blocked_address' });
  });

  it('reports a failed handshake as the generic unreachable error', async () => {
    const socket = await guardedWebSocket(`ws://127.0.0.1:${await closedPort()}/`);
    const error = await opened(socket).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRequestError);
    expect(error).toMatchObject({ reason: 'unreachable', message: UNREACHABLE_MESSAGE });
  });

  it('closes the connection on a message over the cap', async () => {
    const socket = await guardedWebSocket(`ws://127.0.0.1:${wsPort}/`, undefined, { maxPayload: 1024 });
    await opened(socket);
    const failed = new Promise<unknown>((resolve) => socket.once('error', resolve));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.send('big');
    expect(await failed).toMatchObject({ code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }); // ws sends close 1009
    await closed;
  });
});

describe('MCP SDK transports with guardedFetch', () => {
  function mcpServer() {
    const server = new McpServer({ name: 'guarded-test', version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: 'Echoes text', inputSchema: { text: z.string() } },
      async ({ text }) => ({ content: [{ type: 'text' as const, text: `echo: ${text}` }] }),
    );
    return server;
  }

  it('Streamable HTTP: initialize, list and call tools through guardedFetch', async () => {
    const httpServer = http.createServer(async (req, res) => {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const server = mcpServer();
      res.on('close', () => void transport.close().then(() => server.close()));
      await server.connect(transport);
      await transport.handleRequest(req, res);
    });
    const mcpPort = await listen(httpServer);
    const calls = fakeDns({ 'mcp.test': [[v4('127.0.0.1')]] });
    const client = new Client({ name: 'gateway-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://mcp.test:${mcpPort}/mcp`), { fetch: guardedFetch }));
      expect(client.getServerVersion()).toMatchObject({ name: 'guarded-test' });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['echo']);
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect(result.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
      expect(calls.length).toBeGreaterThan(0);
    } finally {
      await client.close();
      await stop(httpServer);
    }
  });

  it('Streamable HTTP: a blocked server fails to connect with the blocked error', async () => {
    allowPrivate(false);
    const client = new Client({ name: 'gateway-test', version: '1.0.0' });
    const error = await client
      .connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { fetch: guardedFetch }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRequestError);
    expect(error).toMatchObject({ reason: 'blocked_address' });
  });

  it('legacy HTTP+SSE: the event stream and the posts go through guardedFetch', async () => {
    const sessions = new Map<string, SSEServerTransport>();
    const httpServer = http.createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/sse') {
        const transport = new SSEServerTransport('/messages', res);
        sessions.set(transport.sessionId, transport);
        await mcpServer().connect(transport);
        return;
      }
      const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) return void res.writeHead(404).end();
      await transport.handlePostMessage(req, res);
    });
    const ssePort = await listen(httpServer);
    const seen: string[] = [];
    const counting = (url: string | URL, init?: RequestInit) => {
      seen.push(new URL(url).pathname);
      return guardedFetch(url, init);
    };
    const client = new Client({ name: 'gateway-test', version: '1.0.0' });
    try {
      await client.connect(new SSEClientTransport(new URL(`http://127.0.0.1:${ssePort}/sse`), { fetch: counting }));
      const result = await client.callTool({ name: 'echo', arguments: { text: 'sse' } });
      expect(result.content).toEqual([{ type: 'text', text: 'echo: sse' }]);
      expect(seen).toContain('/sse');
      expect(seen).toContain('/messages');
    } finally {
      await client.close();
      await stop(httpServer);
    }
  });
});
