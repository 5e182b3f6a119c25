// The gateway's MCP client over every network transport, against real servers built in the test:
// Streamable HTTP, legacy HTTP+SSE and WebSocket (subprotocol "mcp"), all through the guarded
// fetch/socket.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { resetEnvCache } from '@/lib/env';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { withUpstreamClient } from './connect';

function echoServer(name: string): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text' as const, text: `${name}: ${text}` }],
  }));
  return server;
}

/** The server side of MCP over one WebSocket: one JSON-RPC message per text frame. */
class ServerSocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  constructor(private readonly socket: WebSocket) {}
  async start(): Promise<void> {
    this.socket.on('message', (data) => this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(String(data)))));
    this.socket.on('close', () => this.onclose?.());
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.socket.send(JSON.stringify(message));
  }
  async close(): Promise<void> {
    this.socket.close();
  }
}

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

let streamable: TestMcpServer;
let sseHttp: http.Server;
let ssePort: number;
let wsHttp: http.Server;
let wsPort: number;
let wsProtocols: string[] = [];

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  streamable = await startTestMcpServer({ name: 'streamable' });

  const sessions = new Map<string, SSEServerTransport>();
  sseHttp = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      await echoServer('sse').connect(transport);
      return;
    }
    const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && transport) return transport.handlePostMessage(req, res);
    res.writeHead(404).end();
  });
  ssePort = await listen(sseHttp);

  wsHttp = http.createServer();
  const wss = new WebSocketServer({ server: wsHttp, handleProtocols: (protocols) => (protocols.has('mcp') ? 'mcp' : false) });
  wss.on('connection', (socket, req) => {
    wsProtocols.push(String(req.headers['sec-websocket-protocol']));
    void echoServer('websocket').connect(new ServerSocketTransport(socket));
  });
  wsPort = await listen(wsHttp);
});

afterAll(async () => {
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
  await streamable.close();
  sseHttp.closeAllConnections();
  await new Promise<void>((r) => sseHttp.close(() => r()));
  wsHttp.closeAllConnections();
  await new Promise<void>((r) => wsHttp.close(() => r()));
});

async function roundTrip(spec: Parameters<typeof withUpstreamClient>[0]) {
  return withUpstreamClient(spec, async ({ client, protocolVersion }) => {
    const tools = await client.listTools();
    const called = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    return { server: client.getServerVersion()?.name, protocolVersion, tools: tools.tools.map((t) => t.name), content: called.content };
  });
}

describe('withUpstreamClient', () => {
  it('speaks Streamable HTTP', async () => {
    const r = await roundTrip({ transport: 'streamable_http', url: streamable.url });
    expect(r).toMatchObject({ server: 'streamable', tools: ['echo'], content: [{ type: 'text', text: 'echo: hi' }] });
    expect(r.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('speaks legacy HTTP+SSE', async () => {
    const r = await roundTrip({ transport: 'sse', url: `http://127.0.0.1:${ssePort}/sse` });
    expect(r).toMatchObject({ server: 'sse', tools: ['echo'], content: [{ type: 'text', text: 'sse: hi' }] });
  });

  it('speaks WebSocket with the "mcp" subprotocol', async () => {
    wsProtocols = [];
    const r = await roundTrip({ transport: 'websocket', url: `ws://127.0.0.1:${wsPort}/` });
    expect(r).toMatchObject({ server: 'websocket', tools: ['echo'], content: [{ type: 'text', text: 'websocket: hi' }] });
    expect(wsProtocols).toEqual(['mcp']);
  });

  it('refuses blocked addresses on every transport before connecting', async () => {
    for (const spec of [
      { transport: 'streamable_http' as const, url: 'http://169.254.169.254/mcp' },
      { transport: 'sse' as const, url: 'http://169.254.169.254/sse' },
      { transport: 'websocket' as const, url: 'ws://169.254.169.254/' },
    ]) {
      await expect(roundTrip(spec), spec.transport).rejects.toMatchObject({ code: 'invalid_input', message: 'The upstream address is not allowed' });
    }
  });
});
