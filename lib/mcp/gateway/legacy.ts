// The spec's legacy HTTP+SSE surface (protocol 2024-11-05) at `/.well-known/mcp/…` and
// `/mcp/{org_id}/{env_id}/.well-known/mcp/…`: `sse` opens a session's event stream (first event
// `endpoint`: this session's messages URL), `messages` takes the client's JSON-RPC messages, and
// `tools` / `run` are plain JSON conveniences. Same identity rules and the same MCP server as the
// Streamable HTTP endpoint; every tool call goes through the execute pipeline.
import { z } from 'zod';
import { getDb } from '@/db/client';
import { clientKey } from '@/lib/api/client-key';
import { AppError } from '@/lib/api/errors';
import { requestIdOf } from '@/lib/api/request-id';
import { fieldErrors } from '@/lib/api/validation';
import type { AgentActor } from '@/lib/auth/context';
import { getClusterBus } from '@/lib/cluster/bus';
import { isSessionId, processSseRelay, type RelayedMessage, type SseRelay } from '@/lib/cluster/sse-relay';
import { env } from '@/lib/env';
import { executeTool } from '@/lib/executor/execute';
import { logger } from '@/lib/observability/logger';
import { agentOf, jsonRpcError, negotiatedProtocolVersion, originAllowed, readBody, refusedMessage } from './http';
import { createGatewayServer, GATEWAY_INFO } from './server';
import { StreamAccount } from './outbound';
import { hasRoomFor, sseSessions } from './sessions';
import { WebSseServerTransport } from './sse-transport';
import { agentToolView } from './view';

export type Scope = { orgId: string; envId: string } | null;

const base = (scope: Scope) => (scope ? `/mcp/${scope.orgId}/${scope.envId}/.well-known/mcp` : '/.well-known/mcp');

async function checked(req: Request, scope: Scope): Promise<{ ok: true; actor: AgentActor } | { ok: false; response: Response }> {
  if (!originAllowed(req)) return { ok: false, response: jsonRpcError(403, -32000, 'Forbidden: this Host or Origin may not use the MCP endpoint') };
  return agentOf(req, scope);
}

/** GET …/sse */
export async function openSse(req: Request, scope: Scope): Promise<Response> {
  const who = await checked(req, scope);
  if (!who.ok) return who.response;
  const actor = who.actor;
  const table = sseSessions();
  if (!hasRoomFor(table, actor)) {
    return jsonRpcError(429, -32000, 'Too many open MCP sessions; close some or wait for idle ones to expire', { 'retry-after': '30' });
  }
  const transport = new WebSseServerTransport({ messagesUrl: `${base(scope)}/messages`, account: new StreamAccount(actor) });
  const session = { transport, jti: actor.jti, credential: actor.credential ?? null, protocolVersion: null as string | null };
  table.add(transport.sessionId, session, { ownerKey: actor.agentId, orgId: actor.orgId });
  const shared = relay();
  transport.onclose = () => {
    table.remove(transport.sessionId, actor.agentId);
    void shared?.withdraw(transport.sessionId);
  };
  const server = createGatewayServer({ db: await getDb(), actor, requestId: requestIdOf(req), clientKey: clientKey(req) });
  await server.connect(transport);
  // Several instances: announced before the client learns the endpoint, so a POST to any
  // instance finds it. A store that does not answer in time leaves it reachable here only.
  if (shared) {
    await shared.announce(transport.sessionId, { agentId: actor.agentId, orgId: actor.orgId, jti: actor.jti });
    // Closed while being announced (its agent revoked meanwhile): no record may outlive it.
    if (transport.isClosed) await shared.withdraw(transport.sessionId);
  }
  return transport.response({ signal: req.signal });
}

