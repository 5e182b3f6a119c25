// WebSseServerTransport against the SDK's own SSE client: a node:http server converts Node req/res
// to web Request/Response exactly as a route handler would see them (GET → response() piped into
// res with backpressure and cancel on disconnect; POST → handlePostMessage), with an McpServer
// connected to each session's transport.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { SSE_RESPONSE_HEADERS, SseQueueOverflowError, WebSseServerTransport, type WebSseServerTransportOptions } from './sse-transport';

// ---------------------------------------------------------------------------------------------
// Node ⇄ web adapter (what Next.js does for route handlers)

function toWebRequest(req: http.IncomingMessage, url: URL): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>) : undefined,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
}

async function writeWebResponse(response: Response, res: http.ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end();
  } catch {
    res.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// A tiny gateway: GET /sse, POST /messages?sessionId=…

interface Gateway {
  port: number;
  base: string;
  sessions: Map<string, WebSseServerTransport>;
  /** Transports in creation order. */
  transports: WebSseServerTransport[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function echoServer(): McpServer {
  const server = new McpServer({ name: 'sse-fixture', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text' as const, text: `echo: ${text}` }],
  }));
  return server;
}

async function startGateway(
  options: Omit<WebSseServerTransportOptions, 'messagesUrl'> = {},
  hook?: (transport: WebSseServerTransport) => void,
): Promise<Gateway> {
  const sessions = new Map<string, WebSseServerTransport>();
  const transports: WebSseServerTransport[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new WebSseServerTransport({ ...options, messagesUrl: '/messages' });
      transports.push(transport);
      sessions.set(transport.sessionId, transport);
      // Installed before connect(): the SDK's Protocol chains handlers that exist at connect time.
      transport.onclose = () => sessions.delete(transport.sessionId);
      hook?.(transport);
      await echoServer().connect(transport);
      await writeWebResponse(transport.response(), res);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) {
        res.writeHead(404).end('Session not found');
        return;
      }
      await writeWebResponse(await transport.handlePostMessage(toWebRequest(req, url)), res);
      return;
    }
    res.writeHead(404).end();
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  cleanups.push(async () => {
    for (const transport of transports) await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port, base: `http://127.0.0.1:${port}`, sessions, transports };
}

/** Reads an SSE stream as text until `until` matches what arrived so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!until(text)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out; got so far: ${JSON.stringify(text)}`);
    const result = await Promise.race([
      reader.read(),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), remaining)),
    ]);
    if (result === 'timeout') continue;
    if (result.done) throw new Error(`stream ended; got: ${JSON.stringify(text)}`);
    text += decoder.decode(result.value, { stream: true });
  }
  return text;
}

async function openStream(gw: Gateway): Promise<{ response: Response; reader: ReadableStreamDefaultReader<Uint8Array>; messagesUrl: string; abort: () => void }> {
  const controller = new AbortController();
  const response = await fetch(`${gw.base}/sse`, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
  const reader = response.body!.getReader();
  const text = await readUntil(reader, (t) => t.includes('\n\n'));
  const data = /^event: endpoint\ndata: (.*)\n\n/.exec(text)?.[1];
  if (!data) throw new Error(`no endpoint event in ${JSON.stringify(text)}`);
  cleanups.push(() => controller.abort());
  return { response, reader, messagesUrl: new URL(data, gw.base).href, abort: () => controller.abort() };
}

const post = (url: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body });

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------

describe('WebSseServerTransport with the SDK SSE client', () => {
  it('initialize, tools/list and tools/call round trip', async () => {
    const gw = await startGateway();
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${gw.base}/sse`)));
    cleanups.push(() => client.close());

    expect(client.getServerVersion()?.name).toBe('sse-fixture');
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
    await expect(client.ping()).resolves.toEqual({});
    expect(gw.sessions.size).toBe(1);
  });

  it('first event is endpoint with the session id; SSE headers are set', async () => {
    const gw = await startGateway();
    const { response, messagesUrl } = await openStream(gw);
    expect(response.status).toBe(200);
    for (const [name, value] of Object.entries(SSE_RESPONSE_HEADERS)) expect(response.headers.get(name)).toBe(value);
    const transport = gw.transports[0]!;
    expect(transport.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(messagesUrl).toBe(`${gw.base}/messages?sessionId=${transport.sessionId}`);
  });

  it('writes keep-alive comments while idle', async () => {
    const gw = await startGateway({ keepAliveMs: 20 });
    const { reader } = await openStream(gw);
    const text = await readUntil(reader, (t) => (t.match(/: keepalive\n\n/g) ?? []).length >= 2);
    expect(text.startsWith(': keepalive\n\n')).toBe(true);
  });

  it('client disconnect closes the session once and stops the timers', async () => {
    const closes = vi.fn();
    const gw = await startGateway({ keepAliveMs: 20 }, (t) => {
      const previous = t.onclose;
      t.onclose = () => {
        previous?.();
        closes();
      };
    });
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    cleanups.push(() => clearSpy.mockRestore());
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${gw.base}/sse`)));
    await client.listTools();
    const transport = gw.transports[0]!;
    await client.close();

    await waitFor(() => closes.mock.calls.length > 0);
    expect(transport.isClosed).toBe(true);
    expect(gw.sessions.size).toBe(0);
    expect(clearSpy).toHaveBeenCalled();
    await sleep(60);
    await transport.close();
    expect(closes).toHaveBeenCalledTimes(1);
    await expect(transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } })).rejects.toThrow('Not connected');
  });

  describe('bad POSTs', () => {
    it('malformed JSON → 400 -32700', async () => {
      const gw = await startGateway();
      const { messagesUrl } = await openStream(gw);
      const response = await post(messagesUrl, '{"jsonrpc": "2.0", ');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    });

    it('invalid JSON-RPC → 400 -32600', async () => {
      const gw = await startGateway();
      const { messagesUrl } = await openStream(gw);
      for (const body of ['{"hello":"world"}', '{"jsonrpc":"1.0","id":1,"method":"ping"}', '42', '[]', '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"x":1}]']) {
        const response = await post(messagesUrl, body);
        expect(response.status, body).toBe(400);
        expect(await response.json()).toMatchObject({ error: { code: -32600 } });
      }
    });

    it('body over maxMessageBytes → 413, declared or streamed', async () => {
      const gw = await startGateway({ maxMessageBytes: 1024 });
      const { messagesUrl } = await openStream(gw);
      const big = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: 'x'.repeat(2000) } });
      const declared = await post(messagesUrl, big);
      expect(declared.status).toBe(413);
      expect(await declared.json()).toMatchObject({ error: { code: -32000 } });

      // Chunked, no Content-Length: the read stops once over the limit.
      const chunk = new TextEncoder().encode('x'.repeat(600));
      let pulls = 0;
      const streamed = await fetch(messagesUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: new ReadableStream<Uint8Array>({
          pull(controller) {
            pulls += 1;
            if (pulls > 100) controller.close();
            else controller.enqueue(chunk);
          },
        }),
        duplex: 'half',
      } as RequestInit & { duplex: 'half' });
      expect(streamed.status).toBe(413);
    });

    it('wrong content type → 415', async () => {
      const gw = await startGateway();
      const { messagesUrl } = await openStream(gw);
      const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
      for (const contentType of ['text/plain', 'text/plain; a=application/json', 'application/json; charset=latin1', '']) {
        const response = await post(messagesUrl, ping, contentType ? { 'Content-Type': contentType } : {});
        expect(response.status, contentType).toBe(415);
        expect(await response.json()).toMatchObject({ error: { code: -32000 } });
      }
      const ok = await post(messagesUrl, ping, { 'Content-Type': 'Application/JSON; charset=UTF-8' });
      expect(ok.status).toBe(202);
    });

    it('a POST to a closed session → 404', async () => {
      const transport = new WebSseServerTransport({ messagesUrl: '/messages' });
      await transport.close();
      const response = await transport.handlePostMessage(
        new Request('http://localhost/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' }),
      );
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: -32001 } });
    });
  });

  it('a batch is delivered element by element and answered on the stream', async () => {
    const seen: { message: JSONRPCMessage; extra?: MessageExtraInfo }[] = [];
    const gw = await startGateway({}, (t) => {
      t.onmessage = (message, extra) => seen.push({ message, extra });
    });
    const { reader, messagesUrl } = await openStream(gw);
    const initialize = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    expect((await post(messagesUrl, JSON.stringify(initialize))).status).toBe(202);
    await readUntil(reader, (t) => t.includes('"id":0'));
    const batch = [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    ];
    const response = await post(messagesUrl, JSON.stringify(batch), { 'Content-Type': 'application/json', 'X-Probe': 'yes' });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('Accepted');
    const text = await readUntil(reader, (t) => t.includes('"id":1') && t.includes('"id":2'));
    const events = text.split('\n\n').filter((e) => e.startsWith('event: message\ndata: '));
    const messages = events.map((e) => JSON.parse(e.slice('event: message\ndata: '.length)) as { id: number; result: unknown });
    expect(messages.find((m) => m.id === 1)?.result).toEqual({});
    expect(messages.find((m) => m.id === 2)?.result).toMatchObject({ tools: [{ name: 'echo' }] });

    expect(seen.map((s) => s.message)).toEqual([initialize, ...batch]);
    expect(seen[2]!.extra?.requestInfo?.headers['x-probe']).toBe('yes');
    expect(seen[2]!.extra?.requestInfo?.url?.searchParams.get('sessionId')).toBe(gw.transports[0]!.sessionId);
  });

  it('a client that stops reading overflows the queue: onerror, then onclose, socket dropped', async () => {
    const order: string[] = [];
    const gw = await startGateway({ maxQueuedMessages: 8, keepAliveMs: 0 }, (t) => {
      const previousClose = t.onclose;
      t.onclose = () => {
        previousClose?.();
        order.push('close');
      };
      t.onerror = (error) => order.push(`error:${error.name}`);
    });
    const socket = net.connect(gw.port, '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    socket.write('GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    await new Promise<void>((resolve) => {
      let text = '';
      const onData = (data: Buffer) => {
        text += data.toString();
        if (text.includes('event: endpoint')) {
          socket.off('data', onData);
          socket.pause();
          resolve();
        }
      };
      socket.on('data', onData);
    });
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const transport = gw.transports[0]!;
    const notification = { jsonrpc: '2.0' as const, method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(256 * 1024) } };
    let sent = 0;
    let failure: unknown;
    while (sent < 2000) {
      try {
        await transport.send(notification);
      } catch (error) {
        failure = error;
        break;
      }
      sent += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(failure).toBeInstanceOf(SseQueueOverflowError);
    expect(sent).toBeGreaterThan(8); // the socket buffers took some before the queue filled
    expect(order).toEqual(['error:SseQueueOverflowError', 'close']);
    expect(transport.isClosed).toBe(true);
    expect(gw.sessions.size).toBe(0);
    // The server dropped the connection: once the client reads again it sees the end.
    socket.resume();
    await socketClosed;
  });

  it('a client that keeps reading never overflows a small queue', async () => {
    const gw = await startGateway({ maxQueuedMessages: 4, keepAliveMs: 0 });
    const { reader } = await openStream(gw);
    const transport = gw.transports[0]!;
    const payload = 'y'.repeat(64 * 1024);
    // Count message events as they stream by, keeping only a short tail (no quadratic buffering).
    const reading = (async () => {
      const decoder = new TextDecoder();
      let tail = '';
      let events = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) throw new Error('stream ended');
        const text = tail + decoder.decode(value, { stream: true });
        events += text.split('event: message\n').length - 1;
        if (text.includes('"data":"done"')) return events;
        tail = text.slice(-32).replace(/event: message\n/g, '');
      }
    })();
    for (let i = 0; i < 200; i += 1) {
      await transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: payload } });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'done' } });
    expect(await reading).toBe(201);
    expect(transport.isClosed).toBe(false);
  });
});

describe('WebSseServerTransport unit behaviour', () => {
  const decoder = new TextDecoder();

  it('announces absolute and relative endpoints, replacing an existing sessionId', () => {
    const relative = new WebSseServerTransport({ messagesUrl: '/mcp/o/e/.well-known/mcp/messages?sessionId=evil&x=1', sessionId: 'abc' });
    expect(relative.endpoint).toBe('/mcp/o/e/.well-known/mcp/messages?sessionId=abc&x=1');
    const absolute = new WebSseServerTransport({ messagesUrl: 'https://gw.example/.well-known/mcp/messages', sessionId: 'a b' });
    expect(absolute.endpoint).toBe('https://gw.example/.well-known/mcp/messages?sessionId=a+b');
  });

  it('queues while unread and closes on overflow (onerror before onclose)', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m', maxQueuedMessages: 3 });
    const order: string[] = [];
    transport.onerror = (e) => order.push(`error:${e.name}`);
    transport.onclose = () => order.push('close');
    const response = transport.response();
    for (let i = 0; i < 3; i += 1) await transport.send({ jsonrpc: '2.0', id: i, result: {} });
    await expect(transport.send({ jsonrpc: '2.0', id: 3, result: {} })).rejects.toBeInstanceOf(SseQueueOverflowError);
    expect(order).toEqual(['error:SseQueueOverflowError', 'close']);
    await expect(response.text()).rejects.toThrow();
  });

  it('caps queued bytes too', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m', maxQueuedBytes: 10_000 });
    transport.response();
    await transport.send({ jsonrpc: '2.0', id: 1, result: { data: 'x'.repeat(4000) } });
    await transport.send({ jsonrpc: '2.0', id: 2, result: { data: 'x'.repeat(4000) } });
    await expect(transport.send({ jsonrpc: '2.0', id: 3, result: { data: 'x'.repeat(4000) } })).rejects.toBeInstanceOf(SseQueueOverflowError);
  });

  it('close() is idempotent, fires onclose once and ends the stream after what was queued', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m', sessionId: 's1' });
    const onclose = vi.fn();
    transport.onclose = onclose;
    const response = transport.response();
    await transport.send({ jsonrpc: '2.0', id: 1, result: {} });
    await transport.close();
    await transport.close();
    expect(onclose).toHaveBeenCalledTimes(1);
    expect(await response.text()).toBe('event: endpoint\ndata: /m?sessionId=s1\n\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');
  });

  it('stream cancellation (client gone) fires onclose once', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m' });
    const onclose = vi.fn();
    transport.onclose = onclose;
    const reader = transport.response().body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toMatch(/^event: endpoint\n/);
    await reader.cancel();
    await transport.close();
    expect(onclose).toHaveBeenCalledTimes(1);
    expect(transport.isClosed).toBe(true);
  });

  it('an aborted request signal closes the session', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m' });
    const onclose = vi.fn();
    transport.onclose = onclose;
    const controller = new AbortController();
    transport.response({ signal: controller.signal });
    controller.abort();
    expect(onclose).toHaveBeenCalledTimes(1);
  });

  it('response() only once; start() only once', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m' });
    transport.response();
    expect(() => transport.response()).toThrow();
    await transport.start();
    await expect(transport.start()).rejects.toThrow('already started');
    await transport.close();
  });

  it('uses parsedBody without reading the body, and passes authInfo and headers', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m' });
    const seen: { message: JSONRPCMessage; extra?: MessageExtraInfo }[] = [];
    transport.onmessage = (message, extra) => seen.push({ message, extra });
    const req = new Request('http://localhost/m?sessionId=x', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: 'not json' });
    const authInfo = { token: 't', clientId: 'agent-1', scopes: [] };
    const response = await transport.handlePostMessage(req, [{ jsonrpc: '2.0', id: 'a', method: 'ping' }], { authInfo });
    expect(response.status).toBe(202);
    expect(req.bodyUsed).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.message).toEqual({ jsonrpc: '2.0', id: 'a', method: 'ping' });
    expect(seen[0]!.extra?.authInfo).toEqual(authInfo);
    expect(seen[0]!.extra?.requestInfo?.headers.authorization).toBe('Bearer t');
    await transport.close();
  });

  it('refuses batches over maxBatchSize and delivers nothing from an invalid batch', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m', maxBatchSize: 2 });
    const onmessage = vi.fn();
    transport.onmessage = onmessage;
    const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
    const req = (body: unknown) =>
      new Request('http://localhost/m', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await transport.handlePostMessage(req([ping(1), ping(2), ping(3)]))).status).toBe(400);
    expect((await transport.handlePostMessage(req([ping(1), { jsonrpc: '2.0' }]))).status).toBe(400);
    expect(onmessage).not.toHaveBeenCalled();
    expect((await transport.handlePostMessage(req([ping(1), ping(2)]))).status).toBe(202);
    expect(onmessage).toHaveBeenCalledTimes(2);
    await transport.close();
  });

  it('rejects invalid UTF-8 as a parse error', async () => {
    const transport = new WebSseServerTransport({ messagesUrl: '/m' });
    const body = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]);
    const response = await transport.handlePostMessage(new Request('http://localhost/m', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32700 } });
    await transport.close();
  });
});
