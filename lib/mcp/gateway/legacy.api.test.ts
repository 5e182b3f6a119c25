// The legacy HTTP+SSE surface with the SDK's own SSE client (its fetch answers from the route
// handlers in-process), and the plain JSON conveniences (tools, run, manifest).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as manifestRoute from '@/app/.well-known/mcp/manifest.json/route';
import * as messagesRoute from '@/app/.well-known/mcp/messages/route';
import * as runRoute from '@/app/.well-known/mcp/run/route';
import * as sseRoute from '@/app/.well-known/mcp/sse/route';
import * as toolsRoute from '@/app/.well-known/mcp/tools/route';
import * as scopedManifest from '@/app/mcp/[org_id]/[env_id]/.well-known/mcp/manifest.json/route';
import * as scopedMessages from '@/app/mcp/[org_id]/[env_id]/.well-known/mcp/messages/route';
import * as scopedRun from '@/app/mcp/[org_id]/[env_id]/.well-known/mcp/run/route';
import * as scopedSse from '@/app/mcp/[org_id]/[env_id]/.well-known/mcp/sse/route';
import * as scopedTools from '@/app/mcp/[org_id]/[env_id]/.well-known/mcp/tools/route';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection } from '@/lib/connections/service';
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
let token: string;

function inProcessFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const req = new Request(input, init);
  const path = new URL(req.url).pathname;
  if (path === '/.well-known/mcp/sse') return sseRoute.GET(req);
  if (path === '/.well-known/mcp/messages') return messagesRoute.POST(req);
  const scoped = /^\/mcp\/([^/]+)\/([^/]+)\/\.well-known\/mcp\/(sse|messages)$/.exec(path);
  if (scoped) {
    const params = { params: Promise.resolve({ org_id: scoped[1]!, env_id: scoped[2]! }) };
    return scoped[3] === 'sse' ? scopedSse.GET(req, params) : scopedMessages.POST(req, params);
  }
  return Promise.resolve(new Response('not found', { status: 404 }));
}

async function connect(bearer = token, path = '/.well-known/mcp/sse'): Promise<{ client: Client; transport: SSEClientTransport }> {
  const headers = { authorization: `Bearer ${bearer}` };
  const transport = new SSEClientTransport(new URL(path, BASE), {
    fetch: inProcessFetch,
    requestInit: { headers },
    eventSourceInit: { fetch: (url, init) => inProcessFetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
  });
  const client = new Client({ name: 'legacy-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

const post = (route: (req: Request) => Promise<Response>, path: string, body: unknown, headers: Record<string, string> = {}) =>
  route(new Request(new URL(path, BASE), { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }));

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startTestMcpServer({ tools: [{ name: 'echo', description: 'Echoes text' }, { name: 'hidden', description: 'Not allowed' }] });
  org = await makeOrg(undefined, 'legacy');
  const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'ev', endpoint: upstream.url }));
  await syncConnection(org.ownerCtx, c.id);
  const agent = await makeAgent(org);
  ({ token } = await makeAgentToken(org, agent.id));
  await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'legacy', rules_json: { allow: ['ev/echo'] } }));
});

