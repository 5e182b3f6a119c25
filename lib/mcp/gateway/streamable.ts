// The gateway's Streamable HTTP endpoint (`/mcp`, `/mcp/{org_id}/{env_id}`): protocol 2025-06-18
// and 2025-11-25 clients. Every request — not only the first — carries an agent credential; the
// agent fixes organization and environment (a scoped path that disagrees is 403). Sessions have
// random ids, belong to the agent (and credential) that opened them, and are capped per agent,
// per organization and overall; another agent's session id is as unknown as a made-up one.
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { getDb } from '@/db/client';
import { requireAgentScope } from '@/lib/agents/me';
import { clientKey } from '@/lib/api/client-key';
import { AppError } from '@/lib/api/errors';
import { requestIdOf } from '@/lib/api/request-id';
import { authenticate } from '@/lib/auth/authenticate';
import type { AgentActor } from '@/lib/auth/context';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import { createGatewayServer } from './server';
import { SessionLimitError } from './session-table';
import { mcpSessions } from './sessions';

export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Protocol versions from which JSON-RPC batches are no longer part of the protocol. */
const NO_BATCH_FROM = '2025-06-18';

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

/** DNS rebinding: a browser page on another origin (or a hostile name pointing here) is refused. */
function originAllowed(req: Request): boolean {
  const publicUrl = new URL(env().PUBLIC_URL);
  const origin = req.headers.get('origin');
  if (origin && origin !== publicUrl.origin) return false;
  const host = (req.headers.get('host') ?? new URL(req.url).host).toLowerCase();
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return hostname === publicUrl.hostname.toLowerCase() || ['localhost', '127.0.0.1', '::1'].includes(hostname);
}

async function readBody(req: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    return { ok: false, response: jsonRpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json') };
  }
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_MESSAGE_BYTES) return { ok: false, response: jsonRpcError(413, -32000, `Message larger than ${MAX_MESSAGE_BYTES} bytes`) };
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_MESSAGE_BYTES) {
        await reader.cancel().catch(() => {});
        return { ok: false, response: jsonRpcError(413, -32000, `Message larger than ${MAX_MESSAGE_BYTES} bytes`) };
      }
      chunks.push(value);
    }
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, response: jsonRpcError(400, -32700, 'Parse error: the body is not JSON') };
  }
}

/** The agent on this request, or the refusal to answer with. Tokens are never taken from the URL. */
async function agentOf(req: Request, scope: { orgId: string; envId: string } | null): Promise<{ ok: true; actor: AgentActor } | { ok: false; response: Response }> {
  const url = new URL(req.url);
  if (['access_token', 'token', 'api_key', 'key'].some((p) => url.searchParams.has(p))) {
    return { ok: false, response: jsonRpcError(400, -32600, 'Credentials are never accepted in the URL; send Authorization: Bearer <agent token>') };
  }
  const db = await getDb();
  let actor;
  try {
    actor = await authenticate(req, db);
  } catch (error) {
    if (error instanceof AppError && error.status === 401) {
      return { ok: false, response: jsonRpcError(401, -32001, error.message, { 'www-authenticate': 'Bearer realm="agentxsuite-mcp"' }) };
    }
    throw error;
  }
  if (actor.kind === 'anonymous') {
    return { ok: false, response: jsonRpcError(401, -32001, 'Authentication required: an agent token', { 'www-authenticate': 'Bearer realm="agentxsuite-mcp"' }) };
  }
  if (actor.kind === 'user') return { ok: false, response: jsonRpcError(403, -32001, 'The MCP endpoint takes an agent credential, not a user token') };
  try {
    requireAgentScope(actor, 'mcp');
  } catch (error) {
    if (error instanceof AppError) return { ok: false, response: jsonRpcError(403, -32001, error.message) };
    throw error;
  }
  if (scope && (scope.orgId !== actor.orgId || scope.envId !== actor.envId)) {
    return { ok: false, response: jsonRpcError(403, -32001, "This path names another organization or environment than the agent's") };
  }
  return { ok: true, actor };
}

export async function handleStreamableHttp(req: Request, scope: { orgId: string; envId: string } | null = null): Promise<Response> {
  if (!originAllowed(req)) return jsonRpcError(403, -32000, 'Forbidden: this Host or Origin may not use the MCP endpoint');
  const who = await agentOf(req, scope);
  if (!who.ok) return who.response;
  const actor = who.actor;
  const table = mcpSessions();
  const sessionId = req.headers.get('mcp-session-id');

  let body: unknown;
  if (req.method === 'POST') {
    const read = await readBody(req);
    if (!read.ok) return read.response;
    body = read.body;
  }

  if (sessionId) {
    const session = table.get(sessionId, actor.agentId);
    if (!session) return jsonRpcError(404, -32001, 'Session not found');
    if (Array.isArray(body) && (req.headers.get('mcp-protocol-version') ?? NO_BATCH_FROM) >= NO_BATCH_FROM) {
      return jsonRpcError(400, -32600, `JSON-RPC batches are not part of protocol ${NO_BATCH_FROM} and later`);
    }
    table.touch(sessionId, actor.agentId);
    return session.transport.handleRequest(req, { parsedBody: body });
  }

  if (req.method !== 'POST' || Array.isArray(body) || !isInitializeRequest(body as JSONRPCMessage)) {
    return jsonRpcError(400, -32000, 'Bad Request: send initialize first, then the Mcp-Session-Id it returns');
  }
  if (table.countForOwner(actor.agentId) >= table.maxPerOwner || table.countForOrg(actor.orgId) >= table.maxPerOrg || table.size >= table.maxTotal) {
    return jsonRpcError(429, -32000, 'Too many open MCP sessions; close some (DELETE) or wait for idle ones to expire', { 'retry-after': '30' });
  }
  const db = await getDb();
  const server = createGatewayServer({ db, actor, requestId: requestIdOf(req), clientKey: clientKey(req) });
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => {
      try {
        table.add(id, { transport, jti: actor.jti }, { ownerKey: actor.agentId, orgId: actor.orgId });
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
  return transport.handleRequest(req, { parsedBody: body });
}
