// The Streamable HTTP endpoint served straight from Node's HTTP server, without Next's router.
//
// Every MCP message is a request to `/mcp`; going through Next's app-route runtime (routing,
// request adaptation, response piping, its async context) cost about as much CPU per tools/call
// as the whole policy + validation + rate-limit pipeline. The production server (bin/server.mjs)
// therefore hands `/mcp` and `/mcp/{org_id}/{env_id}` to `serveMcpRequest` once instrumentation
// has installed it; everything else — and every request under `next dev` — goes through Next and
// reaches the very same `handleStreamableHttp` through app/mcp/**/route.ts. Same checks, same
// answers, same headers: only the adaptation between node:http and Fetch objects is ours.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logger } from '@/lib/observability/logger';
import { SECURITY_HEADERS } from '@/lib/http/security-headers';
import { MAX_MESSAGE_BYTES } from './http';
import { handleStreamableHttp, readSoon } from './streamable';

/** Lower-case, as the Response headers they are merged with. */
const SECURITY = Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([k, v]) => [k.toLowerCase(), v]));

const SCOPED = /^\/mcp\/([^/]+)\/([^/]+)\/?$/;

/** Which gateway endpoint a request path names (the query string is ignored), or null. */
export function mcpEndpointOf(url: string): { scope: { orgId: string; envId: string } | null } | null {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  if (pathname === '/mcp' || pathname === '/mcp/') return { scope: null };
  const m = SCOPED.exec(pathname);
  if (!m) return null;
  try {
    return { scope: { orgId: decodeURIComponent(m[1]!), envId: decodeURIComponent(m[2]!) } };
  } catch {
    // A malformed escape names no organization: the scope check refuses it.
    return { scope: { orgId: m[1]!, envId: m[2]! } };
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY, 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The body, read until it is complete or just past the message cap: handleStreamableHttp checks
 * the credential first and then answers 413 from what it gets, exactly as it does under Next.
 * A declared oversize body is not read at all (the Content-Length alone decides). What is left
 * unread is discarded by Node once the answer is sent, as for any handler that does not read it.
 */
function bodyOf(req: IncomingMessage): Promise<Buffer> {
  if (Number(req.headers['content-length']) > MAX_MESSAGE_BYTES) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', done);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_MESSAGE_BYTES) done();
    };
    const onEnd = () => done();
    req.on('data', onData).once('end', onEnd).once('error', done);
  });
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/**
 * Writes a Fetch Response to the socket. A stream is written chunk by chunk, unbuffered, until it
 * ends or the client leaves — but a chunk the stream ends right after (a JSON answer, or a POST's
 * last event) goes out with the headers and the end in a single write, instead of three. On this path socket writes cost more than anything else per message.
 */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = { ...SECURITY };
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const gone = () => void reader.cancel().catch(() => {});
  res.once('close', gone);
  try {
    let pending = reader.read();
    // Headers go out with the first chunk, or at once when it is not there yet (a stream that
    // stays quiet a while must still reach the client's headers).
    if ((await readSoon(pending)) === null) res.flushHeaders();
    for (;;) {
      const { done, value } = await pending;
      if (done) break;
      pending = reader.read();
      const next = await readSoon(pending);
      if (next?.done) {
        res.end(value);
        return;
      }
      if (!res.write(value) && !res.destroyed) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      if (res.destroyed) break;
    }
  } catch {
    // The stream was cancelled (the client left) or failed: end what was sent.
  } finally {
    res.off('close', gone);
    if (!res.writableEnded) res.end();
  }
}

/** One request to `/mcp` or `/mcp/{org_id}/{env_id}`, answered exactly as the route handlers answer it. */
export async function serveMcpRequest(req: IncomingMessage, res: ServerResponse, scope: { orgId: string; envId: string } | null): Promise<void> {
  try {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') {
      send(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null }, { allow: 'GET, POST, DELETE' });
      return;
    }
    const body = method === 'POST' ? await bodyOf(req) : undefined;
    // The client leaving aborts the request (as under Next): an open stream ends, a call is cancelled.
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/mcp'}`, {
      method,
      headers: toHeaders(req),
      signal: abort.signal,
    });
    // The body goes beside the Request, already read: no stream to build and read back.
    await writeResponse(res, await handleStreamableHttp(request, scope, body));
  } catch (error) {
    logger().error({ err: error, path: req.url }, 'MCP request failed');
    if (!res.headersSent) send(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
    else res.end();
  }
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => boolean;
const g = globalThis as unknown as { __axsNodeFastPath?: NodeHandler };

/**
 * Offers the gateway endpoint to bin/server.mjs: it asks every request, and a request this
 * returns false for goes to Next. Installed from instrumentation (the Node runtime, production
 * server and `next start` alike); on globalThis because bin/server.mjs is outside Next's bundles.
 */
export function installNodeFastPath(): void {
  g.__axsNodeFastPath = (req, res) => {
    const endpoint = req.url ? mcpEndpointOf(req.url) : null;
    if (!endpoint) return false;
    void serveMcpRequest(req, res, endpoint.scope);
    return true;
  };
}
