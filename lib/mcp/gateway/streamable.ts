// The gateway's Streamable HTTP endpoint (`/mcp`, `/mcp/{org_id}/{env_id}`): protocol 2025-06-18
// and 2025-11-25 clients. Every request — not only the first — carries an agent credential; the
// agent fixes organization and environment (a scoped path that disagrees is 403). Sessions have
// random ids, belong to the agent (and credential) that opened them, and are capped per agent,
// per organization and overall; another agent's session id is as unknown as a made-up one.
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { getDb } from '@/db/client';
import { clientKey } from '@/lib/api/client-key';
import { requestIdOf } from '@/lib/api/request-id';
import { logger } from '@/lib/observability/logger';
import { agentOf, jsonRpcError, negotiatedProtocolVersion, originAllowed, readBody, refusedMessage } from './http';
import { createGatewayServer } from './server';
import { accountedStream, StreamAccount, type StreamOwner } from './outbound';
import { SessionLimitError } from './session-table';
import { hasRoomFor, mcpSessions } from './sessions';

const OPENING = new TextEncoder().encode(': stream open\n\n');

/**
 * The standalone GET stream carries only server-initiated messages, so its first byte may come
 * minutes later — and until a first byte, no proxy or client sees the response headers. An SSE
 * comment (ignored by every SSE parser) opens it at once. What its reader has not taken yet is
 * held under the outbound caps (./outbound.ts).
 */
function openedAtOnce(response: Response, owner: StreamOwner): Response {
  if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) return response;
  const opening = Promise.resolve({ done: false as const, value: OPENING });
  const body = accountedStream(response.body.getReader(), new StreamAccount(owner), [opening]);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Settles with what a pending read gives, or with null when it has not given it in time: by the
 * next turn of the event loop, or within `waitMs`. A read that fails counts as not given.
 */
export function readSoon<T>(read: Promise<T>, waitMs?: number): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = waitMs === undefined ? setImmediate(() => resolve(null)) : setTimeout(() => resolve(null), waitMs);
    const stop = () => (waitMs === undefined ? clearImmediate(timer as NodeJS.Immediate) : clearTimeout(timer as NodeJS.Timeout));
    void read.then(
      (value) => {
        stop();
        resolve(value);
      },
      () => {
        stop();
        resolve(null);
      },
    );
  });
}

/** One SSE event as the SDK writes it, without an event id (no resumability to keep). */
const SINGLE_EVENT = /^event: message\ndata: ([^\n]*)\n\n$/;
/** A POST whose answer has not come by then gets its headers (SSE), so no client waits headerless. */
const JSON_DECISION_MS = 1_000;

/**
 * A POST the SDK answers with a stream carrying nothing but the response, closed at once, is
 * answered as application/json instead — the protocol lets the server choose either, every client
 * must accept both, and one JSON body is far cheaper for both sides than a stream. Anything else
 * (a progress or log notification or a server request first, an answer slower than a second)
 * stays a stream, replayed from its first byte.
 */
async function singleAnswerAsJson(response: Response, owner: StreamOwner): Promise<Response> {
  if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) return response;
  const reader = response.body.getReader();
  const first = reader.read();
  const got = await readSoon(first, JSON_DECISION_MS);
  let next: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  if (got && !got.done) {
    next = reader.read();
    const after = await readSoon(next);
    const single = after?.done ? SINGLE_EVENT.exec(new TextDecoder().decode(got.value)) : null;
    if (single) {
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json');
      headers.delete('connection');
      headers.delete('x-accel-buffering');
      headers.set('cache-control', 'no-store');
      return new Response(single[1], { status: response.status, headers });
    }
  }
  // A stream after all: what was read goes out first, then the rest as it comes — held under
  // the outbound caps while the client does not take it (./outbound.ts).
  const body = accountedStream(reader, new StreamAccount(owner), [first, ...(next ? [next] : [])]);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * One request to the endpoint. `readRawBody`: reads a POST's body from where the caller holds it
 * (the Node fast path), once Host and credential passed; without it the Request's own is read.
 */
export async function handleStreamableHttp(
  req: Request,
  scope: { orgId: string; envId: string } | null = null,
  readRawBody?: () => Promise<Uint8Array>,
): Promise<Response> {
  if (!originAllowed(req)) return jsonRpcError(403, -32000, 'Forbidden: this Host or Origin may not use the MCP endpoint');
  const who = await agentOf(req, scope);
  if (!who.ok) return who.response;
  const actor = who.actor;
  const table = mcpSessions();
  const sessionId = req.headers.get('mcp-session-id');

  let body: unknown;
  if (req.method === 'POST') {
    const read = await readBody(req, readRawBody);
    if (!read.ok) return read.response;
    body = read.body;
  }

  if (sessionId) {
    const session = table.get(sessionId, actor.agentId);
    if (!session) return jsonRpcError(404, -32001, 'Session not found');
    if (req.method === 'POST') {
      const refused = refusedMessage(body, session.protocolVersion);
      if (refused) return refused;
    }
    table.touch(sessionId, actor.agentId);
    const response = await session.transport.handleRequest(req, { parsedBody: body });
    return req.method === 'GET' ? openedAtOnce(response, actor) : singleAnswerAsJson(response, actor);
  }

  if (req.method !== 'POST' || Array.isArray(body) || !isInitializeRequest(body as JSONRPCMessage)) {
    return jsonRpcError(400, -32000, 'Bad Request: send initialize first, then the Mcp-Session-Id it returns');
  }
  if (!hasRoomFor(table, actor)) {
    return jsonRpcError(429, -32000, 'Too many open MCP sessions; close some (DELETE) or wait for idle ones to expire', { 'retry-after': '30' });
  }
  const protocolVersion = negotiatedProtocolVersion(body)!;
  const db = await getDb();
  const server = createGatewayServer({ db, actor, requestId: requestIdOf(req), clientKey: clientKey(req) });
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => {
      try {
        table.add(id, { transport, jti: actor.jti, credential: actor.credential ?? null, protocolVersion }, { ownerKey: actor.agentId, orgId: actor.orgId });
      } catch (error) {
        if (!(error instanceof SessionLimitError)) throw error;
        logger().warn({ agent_id: actor.agentId, limit: error.limit }, 'MCP session refused at its cap');
        void transport.close();
      }
    },
    onsessionclosed: (id) => void table.remove(id, actor.agentId),
  });
  transport.onclose = () => {
    if (transport.sessionId) table.remove(transport.sessionId, actor.agentId);
  };
  await server.connect(transport);
  return singleAnswerAsJson(await transport.handleRequest(req, { parsedBody: body }), actor);
}
