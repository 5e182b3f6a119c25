// The gateway's Streamable HTTP endpoint with the SDK's own client (its fetch calls the route
// handler in-process): identity on every request, the agent's view in tools/list, tools/call
// through the execute pipeline, and the refusals of bad or hostile requests.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as scopedRoute from '@/app/mcp/[org_id]/[env_id]/route';
import * as route from '@/app/mcp/route';
import { getDb } from '@/db/client';
import { runs } from '@/db/schema';
import { revokeAgentToken } from '@/lib/agents/tokens';
import { createConnectionSchema, patchConnectionSchema } from '@/lib/connections/schemas';
import { createConnection, listConnections, updateConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { createPolicySchema } from '@/lib/policy/schemas';
import { createPolicy } from '@/lib/policy/service';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';


setupTestDb();

const BASE = 'http://localhost:3000';
let upstream: TestMcpServer;
let org: TestOrg;
let agentId: string;
let token: string;
let jti: string;

/** fetch that answers from the route handlers, as Next would route them. */
function inProcessFetch(extraHeaders: Record<string, string> = {}) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    for (const [k, v] of Object.entries(extraHeaders)) req.headers.set(k, v);
    const path = new URL(req.url).pathname;
    const scoped = /^\/mcp\/([^/]+)\/([^/]+)$/.exec(path);
    if (scoped) return scopedRoute.POST(req, { params: Promise.resolve({ org_id: scoped[1]!, env_id: scoped[2]! }) });
    return route.POST(req);
  };
}

async function connect(bearer = token, path = '/mcp'): Promise<Client> {
  const client = new Client({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(path, BASE), { fetch: inProcessFetch(), requestInit: { headers: { authorization: `Bearer ${bearer}` } } }),
  );
  return client;
}

const raw = (init: RequestInit & { headers?: Record<string, string> }, path = '/mcp') =>
  route.POST(new Request(new URL(path, BASE), { method: 'POST', ...init, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...init.headers } }));

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startTestMcpServer({ tools: [{ name: 'echo', description: 'Echoes text' }, { name: 'shout', description: 'Loud' }, { name: 'secret', description: 'Never allowed' }] });
  org = await makeOrg(undefined, 'gateway');
  for (const name of ['ev', 'ev2']) {
    const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name, endpoint: upstream.url }));
    await syncConnection(org.ownerCtx, c.id);
  }
  agentId = (await makeAgent(org)).id;
  ({ token, jti } = await makeAgentToken(org, agentId));
  await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'gateway', rules_json: { allow: ['ev/echo', 'ev/shout', 'ev2/shout', 'system/current_time'] } }));
});

