// A real MCP server (the SDK's McpServer over Streamable HTTP) on a random local port, for tests
// that need an upstream: tools are given per test, and an expected bearer token can be required.
// For sync tests: tools may carry raw JSON definitions (inputSchema, outputSchema, annotations —
// served as given, malformed ones too), tools/list can be paged (pageSize), and setTools()
// redefines the tools of a running server (a tool redefined upstream, on the same URL).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface TestMcpServer {
  url: string;
  /** Authorization headers the server received, in order. */
  authorizations: (string | undefined)[];
  /** Replaces the tools the server offers from the next request on. */
  setTools: (tools: TestTool[]) => void;
  /** How many tools/list requests our own handler answered (with pageSize or raw definitions). */
  listRequests: () => number;
  /** Every tools/call that reached the server: tool name and arguments, in order. */
  calls: { name: string; arguments: unknown }[];
  /** Tool calls the client cancelled (notifications/cancelled reached the handler), with the reason. */
  cancellations: { name: string; reason: unknown }[];
  /** Stateful servers: how many MCP sessions were initialized so far. */
  sessionsOpened: () => number;
  /** Stateful servers: sessions open now. */
  openSessions: () => number;
  /** Stateful servers: forgets every session, as a restarted server would (their ids then answer 404). */
  forgetSessions: () => void;
  close: () => Promise<void>;
}

export interface TestTool {
  name: string;
  description?: string;
  /** Served as is in tools/list (default: an object with a string `text`). */
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: Record<string, unknown>;
  /** The tool's behaviour (default: answers `<name>: <text>`); gets the request's abort signal. */
  handler?: (
    args: Record<string, unknown>,
    extra: {
      signal: AbortSignal;
      authorization?: string;
      sendRequest: (request: { method: string; params?: unknown }, schema: never) => Promise<unknown>;
      sendNotification: (notification: { method: string; params?: unknown }) => Promise<void>;
    },
  ) => Promise<unknown>;
}

export interface TestMcpServerOptions {
  tools?: TestTool[];
  bearer?: string;
  name?: string;
  /** Answer tools/list in pages of this many tools (with nextCursor). */
  pageSize?: number;
  /**
   * Keep MCP sessions (Mcp-Session-Id) instead of answering each request statelessly: needed for
   * notifications that refer to an earlier request, such as cancellation.
   */
  stateful?: boolean;
}

const DEFAULT_INPUT_SCHEMA = {
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
  additionalProperties: false,
  $schema: 'http://json-schema.org/draft-07/schema#',
};

/** Whether tools/list is answered by our own handler (raw definitions, pages) rather than the SDK's. */
const servesRaw = (tools: TestTool[], options: TestMcpServerOptions) =>
  options.pageSize !== undefined || tools.some((t) => t.inputSchema !== undefined || t.outputSchema !== undefined || t.annotations !== undefined);

export async function startTestMcpServer(options: TestMcpServerOptions = {}): Promise<TestMcpServer> {
  let tools = options.tools ?? [{ name: 'echo', description: 'Echoes text' }];
  let listRequests = 0;
  const authorizations: (string | undefined)[] = [];
  const calls: TestMcpServer['calls'] = [];
  const cancellations: TestMcpServer['cancellations'] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let sessionsOpened = 0;
  const makeServer = (authorization: string | undefined) => {
    const server = new McpServer({ name: options.name ?? 'test-upstream', version: '1.2.3' }, { capabilities: { logging: {} } });
    for (const tool of tools) {
      // Names the SDK would warn about are only listed (raw), never callable.
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(tool.name)) continue;
      const config = tool.handler
        ? { description: tool.description, inputSchema: z.object({}).passthrough() }
        : { description: tool.description, inputSchema: { text: z.string() } };
      server.registerTool(tool.name, config as never, (async (
        args: Record<string, unknown>,
        extra: {
          signal: AbortSignal;
          sendRequest: (request: { method: string; params?: unknown }, schema: never) => Promise<unknown>;
          sendNotification: (notification: { method: string; params?: unknown }) => Promise<void>;
        },
      ) => {
        calls.push({ name: tool.name, arguments: args });
        extra.signal.addEventListener('abort', () => cancellations.push({ name: tool.name, reason: extra.signal.reason }), { once: true });
        if (tool.handler) return tool.handler(args, { signal: extra.signal, authorization, sendRequest: extra.sendRequest, sendNotification: extra.sendNotification });
        return { content: [{ type: 'text' as const, text: `${tool.name}: ${String(args.text)}` }] };
      }) as never);
    }
    return server;
  };
  const httpServer = http.createServer(async (req, res) => {
    authorizations.push(req.headers.authorization);
    if (options.bearer && req.headers.authorization !== `Bearer ${options.bearer}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    if (options.stateful) {
      const id = req.headers['mcp-session-id'];
      const known = typeof id === 'string' ? sessions.get(id) : undefined;
      if (known) {
        await known.handleRequest(req, res);
        return;
      }
      if (typeof id === 'string') {
        // What the protocol asks of a server that does not know the session (e.g. it restarted).
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => {
          sessionsOpened++;
          sessions.set(sid, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await makeServer(req.headers.authorization).connect(transport);
      await transport.handleRequest(req, res);
      return;
    }
    const server = makeServer(req.headers.authorization);
    if (servesRaw(tools, options)) {
      const current = tools;
      server.server.setRequestHandler(ListToolsRequestSchema, async (request) => {
        listRequests++;
        const start = Number(request.params?.cursor ?? 0) || 0;
        const size = options.pageSize ?? current.length;
        const page = current.slice(start, start + size).map((t) => ({
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          inputSchema: t.inputSchema ?? DEFAULT_INPUT_SCHEMA,
          ...(t.outputSchema !== undefined ? { outputSchema: t.outputSchema } : {}),
          ...(t.annotations !== undefined ? { annotations: t.annotations } : {}),
        }));
        const next = start + size < current.length ? String(start + size) : undefined;
        // Raw on purpose: a malformed schema must reach the client as the upstream sent it.
        return { tools: page, ...(next ? { nextCursor: next } : {}) } as never;
      });
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    authorizations,
    setTools: (next) => {
      tools = next;
    },
    listRequests: () => listRequests,
    calls,
    cancellations,
    sessionsOpened: () => sessionsOpened,
    openSessions: () => sessions.size,
    forgetSessions: () => sessions.clear(),
    close: async () => {
      for (const transport of sessions.values()) await transport.close().catch(() => {});
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
