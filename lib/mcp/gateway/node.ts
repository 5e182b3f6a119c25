// The Streamable HTTP endpoint served straight from Node's HTTP server, without Next's router.
//
// Every MCP message is a request to `/mcp`; going through Next's app-route runtime (routing,
// request adaptation, response piping, its async context) cost about as much CPU per tools/call
// as the whole policy + validation + rate-limit pipeline. The production server (bin/server.mjs)
// therefore asks `answerIfMcp` first, once instrumentation has installed it; everything else —
// and every request under `next dev` — goes through Next and
// reaches the very same `handleStreamableHttp` through app/mcp/**/route.ts. Same checks, same
// answers, same headers: only the adaptation between node:http and Fetch objects is ours.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PEER_HEADER } from '@/lib/api/client-key';
import { logger } from '@/lib/observability/logger';
import { SECURITY_HEADERS } from '@/lib/http/security-headers';
import { MAX_MESSAGE_BYTES } from './http';
import { handleStreamableHttp, readSoon } from './streamable';

/** Lower-case, as the Response headers they are merged with. */
const SECURITY = Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([k, v]) => [k.toLowerCase(), v]));

const SCOPED = /^\/mcp\/([^/]+)\/([^/]+)\/?$/;

/** A request target without its query string. */
const mcpPathOf = (url: string) => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

/** Which gateway endpoint a request target names (the query string is ignored), or null. */
export function mcpEndpointOf(url: string): { scope: { orgId: string; envId: string } | null } | null {
  const pathname = mcpPathOf(url);
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
export function bodyOf(req: IncomingMessage): Promise<Buffer> {
  if (Number(req.headers['content-length']) > MAX_MESSAGE_BYTES) return Promise.resolve(Buffer.alloc(0));
  // A client gone while its credential was being checked: no event would ever come.
  if (req.destroyed || req.readableAborted) return Promise.reject(new ClientGone());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', done).off('close', onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_MESSAGE_BYTES) done();
    };
    const onEnd = () => done();
    // After a complete body 'end' comes first (and removed this); before it, the client left.
    const onClose = () => done(new ClientGone());
    req.on('data', onData).once('end', onEnd).once('error', done).once('close', onClose);
  });
}

/** The client went away before its request was read: nobody is left to answer. */
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before its request was read');
  }
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  // The peer address, never a client's claim (rawHeaders still hold what the client sent).
  headers.set(PEER_HEADER, req.socket.remoteAddress ?? 'unknown');
  return headers;
}

/**
 * Writes a Fetch Response to the socket. A stream is written chunk by chunk, unbuffered, until it
 * ends or the client leaves — but a chunk the stream ends right after (a JSON answer, or a POST's
 * last event) goes out with the headers and the end in a single write, instead of three (each a
 * system call and a wake-up of the client). A stream not read to its end is always cancelled, so
 * the session learns that nobody listens to it any more.
 */
export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  if (res.destroyed) {
    // The client left while the answer was being made.
    await response.body?.cancel().catch(() => {});
    return;
  }
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
  let finished = false;
  const gone = () => void reader.cancel().catch(() => {});
  res.once('close', gone);
  try {
    let pending = reader.read();
    // Headers go out with the first chunk, or at once when it is not there yet (a stream that
    // stays quiet a while must still reach the client's headers).
    if ((await readSoon(pending)) === null) res.flushHeaders();
    for (;;) {
      const { done, value } = await pending;
      if (done) {
        finished = true;
        res.end();
        return;
      }
      pending = reader.read();
      const next = await readSoon(pending);
      if (next?.done) {
        finished = true;
        res.end(value);
        return;
      }
      if (!res.write(value) && !res.destroyed) await drained(res);
      if (res.destroyed) return;
    }
  } catch {
    // The stream failed: the client must be able to tell the answer was cut short.
    res.destroy();
  } finally {
    res.off('close', gone);
    if (!finished) await reader.cancel().catch(() => {});
  }
}

/** Until the socket takes more, or closes. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** One request to `/mcp` or `/mcp/{org_id}/{env_id}`, answered exactly as the route handlers answer it. */
export async function serveMcpRequest(req: IncomingMessage, res: ServerResponse, scope: { orgId: string; envId: string } | null): Promise<void> {
  try {
    const method = req.method ?? 'GET';
    // No abort signal: nothing on this path reads one. A client that leaves is noticed by
    // writeResponse, which cancels the answer's stream (and so the SDK's mapping of it).
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/mcp'}`, { method, headers: toHeaders(req) });
    // The body goes beside the Request, read once the Host and the credential passed (as the
    // route handler reads it): no stream to build and read back.
    await writeResponse(res, await handleStreamableHttp(request, scope, method === 'POST' ? () => bodyOf(req) : undefined));
  } catch (error) {
    // A client that left (mid-body, or while its answer was made) is nobody's error.
    if (error instanceof ClientGone || req.destroyed || res.destroyed) {
      logger().debug({ path: mcpPathOf(req.url ?? '') }, 'MCP client left before its answer');
      if (!res.destroyed) res.destroy();
      return;
    }
    // The path only: a client may have put a credential in the query string (it is refused).
    logger().error({ err: error, path: mcpPathOf(req.url ?? '') }, 'MCP request failed');
    if (!res.headersSent) send(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
    else res.destroy();
  }
}

/**
 * The production server's question for every request: a request to the gateway endpoint (GET,
 * POST, DELETE on `/mcp` or `/mcp/{org_id}/{env_id}`) is answered here and true returned; for
 * anything else (other paths, HEAD, OPTIONS) false, and Next answers it as before.
 */
export function answerIfMcp(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'DELETE') return false;
  const endpoint = req.url ? mcpEndpointOf(req.url) : null;
  if (!endpoint) return false;
  void serveMcpRequest(req, res, endpoint.scope);
  return true;
}

const g = globalThis as unknown as { __axsNodeFastPath?: typeof answerIfMcp };

/**
 * Offers the gateway endpoint to bin/server.mjs. Installed from instrumentation (the Node runtime,
 * production server and `next start` alike); on globalThis because bin/server.mjs is outside
 * Next's bundles.
 */
export function installNodeFastPath(): void {
  g.__axsNodeFastPath = answerIfMcp;
}