/** POST …/messages?sessionId=… */
export async function postSseMessage(req: Request, scope: Scope): Promise<Response> {
  const who = await checked(req, scope);
  if (!who.ok) return who.response;
  const id = new URL(req.url).searchParams.get('sessionId') ?? '';
  const session = sseSessions().get(id, who.actor.agentId);
  if (!session) return relayToHolder(req, id, who.actor);
  const read = await readBody(req);
  if (!read.ok) return read.response;
  const body = read.body;
  const refused = refusedMessage(body, session.protocolVersion);
  if (refused) return refused;
  // The version negotiated at the session's first initialize decides whether batches are allowed
  // (a later initialize cannot change it).
  const negotiated = session.protocolVersion === null ? negotiatedProtocolVersion(body) : null;
  if (negotiated !== null) {
    session.protocolVersion = negotiated;
    // Recorded for the other instances before the client hears back (they check batches too).
    await relay()?.noteProtocolVersion(id, negotiated);
  }
  sseSessions().touch(id, who.actor.agentId);
  relay()?.touch(id);
  return session.transport.handlePostMessage(req, body);
}

// ---- Several instances (REDIS_URL): sessions held by another instance (lib/cluster/sse-relay.ts).

/** This process's relay, or null on a single instance (no REDIS_URL): then nothing below runs. */
const relay = (): SseRelay | null =>
  processSseRelay(getClusterBus(), { ttlSeconds: Math.ceil(sseSessions().idleTimeoutMs / 1000), deliver: deliverRelayed });

/**
 * A POST for a session this instance does not hold: sent on to the instance that does, when the
 * same agent opened it there. Answers as the local path would — 404 for an unknown or foreign
 * session, the same body and batch refusals, 202 once handed over — and 503 when the shared
 * store cannot be asked.
 */
