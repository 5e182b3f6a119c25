// HTTP checks every gateway endpoint makes before any MCP message is handled: Host/Origin
// (DNS rebinding), the agent credential (never from the URL; user tokens refused; the `mcp`
// scope; a scoped path must be the agent's own), and a bounded JSON body.
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

