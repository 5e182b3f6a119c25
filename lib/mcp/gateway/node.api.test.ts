// The gateway endpoint as the production server answers it (bin/server.mjs hands /mcp to
// serveMcpRequest, not to Next): a real node:http server in front, the SDK's client, a real
// upstream. Same checks in the same order as the route handlers; JSON answers in one piece,
// streams unbuffered, a client that leaves cancels its call.
import http from 'node:http';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { createPolicySchema } from '@/lib/policy/schemas';
import { createPolicy } from '@/lib/policy/service';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { answerIfMcp, bodyOf, mcpEndpointOf, writeResponse } from './node';

setupTestDb();

let upstream: TestMcpServer;
let org: TestOrg;
let token: string;
let server: http.Server;
let origin: string;
let releaseSlow: () => void = () => {};

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startTestMcpServer({
    stateful: true,
    tools: [
      { name: 'echo', description: 'Echoes text' },
      {
        name: 'chatty',
        description: 'Logs before it answers',
        handler: async (_args, extra) => {
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'error', data: 'heads up' } });
          return { content: [{ type: 'text', text: 'said' }] };
        },
      },
      {
        name: 'slow',
        description: 'Answers when released or cancelled',
        handler: (_args, extra) =>
          new Promise((resolve) => {
            releaseSlow = () => resolve({ content: [{ type: 'text', text: 'released' }] });
            extra.signal.addEventListener('abort', () => resolve({ content: [{ type: 'text', text: 'cancelled' }] }), { once: true });
          }),
      },
    ],
  });
  org = await makeOrg(undefined, 'node-path');
  const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'up', endpoint: upstream.url }));
  await syncConnection(org.ownerCtx, c.id);
  const agentId = (await makeAgent(org)).id;
  ({ token } = await makeAgentToken(org, agentId));
  await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'node', rules_json: { allow: ['up/echo', 'up/slow', 'up/chatty'] } }));
  // As bin/server.mjs: the gateway endpoint answers what it takes; a 404 stands in for Next.
  server = http.createServer((req, res) => {
    if (!answerIfMcp(req, res)) res.writeHead(404, { 'x-answered-by': 'next' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await upstream.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

async function connect(): Promise<Client> {
  const client = new Client({ name: 'node-path-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', origin), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const post = (body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}, path = '/mcp') =>
  fetch(new URL(path, origin), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('mcpEndpointOf', () => {
  it('names the plain and the scoped endpoint, and nothing else', () => {
    expect(mcpEndpointOf('/mcp')).toEqual({ scope: null });
    expect(mcpEndpointOf('/mcp/?x=1')).toEqual({ scope: null });
    expect(mcpEndpointOf('/mcp/o%2D1/e1')).toEqual({ scope: { orgId: 'o-1', envId: 'e1' } });
    expect(mcpEndpointOf('/mcp/o1/e1/')).toEqual({ scope: { orgId: 'o1', envId: 'e1' } });
    for (const other of ['/mcpx', '/mcp/o1', '/mcp/o1/e1/extra', '/mcp/o1/e1/.well-known/mcp/sse', '/api/v1/mcp', '/.well-known/mcp/sse']) {
      expect(mcpEndpointOf(other)).toBeNull();
    }
  });
});

describe('the Node fast path', () => {
  it('lists and calls tools for an MCP client, answering each call as one JSON body with the security headers', async () => {
    const client = await connect();
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect((await client.callTool({ name: 'echo', arguments: { text: 'fast' } })).content).toEqual([{ type: 'text', text: 'echo: fast' }]);
    await client.close();

    const init = await post(initialize, { authorization: `Bearer ${token}` });
    expect(init.status).toBe(200);
    expect(init.headers.get('content-type')).toBe('application/json');
    expect(init.headers.get('x-content-type-options')).toBe('nosniff');
    expect(init.headers.get('x-frame-options')).toBe('DENY');
    expect(init.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await init.json()).toMatchObject({ id: 1, result: { serverInfo: { name: expect.any(String) } } });
  });

  it('checks the credential before the size, refuses oversize bodies with 413, and other methods with 405', async () => {
    const big = new Uint8Array(1024 * 1024 + 10).fill(0x20);
    expect((await post(big)).status).toBe(401);
    const tooLarge = await post(big, { authorization: `Bearer ${token}` });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { code: -32000, message: expect.stringContaining('larger than') } });
    // The same, sent chunked (no Content-Length): read only until it is known to be too large.
    const chunked = await fetch(new URL('/mcp', origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // Methods the endpoint does not have are Next's to answer, as before.
    const put = await fetch(new URL('/mcp', origin), { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    expect(put.headers.get('x-answered-by')).toBe('next');
    const notJson = await post('{"jsonrpc": "2.0", ', { authorization: `Bearer ${token}` });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: -32700 } });
    expect((await post(initialize, { authorization: `Bearer ${token}`, 'content-type': 'text/plain' })).status).toBe(415);
    const jsonl = await post(initialize, { authorization: `Bearer ${token}`, 'content-type': 'application/jsonl' });
    expect(jsonl.status).toBe(415);
    expect(await jsonl.json()).toMatchObject({ error: { code: -32000, message: expect.stringContaining('Unsupported Media Type') } });
    const hostile = await post(initialize, { authorization: `Bearer ${token}`, origin: 'https://evil.example' });
    expect(hostile.status).toBe(403);
    const wrongScope = await post(initialize, { authorization: `Bearer ${token}` }, `/mcp/${org.id}/00000000-0000-4000-8000-000000000000`);
    expect(wrongScope.status).toBe(403);
    expect((await post(initialize, { authorization: `Bearer ${token}` }, `/mcp/${org.id}/${org.envId}`)).status).toBe(200);
  });

  it('opens the standalone GET stream at once', async () => {
    const init = await post(initialize, { authorization: `Bearer ${token}` });
    const session = init.headers.get('mcp-session-id')!;
    const headers = { authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
    const abort = new AbortController();
    const started = Date.now();
    const stream = await fetch(new URL('/mcp', origin), { headers: { ...headers, accept: 'text/event-stream' }, signal: abort.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const first = await stream.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toContain(': stream open');
    expect(Date.now() - started).toBeLessThan(2_000);
    abort.abort();
  });

  it('streams a call slower than a second, and relays the client cancelling it', async () => {
    const init = await post(initialize, { authorization: `Bearer ${token}` });
    const session = init.headers.get('mcp-session-id')!;
    const headers = { authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
    const before = upstream.cancellations.length;
    const started = Date.now();
    const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { text: 'x' } } }), headers);
    // Its headers came while it runs (an event stream), not when it ends.
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(Date.now() - started).toBeLessThan(3_000);
    await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'changed my mind' } }), headers);
    await expect.poll(() => upstream.cancellations.length, { timeout: 5_000 }).toBeGreaterThan(before);
    await response.body?.cancel();
    releaseSlow();
  });

  it('records the peer address, never the one a client claims', async () => {
    const claimed = '203.0.113.66';
    const client = new Client({ name: 'spoofer', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', origin), { requestInit: { headers: { authorization: `Bearer ${token}`, 'x-axs-peer-ip': claimed } } }),
    );
    const result = await client.callTool({ name: 'echo', arguments: { text: 'who' } });
    const runId = (result._meta as Record<string, string>)['agentxsuite/run_id']!;
    await client.close();
    const db = await getDb();
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.organizationId, org.id), eq(auditEvents.eventType, 'run_succeeded')));
    const event = events.find((e) => (e.eventData as { run_id?: string }).run_id === runId)!;
    expect((event.context as { client: string }).client).toBe('127.0.0.1');
  });

  it('answers a request without a credential before reading its body', async () => {
    // Declares a large body and sends none of it: the refusal must not wait for it.
    const socket = net.connect(Number(new URL(origin).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n\r\n`);
    const head = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer before the body was sent')), 3_000);
      socket.once('data', (chunk) => {
        clearTimeout(timer);
        resolve(chunk.toString());
      });
    });
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 401/);
  });

  it('keeps a call that logs before its answer a stream, both messages in order', async () => {
    const init = await post(initialize, { authorization: `Bearer ${token}` });
    const session = init.headers.get('mcp-session-id')!;
    const headers = { authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
    const call = await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'chatty', arguments: { text: 'x' } } }), headers);
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const events = (await call.text())
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { method?: string; id?: number; params?: { data?: unknown }; result?: unknown });
    expect(events.map((e) => e.method ?? `response ${e.id}`)).toEqual(['notifications/message', 'response 3']);
    expect(events[0]!.params!.data).toBe('heads up');
    expect(events[1]!.result).toMatchObject({ content: [{ type: 'text', text: 'said' }] });
  });
});

describe('bodyOf', () => {
  /** A request stream as node:http hands it over (headers, then the body as it arrives). */
  const request = () => {
    const stream = new PassThrough();
    return { stream, req: Object.assign(stream, { headers: {} }) as unknown as http.IncomingMessage };
  };

  it('reads a body whole, and stops just past the cap', async () => {
    const whole = request();
    whole.stream.end('{"a":1}');
    expect((await bodyOf(whole.req)).toString()).toBe('{"a":1}');
    const big = request();
    const read = bodyOf(big.req);
    for (let i = 0; i < 20; i++) big.stream.write(Buffer.alloc(64 * 1024, 0x20));
    expect((await read).length).toBeGreaterThan(1024 * 1024);
    expect((await read).length).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
  });

  it('settles when the client is gone, before or while it is read', async () => {
    const gone = request();
    gone.stream.destroy();
    await expect(bodyOf(gone.req)).rejects.toThrow(/closed the connection/);
    const leaving = request();
    const read = bodyOf(leaving.req);
    leaving.stream.write('{"par');
    leaving.stream.destroy();
    await expect(read).rejects.toThrow(/closed the connection/);
  });
});

describe('writeResponse', () => {
  it('cancels the stream of a client that left before the answer was ready, and of one that leaves while it streams', async () => {
    let cancelled = 0;
    const streamed = () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(': open\n\n'));
          },
          cancel() {
            cancelled++;
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const answered: Promise<void>[] = [];
    const local = http.createServer((req, res) => {
      answered.push(
        (async () => {
          // The answer takes a moment; the first client is gone by then.
          if (req.url === '/late') await new Promise((r) => setTimeout(r, 200));
          await writeResponse(res, streamed());
        })(),
      );
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const port = (local.address() as AddressInfo).port;
    try {
      const early = new AbortController();
      const late = fetch(`http://127.0.0.1:${port}/late`, { signal: early.signal }).catch(() => null);
      await expect.poll(() => answered.length).toBe(1);
      early.abort();
      await late;
      await answered[0];
      expect(cancelled).toBe(1);

      const during = new AbortController();
      const open = await fetch(`http://127.0.0.1:${port}/now`, { signal: during.signal });
      await open.body!.getReader().read();
      during.abort();
      await expect.poll(() => cancelled).toBe(2);
    } finally {
      local.closeAllConnections();
      await new Promise((resolve) => local.close(resolve));
    }
  });
});
