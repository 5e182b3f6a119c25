// The spec's legacy HTTP+SSE surface (protocol 2024-11-05) at `/.well-known/mcp/…` and
// `/mcp/{org_id}/{env_id}/.well-known/mcp/…`: `sse` opens a session's event stream (first event
// `endpoint`: this session's messages URL), `messages` takes the client's JSON-RPC messages, and
// `tools` / `run` are plain JSON conveniences. Same identity rules and the same MCP server as the
// Streamable HTTP endpoint; every tool call goes through the execute pipeline.
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { clientKey } from '@/lib/api/client-key';
import { AppError } from '@/lib/api/errors';
import { requestIdOf } from '@/lib/api/request-id';
import { fieldErrors } from '@/lib/api/validation';
import type { AgentActor } from '@/lib/auth/context';
import { executeTool } from '@/lib/executor/execute';
import { agentOf, jsonRpcError, originAllowed, readBody } from './http';
import { createGatewayServer, GATEWAY_INFO } from './server';
import { hasRoomFor, sseSessions } from './sessions';
import { WebSseServerTransport } from './sse-transport';
import { agentToolView } from './view';

export type Scope = { orgId: string; envId: string } | null;

/** Protocol versions from which JSON-RPC batches are no longer part of the protocol. */
const NO_BATCH_FROM = '2025-06-18';

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
  const transport = new WebSseServerTransport({ messagesUrl: `${base(scope)}/messages` });
  const session = { transport, jti: actor.jti, protocolVersion: null as string | null };
  table.add(transport.sessionId, session, { ownerKey: actor.agentId, orgId: actor.orgId });
  transport.onclose = () => void table.remove(transport.sessionId, actor.agentId);
  const server = createGatewayServer({ db: await getDb(), actor, requestId: requestIdOf(req), clientKey: clientKey(req) });
  await server.connect(transport);
  return transport.response({ signal: req.signal });
}

/** POST …/messages?sessionId=… */
export async function postSseMessage(req: Request, scope: Scope): Promise<Response> {
  const who = await checked(req, scope);
  if (!who.ok) return who.response;
  const id = new URL(req.url).searchParams.get('sessionId') ?? '';
  const session = sseSessions().get(id, who.actor.agentId);
  if (!session) return jsonRpcError(404, -32001, 'Session not found');
  const read = await readBody(req);
  if (!read.ok) return read.response;
  const body = read.body;
  // The version the client asked for at initialize decides whether batches are still allowed.
  if (!Array.isArray(body) && isInitializeRequest(body as JSONRPCMessage)) {
    session.protocolVersion = String((body as { params: { protocolVersion: unknown } }).params.protocolVersion);
  }
  if (Array.isArray(body) && (session.protocolVersion ?? '2024-11-05') >= NO_BATCH_FROM) {
    return jsonRpcError(400, -32600, `JSON-RPC batches are not part of protocol ${NO_BATCH_FROM} and later`);
  }
  sseSessions().touch(id, who.actor.agentId);
  return session.transport.handlePostMessage(req, body);
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