async function relayToHolder(req: Request, id: string, actor: AgentActor): Promise<Response> {
  const shared = relay();
  if (!shared || !isSessionId(id)) return sessionNotFound();
  let record;
  try {
    record = await shared.lookup(id);
  } catch (error) {
    return clusterUnavailable(error);
  }
  // Ours by the record but not in our table: it ended here a moment ago.
  if (!record || record.agentId !== actor.agentId || record.instance === shared.instanceId) return sessionNotFound();
  const read = await readBody(req);
  if (!read.ok) return read.response;
  const body = read.body;
  const refused = refusedMessage(body, record.protocolVersion) ?? (await refusedByTransport(req, body));
  if (refused) return refused;
  const negotiated = record.protocolVersion === null ? negotiatedProtocolVersion(body) : null;
  if (negotiated !== null) await shared.noteProtocolVersion(id, negotiated);
  const url = new URL(req.url);
  let delivered: boolean;
  try {
    delivered = await shared.forward(id, { agentId: actor.agentId, body, path: url.pathname + url.search });
  } catch (error) {
    return clusterUnavailable(error);
  }
  if (!delivered) return sessionNotFound();
  return new Response('Accepted', { status: 202, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * What the holder's transport would refuse (media type, empty or oversized batch, not JSON-RPC),
 * decided here by a transport of our own that is never connected, so the answer is exactly the
 * transport's — and the holder never receives a message it would have refused.
 */
async function refusedByTransport(req: Request, body: unknown): Promise<Response | null> {
  const probe = new WebSseServerTransport({ messagesUrl: '/', keepAliveMs: 0 });
  try {
    const answer = await probe.handlePostMessage(req, body);
    return answer.status === 202 ? null : answer;
  } finally {
    await probe.close();
  }
}

/** On the holder: a message POSTed to another instance, handed to the session's transport. */
function deliverRelayed(sessionId: string, message: RelayedMessage): void {
  const table = sseSessions();
  const session = table.get(sessionId, message.agentId);
  if (!session) return; // ended meanwhile, or not this agent's: the sender's record was stale
  const negotiated = session.protocolVersion === null ? negotiatedProtocolVersion(message.body) : null;
  if (negotiated !== null) session.protocolVersion = negotiated;
  table.touch(sessionId, message.agentId);
  relay()?.touch(sessionId);
  // The receiving instance checked the credential and the body; no credential travels with it.
  const req = new Request(new URL(message.path, env().PUBLIC_URL), { method: 'POST', headers: { 'content-type': 'application/json' } });
  session.transport.handlePostMessage(req, message.body).catch((error: unknown) => {
    logger().warn({ err: { message: (error as Error)?.message } }, 'relayed MCP message not delivered');
  });
}

const sessionNotFound = () => jsonRpcError(404, -32001, 'Session not found');

function clusterUnavailable(error: unknown): Response {
  logger().warn({ err: { message: (error as Error)?.message } }, 'MCP session directory unavailable');
  return jsonRpcError(503, -32000, 'Session directory unavailable; retry shortly', { 'retry-after': '1' });
}

/** GET …/tools — the agent's view as plain JSON. */
export async function listToolsJson(req: Request, scope: Scope): Promise<Response> {
  const who = await checked(req, scope);
  if (!who.ok) return who.response;
  const view = await agentToolView({ db: await getDb(), orgId: who.actor.orgId }, who.actor.agentId);
  return Response.json({ tools: view.entries.map((e) => ({ ...e.tool, identifier: e.identifier || undefined })), count: view.entries.length });
}

const runSchema = z
  .strictObject({
    tool_identifier: z.string().trim().min(1).max(300).optional(),
    name: z.string().trim().min(1).max(300).optional(),
    input_data: z.record(z.string(), z.unknown()).optional(),
    arguments: z.record(z.string(), z.unknown()).optional(),
    timeout_seconds: z.number().positive().max(3600).optional(),
  })
  .refine((b) => b.tool_identifier || b.name, { message: 'Name tool_identifier (or name)', path: ['tool_identifier'] })
  .refine((b) => ![b.tool_identifier, b.name].some((v) => v && /[\u0000-\u001f\u007f]/.test(v)), { message: 'No control characters', path: ['tool_identifier'] });

/** POST …/run — one tool call through the execute pipeline, answered like runs/execute. */
export async function runJson(req: Request, scope: Scope): Promise<Response> {
  const who = await checked(req, scope);
  if (!who.ok) return who.response;
  const read = await readBody(req);
  if (!read.ok) return read.response;
  const parsed = runSchema.safeParse(read.body);
  if (!parsed.success) {
    return Response.json({ error: { code: 'invalid_input', message: 'Invalid input', details: { fields: fieldErrors(parsed.error) } } }, { status: 400 });
  }
  const actor = who.actor;
  try {
    const result = await executeTool(
      { db: await getDb(), actor, requestId: requestIdOf(req), clientKey: clientKey(req), orgId: actor.orgId },
      {
        agentId: actor.agentId,
        toolIdentifier: (parsed.data.tool_identifier ?? parsed.data.name)!,
        input: parsed.data.input_data ?? parsed.data.arguments ?? {},
        timeoutSeconds: parsed.data.timeout_seconds,
        via: 'mcp',
        signal: req.signal,
      },
    );
    return Response.json(result, { status: 201 });
  } catch (error) {
    if (error instanceof AppError) {
      return Response.json({ error: { code: error.code, message: error.message, details: error.details } }, { status: error.status, headers: error.headers });
    }
    throw error;
  }
}

/** GET …/manifest.json — public: what this server is and where its endpoints are (no org data). */
export function manifest(req: Request, scope: Scope): Response {
  const origin = new URL(req.url).origin;
  const at = (p: string) => `${origin}${p}`;
  return Response.json({
    name: GATEWAY_INFO.name,
    version: GATEWAY_INFO.version,
    description: 'AgentxSuite MCP gateway: every tool call is authorized by policy, validated, rate limited and recorded.',
    protocol_versions: ['2024-11-05', '2025-06-18', '2025-11-25'],
    authentication: { type: 'bearer', description: 'An agent token (Authorization: Bearer <token>); never in the URL.' },
    endpoints: {
      streamable_http: at(scope ? `/mcp/${scope.orgId}/${scope.envId}` : '/mcp'),
      sse: at(`${base(scope)}/sse`),
      messages: at(`${base(scope)}/messages`),
      tools: at(`${base(scope)}/tools`),
      run: at(`${base(scope)}/run`),
    },
  });
}
