// The gateway's MCP route handlers behind a real node:http server on 127.0.0.1, for tests whose
// client is another process (the stdio bridge in bin/). Each request becomes a web Request with a
// streaming body, goes to the route handler Next would pick, and the web Response streams back
// unbuffered (SSE flows as it is written). stop() is a crash: the server closes, open sockets are
// destroyed and the gateway's in-memory sessions are forgotten; start() again on the same port is
// the gateway coming back, where old session ids answer 404.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import * as legacyMessages from '@/app/.well-known/mcp/messages/route';
import * as legacySse from '@/app/.well-known/mcp/sse/route';
import * as scopedLegacyMessages from '@/app/mcp/[org_id]/[env_id]/.well-known/mcp/messages/route';
import * as scopedLegacySse from '@/app/mcp/[org_id]/[env_id]/.well-known/mcp/sse/route';
import * as scopedRoute from '@/app/mcp/[org_id]/[env_id]/route';
import * as route from '@/app/mcp/route';
import { resetGatewaySessions } from '@/lib/mcp/gateway/sessions';

/** One request the gateway answered (or was answering when it stopped). */
export interface GatewayRequestRecord {
  method: string;
  path: string;
  status: number;
  /** The Mcp-Session-Id the client sent, if any. */
  sessionId: string | null;
  /** The JSON-RPC method of a POSTed message, when the body was one message. */
  rpcMethod: string | null;
  at: number;
}

export interface GatewayHttp {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** Every request, in arrival order (status filled in when the response head is written). */
  readonly requests: GatewayRequestRecord[];
  readonly running: boolean;
  /** Listens again on the same port (after stop()). */
  start: () => Promise<void>;
  /** Stops like a crash: closes the server, destroys open connections, forgets every session. */
  stop: () => Promise<void>;
}

type Handler = (req: Request, params: Record<string, string>) => Promise<Response>;
type Params = { params: Promise<{ org_id: string; env_id: string }> };

const scoped = (fn: (req: Request, ctx: Params) => Promise<Response>): Handler => (req, p) =>
  fn(req, { params: Promise.resolve({ org_id: p.org_id!, env_id: p.env_id! }) });

const ROUTES: { pattern: RegExp; methods: Record<string, Handler> }[] = [
  { pattern: /^\/mcp\/?$/, methods: { GET: route.GET, POST: route.POST, DELETE: route.DELETE } },
  {
    pattern: /^\/mcp\/(?<org_id>[^/]+)\/(?<env_id>[^/]+)\/?$/,
    methods: { GET: scoped(scopedRoute.GET), POST: scoped(scopedRoute.POST), DELETE: scoped(scopedRoute.DELETE) },
  },
  { pattern: /^\/\.well-known\/mcp\/sse\/?$/, methods: { GET: (req) => legacySse.GET(req) } },
  { pattern: /^\/\.well-known\/mcp\/messages\/?$/, methods: { POST: (req) => legacyMessages.POST(req) } },
  { pattern: /^\/mcp\/(?<org_id>[^/]+)\/(?<env_id>[^/]+)\/\.well-known\/mcp\/sse\/?$/, methods: { GET: scoped(scopedLegacySse.GET) } },
  { pattern: /^\/mcp\/(?<org_id>[^/]+)\/(?<env_id>[^/]+)\/\.well-known\/mcp\/messages\/?$/, methods: { POST: scoped(scopedLegacyMessages.POST) } },
];

async function dispatch(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  for (const { pattern, methods } of ROUTES) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    const handler = methods[req.method];
    if (!handler) return new Response(null, { status: 405, headers: { allow: Object.keys(methods).join(', ') } });
    return handler(req, { ...match.groups });
  }
  return Response.json({ error: { code: 'not_found', message: 'Not found' } }, { status: 404 });
}

function toWebRequest(incoming: http.IncomingMessage, signal: AbortSignal, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  // As bin/server.mjs does: the peer address, never a client's claim.
  headers.set('x-axs-peer-ip', incoming.socket.remoteAddress ?? 'unknown');
  const method = incoming.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init = {
    method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  };
  return new Request(new URL(incoming.url ?? '/', origin), init as RequestInit);
}

async function writeWebResponse(response: Response, res: http.ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText, headers);
  res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      res.write(value);
    }
    res.end();
  } catch {
    res.destroy();
  }
}

function rpcMethodOf(req: Request): Promise<string | null> {
  if (req.method !== 'POST') return Promise.resolve(null);
  return req
    .clone()
    .json()
    .then((body: unknown) => (body && typeof body === 'object' && 'method' in body && typeof body.method === 'string' ? body.method : null))
    .catch(() => null);
}

/** Starts the gateway on 127.0.0.1 (a free port unless one is given). */
export async function startGatewayHttp(options: { port?: number } = {}): Promise<GatewayHttp> {
  let port = options.port ?? 0;
  let server: http.Server | null = null;
  const sockets = new Set<Socket>();
  const requests: GatewayRequestRecord[] = [];

  const handle = async (incoming: http.IncomingMessage, res: http.ServerResponse) => {
    const origin = `http://127.0.0.1:${port}`;
    const aborter = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    const record: GatewayRequestRecord = {
      method: incoming.method ?? 'GET',
      path: new URL(incoming.url ?? '/', origin).pathname,
      status: 0,
      sessionId: typeof incoming.headers['mcp-session-id'] === 'string' ? incoming.headers['mcp-session-id'] : null,
      rpcMethod: null,
      at: Date.now(),
    };
    requests.push(record);
    try {
      const req = toWebRequest(incoming, aborter.signal, origin);
      record.rpcMethod = await rpcMethodOf(req);
      const response = await dispatch(req);
      record.status = response.status;
      await writeWebResponse(response, res);
    } catch (error) {
      record.status = 500;
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: String(error) } }));
      else res.destroy();
    }
  };

  const start = async () => {
    if (server) return;
    const next = http.createServer((req, res) => void handle(req, res));
    next.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stop = async () => {
    const current = server;
    if (!current) return;
    server = null;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    resetGatewaySessions();
    await closed;
  };

  await start();
  return {
    get port() {
      return port;
    },
    get origin() {
      return `http://127.0.0.1:${port}`;
    },
    requests,
    get running() {
      return server !== null;
    },
    start,
    stop,
  };
}