afterAll(async () => {
  await upstream.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

describe('legacy HTTP+SSE', () => {
  it('announces the session endpoint first, then serves the agent view and calls through the pipeline', async () => {
    const res = await sseRoute.GET(new Request(new URL('/.well-known/mcp/sse', BASE), { headers: { authorization: `Bearer ${token}` } }));
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('cache-control')).toContain('no-transform');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: endpoint\ndata: \/\.well-known\/mcp\/messages\?sessionId=[0-9a-f-]{36}\n\n/);
    await reader.cancel();

    const { client } = await connect();
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'execute_tool']);
    expect((await client.callTool({ name: 'echo', arguments: { text: 'old school' } })).content).toEqual([{ type: 'text', text: 'echo: old school' }]);
    await expect(client.callTool({ name: 'hidden', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool/);
    await client.close();
  });

  it("refuses missing credentials, another agent's session and a scope that is not the agent's", async () => {
    const none = await sseRoute.GET(new Request(new URL('/.well-known/mcp/sse', BASE)));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');

    const { client, transport } = await connect();
    const sessionId = (transport as unknown as { _endpoint: URL })._endpoint.searchParams.get('sessionId')!;
    const other = await makeAgent(org);
    const { token: otherToken } = await makeAgentToken(org, other.id);
    const foreign = await post(messagesRoute.POST, `/.well-known/mcp/messages?sessionId=${sessionId}`, { jsonrpc: '2.0', id: 9, method: 'ping' }, { authorization: `Bearer ${otherToken}` });
    expect(foreign.status).toBe(404);
    await client.close();

    const elsewhere = await makeOrg();
    await expect(connect(token, `/mcp/${elsewhere.id}/${elsewhere.envId}/.well-known/mcp/sse`)).rejects.toThrow();
    const scopedOwn = await connect(token, `/mcp/${org.id}/${org.envId}/.well-known/mcp/sse`);
    expect((await scopedOwn.client.listTools()).tools.length).toBe(2);
    await scopedOwn.client.close();
  });

  it('takes batches from 2024-11-05 clients and refuses them from 2025-06-18 on', async () => {
    const initialize = (protocolVersion: string) => ({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const auth = { authorization: `Bearer ${token}` };
    const open = async (protocolVersion: string, batch: unknown[] = [{ jsonrpc: '2.0', id: 2, method: 'ping' }, { jsonrpc: '2.0', id: 3, method: 'ping' }], before?: unknown) => {
      const res = await sseRoute.GET(new Request(new URL('/.well-known/mcp/sse', BASE), { headers: auth }));
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      const path = /data: (\S+)/.exec(first)![1]!;
      const init = await post(messagesRoute.POST, path, initialize(protocolVersion), auth);
      expect(init.status).toBe(202);
      if (before) expect((await post(messagesRoute.POST, path, before, auth)).status).toBe(202);
      const answer = await post(messagesRoute.POST, path, batch, auth);
      await reader.cancel();
      return { status: answer.status, code: answer.status === 202 ? null : ((await answer.json()) as { error: { code: number } }).error.code };
    };
    expect(await open('2024-11-05')).toEqual({ status: 202, code: null });
    // A later initialize does not change the version the session negotiated first.
    expect(await open('2024-11-05', undefined, initialize('2025-06-18'))).toEqual({ status: 202, code: null });
    expect(await open('2025-06-18', undefined, initialize('2024-11-05'))).toEqual({ status: 400, code: -32600 });
    expect(await open('2025-06-18')).toEqual({ status: 400, code: -32600 });
    // The negotiated version decides: an unsupported version asked for is answered with the
    // latest, which has no batches.
    expect(await open('1999-01-01')).toEqual({ status: 400, code: -32600 });
    // initialize is never part of a batch, and an empty batch is no request.
    expect(await open('2024-11-05', [initialize('2024-11-05'), { jsonrpc: '2.0', id: 3, method: 'ping' }])).toEqual({ status: 400, code: -32600 });
    expect(await open('2024-11-05', [])).toEqual({ status: 400, code: -32600 });
  });
});

describe('JSON conveniences', () => {
  it('lists tools, runs an allowed tool, refuses a denied one, and publishes a manifest', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const tools = await toolsRoute.GET(new Request(new URL('/.well-known/mcp/tools', BASE), { headers: auth }));
    expect((await tools.json()).tools.map((t: { name: string }) => t.name).sort()).toEqual(['echo', 'execute_tool']);
    const ran = await post(runRoute.POST, '/.well-known/mcp/run', { tool_identifier: 'ev/echo', input_data: { text: 'json' } }, auth);
    expect(ran.status).toBe(201);
    expect(await ran.json()).toMatchObject({ status: 'succeeded', content: [{ type: 'text', text: 'echo: json' }] });
    const denied = await post(runRoute.POST, '/.well-known/mcp/run', { name: 'ev/hidden', arguments: { text: 'x' } }, auth);
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.message).toBe('No policy explicitly allows tool.invoke on tool:ev/hidden');
    const bad = await post(runRoute.POST, '/.well-known/mcp/run', { input_data: {} }, auth);
    expect(bad.status).toBe(400);
    // The same under /mcp/{org_id}/{env_id}/: the agent's own scope only.
    const scope = (orgId: string, envId: string) => ({ params: Promise.resolve({ org_id: orgId, env_id: envId }) });
    const own = `/mcp/${org.id}/${org.envId}/.well-known/mcp`;
    const scopedList = await scopedTools.GET(new Request(new URL(`${own}/tools`, BASE), { headers: auth }), scope(org.id, org.envId));
    expect((await scopedList.json()).tools.map((t: { name: string }) => t.name).sort()).toEqual(['echo', 'execute_tool']);
    const scopedRan = await scopedRun.POST(
      new Request(new URL(`${own}/run`, BASE), { method: 'POST', body: JSON.stringify({ tool_identifier: 'ev/echo', input_data: { text: 'scoped' } }), headers: { 'content-type': 'application/json', ...auth } }),
      scope(org.id, org.envId),
    );
    expect(scopedRan.status).toBe(201);
    expect(await scopedRan.json()).toMatchObject({ status: 'succeeded', content: [{ type: 'text', text: 'echo: scoped' }] });
    const elsewhere = await makeOrg();
    const foreign = await scopedTools.GET(new Request(new URL(`/mcp/${elsewhere.id}/${elsewhere.envId}/.well-known/mcp/tools`, BASE), { headers: auth }), scope(elsewhere.id, elsewhere.envId));
    expect(foreign.status).toBe(403);
    const foreignRun = await scopedRun.POST(
      new Request(new URL(`/mcp/${elsewhere.id}/${elsewhere.envId}/.well-known/mcp/run`, BASE), { method: 'POST', body: JSON.stringify({ tool_identifier: 'ev/echo', input_data: { text: 'x' } }), headers: { 'content-type': 'application/json', ...auth } }),
      scope(elsewhere.id, elsewhere.envId),
    );
    expect(foreignRun.status).toBe(403);
    const sm = await scopedManifest.GET(new Request(new URL(`${own}/manifest.json`, BASE)), scope(org.id, org.envId));
    expect(await sm.json()).toMatchObject({ endpoints: { streamable_http: `${BASE}/mcp/${org.id}/${org.envId}`, sse: `${BASE}${own}/sse`, run: `${BASE}${own}/run` } });

    const m = await manifestRoute.GET(new Request(new URL('/.well-known/mcp/manifest.json', BASE)));
    expect(await m.json()).toMatchObject({ name: 'agentxsuite', endpoints: { sse: `${BASE}/.well-known/mcp/sse`, streamable_http: `${BASE}/mcp` } });
  });
});