afterAll(async () => {
  await upstream.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

describe('Streamable HTTP endpoint', () => {
  it("lists exactly the agent's view and runs tools through the pipeline", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    // shout is offered by two allowed connections: both are qualified; echo and current_time are unique.
    expect(tools.map((t) => t.name).sort()).toEqual(['current_time', 'echo', 'ev2__shout', 'ev__shout', 'execute_tool'].sort());
    expect(tools.find((t) => t.name === 'echo')?.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });

    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
    const runId = String((result._meta as Record<string, string>)['agentxsuite/run_id']);
    const db = await getDb();
    const [run] = await db.select().from(runs).where(eq(runs.id, runId));
    expect(run).toMatchObject({ status: 'succeeded', via: 'mcp', agentId, target: 'tool:ev/echo' });

    expect((await client.callTool({ name: 'ev2__shout', arguments: { text: 'x' } })).content).toEqual([{ type: 'text', text: 'shout: x' }]);
    await client.close();
  });

  it('answers a plain call as one JSON body, and a connection disabled a moment ago stops the very next call of the session', async () => {
    const client = await connect();
    // The same session calls again and again (its resolved call is reused for up to a second).
    for (let i = 0; i < 3; i++) expect((await client.callTool({ name: 'echo', arguments: { text: `n${i}` } })).content).toEqual([{ type: 'text', text: `echo: n${i}` }]);
    const ev = (await listConnections(org.ownerCtx, {}, { page: 1, pageSize: 50, offset: 0 })).results.find((c) => c.name === 'ev')!;
    await updateConnection(org.ownerCtx, ev.id, patchConnectionSchema.parse({ enabled: false }));
    try {
      const refused = await client.callTool({ name: 'echo', arguments: { text: 'after' } });
      expect(refused.isError).toBe(true);
      expect((refused.content as { text: string }[])[0]!.text).toContain('Connection ev is disabled');
    } finally {
      await updateConnection(org.ownerCtx, ev.id, patchConnectionSchema.parse({ enabled: true }));
    }
    expect((await client.callTool({ name: 'echo', arguments: { text: 'back' } })).content).toEqual([{ type: 'text', text: 'echo: back' }]);
    await client.close();

    // On the wire: a call with nothing to stream before its answer is answered application/json.
    const init = await raw({ body: initialize, headers: { authorization: `Bearer ${token}` } });
    const session = init.headers.get('mcp-session-id')!;
    expect(init.headers.get('content-type')).toContain('application/json');
    const headers = { authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await raw({ headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    const call = await raw({ headers, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'json' } } }) });
    expect(call.status).toBe(200);
    expect(call.headers.get('content-type')).toBe('application/json');
    expect(await call.json()).toMatchObject({ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'echo: json' }] } });
  });

  it('never reaches a tool the view does not list: unknown names, other cases, and execute_tool all decided like a direct call', async () => {
    const client = await connect();
    await expect(client.callTool({ name: 'secret', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool: secret/);
    await expect(client.callTool({ name: 'ECHO', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool/);
    await expect(client.callTool({ name: 'echo ', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool/);
    const before = upstream.calls.filter((c) => c.name === 'secret').length;
    const inner = await client.callTool({ name: 'execute_tool', arguments: { tool_identifier: 'ev/secret', input_data: { text: 'x' } } });
    expect(inner.isError).toBe(true);
    expect((inner.content as { text: string }[])[0]!.text).toContain('No policy explicitly allows tool.invoke on tool:ev/secret');
    expect(upstream.calls.filter((c) => c.name === 'secret').length).toBe(before);
    const allowed = await client.callTool({ name: 'execute_tool', arguments: { tool_identifier: 'ev/echo', input_data: { text: 'via' } } });
    expect(allowed.content).toEqual([{ type: 'text', text: 'echo: via' }]);
    const badInput = await client.callTool({ name: 'echo', arguments: { text: 5 } });
    expect(badInput.isError).toBe(true);
    expect((badInput.content as { text: string }[])[0]!.text).toContain('input_data.text');
    await client.close();
  });

  it('answers the scoped path for its own org and environment only', async () => {
    const own = await connect(token, `/mcp/${org.id}/${org.envId}`);
    expect((await own.listTools()).tools.length).toBeGreaterThan(0);
    await own.close();
    const other = await makeOrg();
    await expect(connect(token, `/mcp/${other.id}/${other.envId}`)).rejects.toThrow(/403|another organization/);
  });

  it('refuses missing, user and revoked credentials, tokens in the URL, foreign sessions and hostile origins', async () => {
    const none = await raw({ body: initialize });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const user = await raw({ body: initialize, headers: { authorization: `Token ${org.owner.token}` } });
    expect(user.status).toBe(403);
    expect((await raw({ body: initialize }, `/mcp?access_token=${token}`)).status).toBe(400);
    const hostile = await raw({ body: initialize, headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' } });
    expect(hostile.status).toBe(403);

    // A session of this agent is unknown to another agent.
    const opened = await raw({ body: initialize, headers: { authorization: `Bearer ${token}` } });
    expect(opened.status).toBe(200);
    const sessionId = opened.headers.get('mcp-session-id')!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const otherAgent = await makeAgent(org);
    const { token: otherToken } = await makeAgentToken(org, otherAgent.id);
    const foreign = await raw({ body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers: { authorization: `Bearer ${otherToken}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } });
    expect(foreign.status).toBe(404);

    // Revoked: the next request is refused and the session is closed.
    const { token: shortToken, jti: shortJti } = await makeAgentToken(org, agentId);
    const client = await connect(shortToken);
    await revokeAgentToken(org.ownerCtx, agentId, shortJti);
    await expect(client.listTools()).rejects.toThrow();
    expect(jti).toBeTruthy();
  });

  it('refuses malformed, oversized and batched messages with JSON-RPC errors', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const malformed = await raw({ body: '{nope', headers: auth });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe(-32700);
    const big = await raw({ body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(1024 * 1024) } }), headers: auth });
    expect(big.status).toBe(413);
    const opened = await raw({ body: initialize, headers: auth });
    const sessionId = opened.headers.get('mcp-session-id')!;
    const batch = await raw({
      body: JSON.stringify([{ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { jsonrpc: '2.0', id: 3, method: 'ping' }]),
      headers: { ...auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
    });
    expect(batch.status).toBe(400);
    expect((await batch.json()).error.code).toBe(-32600);
    // The version negotiated at initialize decides, not what a later header claims.
    const olderHeader = await raw({
      body: JSON.stringify([{ jsonrpc: '2.0', id: 4, method: 'ping' }, { jsonrpc: '2.0', id: 5, method: 'ping' }]),
      headers: { ...auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-03-26' },
    });
    expect(olderHeader.status).toBe(400);
    expect((await olderHeader.json()).error.code).toBe(-32600);
    const wrongType = await raw({ body: initialize, headers: { ...auth, 'content-type': 'text/plain' } });
    expect(wrongType.status).toBe(415);
  });

  it('decides on the one parsed name: duplicate keys, escapes and lookalikes never reach a tool the policy did not allow', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const opened = await raw({ body: initialize, headers: auth });
    const sessionId = opened.headers.get('mcp-session-id')!;
    const headers = { ...auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    await raw({ body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers });
    /** One JSON-RPC answer, whether it came as JSON or as an SSE event. */
    const rpc = async (body: string) => {
      const res = await raw({ body, headers });
      const text = await res.text();
      const data = res.headers.get('content-type')?.includes('text/event-stream') ? text.split('\n').find((l) => l.startsWith('data: '))!.slice(6) : text;
      return JSON.parse(data) as { result?: { isError?: boolean; content?: { text: string }[] }; error?: { code: number; message: string } };
    };
    const secretCalls = () => upstream.calls.filter((c) => c.name === 'secret').length;
    const before = secretCalls();
    // Duplicate keys: JSON.parse keeps the last one, and that same value is what is authorized.
    const dup = await rpc('{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"echo","name":"secret","arguments":{"text":"x"}}}');
    expect(dup.error?.code).toBe(-32602);
    expect(dup.error?.message).toContain('Unknown tool: secret');
    const dupReverse = await rpc('{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"secret","name":"echo","arguments":{"text":"x"}}}');
    expect(dupReverse.result?.content?.[0]?.text).toBe('echo: x');
    // An escape that decodes to the allowed name is that name; escapes that decode to anything else are no tool.
    expect((await rpc('{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"ec\\u0068o","arguments":{"text":"y"}}}')).result?.content?.[0]?.text).toBe('echo: y');
    for (const name of ['echo\\u0000', 'ech\\u006F\\u200b', '\\u0065cho\\t', 'ev/secret', 'ev__secret', 'ev2__echo', 'Secret']) {
      const answer = await rpc(`{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"${name}","arguments":{"text":"z"}}}`);
      expect(answer.error?.code, name).toBe(-32602);
    }
    // execute_tool with a duplicated inner identifier: the parsed (last) one is authorized.
    const inner = await rpc(
      '{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"execute_tool","arguments":{"tool_identifier":"ev/echo","tool_identifier":"ev/secret","input_data":{"text":"x"}}}}',
    );
    expect(inner.result?.isError).toBe(true);
    expect(inner.result?.content?.[0]?.text).toContain('tool:ev/secret');
    expect(secretCalls()).toBe(before);

    // The JSON-RPC error codes of the protocol.
    expect((await rpc('{"jsonrpc":"2.0","id":20,"method":"no/such/method"}')).error?.code).toBe(-32601);
    expect((await rpc('{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"arguments":{}}}')).error?.code).toBe(-32602);
    // JSON that is no JSON-RPC message is an Invalid Request, not a parse error.
    for (const body of ['{"jsonrpc":"2.0","id":22}', '{"jsonrpc":"1.0","id":23,"method":"ping"}', '42', '[{"jsonrpc":"2.0","id":24}]']) {
      const invalid = await raw({ body, headers });
      expect(invalid.status, body).toBe(400);
      expect((await invalid.json()).error.code, body).toBe(-32600);
    }
  });

  it('opens the standalone GET stream at once, and a reconnecting agent replaces its least recently used session instead of being locked out', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const opened = await raw({ body: initialize, headers: auth });
    const sessionId = opened.headers.get('mcp-session-id')!;
    await raw({ body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers: { ...auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } });
    const stream = await route.GET(
      new Request(new URL('/mcp', BASE), { method: 'GET', headers: { ...auth, accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } }),
    );
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    const first = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no first byte within 1 s')), 1_000))]);
    expect(new TextDecoder().decode(first.value)).toMatch(/^: /);
    await reader.cancel();

    // 40 sessions never ended by their client (no DELETE): every one is opened, the oldest make room.
    const { token: busyToken } = await makeAgentToken(org, (await makeAgent(org)).id);
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await raw({ body: initialize, headers: { authorization: `Bearer ${busyToken}` } })).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('deleting the environment or organization of an agent closes its open sessions at once', async () => {
    const { deleteEnvironment } = await import('@/lib/tenancy/environments');
    const { deleteOrganization } = await import('@/lib/tenancy/organizations');
    const { mcpSessions } = await import('./sessions');
    for (const remove of ['environment', 'organization'] as const) {
      const other = await makeOrg(undefined, `doomed-${remove}`);
      const agent = await makeAgent(other);
      const { token: doomed } = await makeAgentToken(other, agent.id);
      const opened = await raw({ body: initialize, headers: { authorization: `Bearer ${doomed}` } });
      const sessionId = opened.headers.get('mcp-session-id')!;
      expect(mcpSessions().get(sessionId, agent.id)).toBeDefined();
      if (remove === 'environment') await deleteEnvironment(other.ownerCtx, other.envId);
      else await deleteOrganization(other.ownerCtx);
      expect(mcpSessions().get(sessionId, agent.id)).toBeUndefined();
    }
  });

  it('a periodic check closes sessions whose token was revoked or expired without this instance hearing of it', async () => {
    const { issuedTokens } = await import('@/db/schema');
    const { mcpSessions, recheckSessions } = await import('./sessions');
    const db = await getDb();
    const open = async () => {
      const issued = await makeAgentToken(org, agentId);
      const res = await raw({ body: initialize, headers: { authorization: `Bearer ${issued.token}` } });
      return { jti: issued.jti, sessionId: res.headers.get('mcp-session-id')! };
    };
    const [kept, revoked, expired] = [await open(), await open(), await open()];
    // Behind the services' backs, as if the revocation had happened on another instance unheard.
    await db.update(issuedTokens).set({ revokedAt: new Date() }).where(eq(issuedTokens.jti, revoked.jti));
    await db.update(issuedTokens).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(issuedTokens.jti, expired.jti));
    expect(mcpSessions().get(revoked.sessionId, agentId)).toBeDefined();
    expect(await recheckSessions(db)).toBeGreaterThanOrEqual(2);
    expect(mcpSessions().get(revoked.sessionId, agentId)).toBeUndefined();
    expect(mcpSessions().get(expired.sessionId, agentId)).toBeUndefined();
    expect(mcpSessions().get(kept.sessionId, agentId)).toBeDefined();
  });
});
