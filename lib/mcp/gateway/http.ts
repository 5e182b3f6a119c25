// HTTP checks every gateway endpoint makes before any MCP message is handled: Host/Origin
// (DNS rebinding), the agent credential (never from the URL; user tokens refused; the `mcp`
// scope; a scoped path must be the agent's own), and a bounded JSON body.
import {
  isInitializeRequest,
  JSONRPCMessageSchema,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { getDb } from '@/db/client';
import { requireAgentScope } from '@/lib/agents/me';
import { readJsonBody, readJsonBytes } from '@/lib/api/body';
import { AppError } from '@/lib/api/errors';
import { authenticate } from '@/lib/auth/authenticate';
import type { AgentActor } from '@/lib/auth/context';
import { env } from '@/lib/env';

export const MAX_MESSAGE_BYTES = 1024 * 1024;

export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

/** Protocol versions from which JSON-RPC batches are no longer part of the protocol. */
const NO_BATCH_FROM = '2025-06-18';

/**
 * The version a session runs at after this initialize request: the one asked for when supported,
 * else the latest — as the SDK's Server answers it. null when `body` is not an initialize request.
 */
export function negotiatedProtocolVersion(body: unknown): string | null {
  if (Array.isArray(body) || !isInitializeRequest(body as JSONRPCMessage)) return null;
  const asked = (body as { params: { protocolVersion: unknown } }).params.protocolVersion;
  return typeof asked === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
}

/**
 * Why a body cannot be taken as JSON-RPC, or null: not a JSON-RPC 2.0 message (or batch of them)
 * → -32600 Invalid Request; a batch on a session whose negotiated version has no batches, or a
 * batch carrying initialize (never batched, whatever the version) → -32600 as well. The version
 * is the one negotiated at initialize, never what a later request's header claims.
 */
export function refusedMessage(body: unknown, sessionVersion: string | null): Response | null {
  const messages = Array.isArray(body) ? body : [body];
  if (!messages.every((m) => JSONRPCMessageSchema.safeParse(m).success)) {
    return jsonRpcError(400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message');
  }
  if (!Array.isArray(body)) return null;
  if (body.length === 0) return jsonRpcError(400, -32600, 'Invalid Request: an empty batch');
  if ((sessionVersion ?? '2024-11-05') >= NO_BATCH_FROM) {
    return jsonRpcError(400, -32600, `JSON-RPC batches are not part of protocol ${NO_BATCH_FROM} and later`);
  }
  if (body.some((m) => isInitializeRequest(m as JSONRPCMessage))) {
    return jsonRpcError(400, -32600, 'Invalid Request: initialize must not be part of a JSON-RPC batch');
  }
  return null;
}

/** DNS rebinding: a browser page on another origin (or a hostile name pointing here) is refused. */
export function originAllowed(req: Request): boolean {
  const publicUrl = new URL(env().PUBLIC_URL);
  const origin = req.headers.get('origin');
  if (origin && origin !== publicUrl.origin) return false;
  const host = (req.headers.get('host') ?? new URL(req.url).host).toLowerCase();
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return hostname === publicUrl.hostname.toLowerCase() || ['localhost', '127.0.0.1', '::1'].includes(hostname);
}

/**
 * The message body: JSON only (MCP requires the media type), capped by the API's one body reader.
 * `readRaw`: reads the body the caller holds (the Node fast path) instead of the Request's.
 */
export async function readBody(req: Request, readRaw?: () => Promise<Uint8Array>): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    return { ok: false, response: jsonRpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json') };
  }
  try {
    const body = readRaw ? await readJsonBytes(readRaw, req.headers, MAX_MESSAGE_BYTES) : await readJsonBody(req, MAX_MESSAGE_BYTES);
    return { ok: true, body };
  } catch (error) {
    if (error instanceof AppError && error.code === 'payload_too_large') {
      return { ok: false, response: jsonRpcError(413, -32000, `Message larger than ${MAX_MESSAGE_BYTES} bytes`) };
    }
    if (error instanceof AppError && error.code === 'invalid_json') return { ok: false, response: jsonRpcError(400, -32700, 'Parse error: the body is not JSON') };
    // A JSON-looking type the body reader does not take (application/jsonl): the same 415 as above.
    if (error instanceof AppError && error.code === 'unsupported_media_type') {
      return { ok: false, response: jsonRpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json') };
    }
    throw error;
  }
}

/** The agent on this request, or the refusal to answer with. Tokens are never taken from the URL. */
export async function agentOf(req: Request, scope: { orgId: string; envId: string } | null): Promise<{ ok: true; actor: AgentActor } | { ok: false; response: Response }> {
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

