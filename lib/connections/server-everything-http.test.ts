// server-everything over Streamable HTTP, the real one (test/helpers/server-everything.ts): a
// connection by URL is tested, synced and re-synced; an http MCP server registration of it is
// health-checked, and a connection through that registration syncs the same tools.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as syncRoute from '@/app/api/v1/connections/[id]/sync/route';
import * as testRoute from '@/app/api/v1/connections/[id]/test/route';
import * as connectionList from '@/app/api/v1/orgs/[org_id]/connections/route';
import * as healthRoute from '@/app/api/v1/orgs/[org_id]/mcp/servers/[id]/health-check/route';
import * as serverDetail from '@/app/api/v1/orgs/[org_id]/mcp/servers/[id]/route';
import * as serverList from '@/app/api/v1/orgs/[org_id]/mcp/servers/route';
import * as toolList from '@/app/api/v1/orgs/[org_id]/tools/route';
import { resetEnvCache } from '@/lib/env';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { startServerEverythingHttp, type ServerEverythingHttp } from '@/test/helpers/server-everything';

setupTestDb();

// Tools server-everything registers for every client (its dist/tools/index.js registerTools).
const ALWAYS_LISTED = ['echo', 'get-annotated-message', 'get-env', 'get-sum', 'get-tiny-image', 'trigger-long-running-operation'];

let org: TestOrg;
let everything: ServerEverythingHttp;

beforeAll(async () => {
  // server-everything listens on 127.0.0.1: loopback upstreams are refused unless this is set.
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  org = await makeOrg();
  everything = await startServerEverythingHttp();
});

afterAll(async () => {
  const pid = everything?.pid;
  await everything?.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
  // No child survives the suite.
  if (pid) expect(() => process.kill(pid, 0)).toThrow();
});

async function createConnection(body: Record<string, unknown>): Promise<any> {
  const res = await call(connectionList.POST, 'POST', '/x', {
    token: org.owner.token,
    params: { org_id: org.id },
    body: { environment_id: org.envId, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const testConnection = (id: string) => call(testRoute.POST, 'POST', `/api/v1/connections/${id}/test/`, { token: org.owner.token, params: { id } });
const syncConnection = (id: string) => call(syncRoute.POST, 'POST', `/api/v1/connections/${id}/sync/`, { token: org.owner.token, params: { id } });

async function toolsOf(connectionId: string): Promise<Record<string, any>> {
  const res = await call(toolList.GET, 'GET', `/x?connection_id=${connectionId}&page_size=200`, { token: org.owner.token, params: { org_id: org.id } });
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.results as { name: string }[]).map((t) => [t.name, t]));
}

let byUrlTools: string[] = [];

describe('a connection to server-everything by URL (Streamable HTTP)', () => {
  let id: string;

  it('tests: server info, protocol version, capabilities, latency', async () => {
    const created = await createConnection({ name: 'everything-url', endpoint: everything.url });
    expect(created.transport).toBe('streamable_http');
    id = created.id;
    const res = await testConnection(id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', server_info: { name: 'mcp-servers/everything', version: expect.any(String) } });
    expect(res.body.protocol_version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(res.body.capabilities).toHaveProperty('tools');
    expect(res.body.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('syncs its tools, all new and synced', async () => {
    const res = await syncConnection(id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const tools = await toolsOf(id);
    byUrlTools = Object.keys(tools).sort();
    expect(byUrlTools).toEqual(expect.arrayContaining(ALWAYS_LISTED));
    expect(res.body.tools_total).toBe(byUrlTools.length);
    expect(res.body.counts).toMatchObject({ created: byUrlTools.length, pending_review: 0, stale: 0, invalid_name: 0, invalid_schema: 0 });
    for (const tool of Object.values(tools)) expect(tool, tool.name).toMatchObject({ sync_status: 'synced', enabled: true });
    expect(tools.echo.description).toMatch(/echo/i);
    expect(tools.echo.schema_json.properties).toHaveProperty('message');
  });

  it('re-syncs an unchanged server without changing anything', async () => {
    const before = await toolsOf(id);
    const res = await syncConnection(id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.counts).toMatchObject({ created: 0, updated: 0, unchanged: byUrlTools.length, pending_review: 0, stale: 0 });
    const after = await toolsOf(id);
    expect(Object.keys(after).sort()).toEqual(byUrlTools);
    for (const name of byUrlTools) expect(after[name].id).toBe(before[name].id);
  });
});

describe('an http MCP server registration of server-everything', () => {
  let serverId: string;

  it('is healthy when checked, with a latency and the time of the check recorded', async () => {
    const created = await call(serverList.POST, 'POST', '/x', {
      token: org.owner.token,
      params: { org_id: org.id },
      body: { environment_id: org.envId, name: 'Everything (http)', server_type: 'http', endpoint: everything.url },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    serverId = created.body.id;
    expect(created.body).toMatchObject({ health_status: 'unknown', last_health_check: null });

    const started = Date.now();
    const res = await call(healthRoute.POST, 'POST', '/x', { token: org.owner.token, params: { org_id: org.id, id: serverId } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy', message: expect.stringContaining('mcp-servers/everything') });
    expect(res.body.latency_ms).toBeGreaterThanOrEqual(0);
    expect(res.body.latency_ms).toBeLessThan(15_000);
    expect(Date.parse(res.body.checked_at)).toBeGreaterThanOrEqual(started - 1000);

    const read = await call(serverDetail.GET, 'GET', '/x', { token: org.owner.token, params: { org_id: org.id, id: serverId } });
    expect(read.body).toMatchObject({ health_status: 'healthy', last_health_check: res.body.checked_at, health_message: res.body.message });
  });

  it('carries a connection that syncs the same tools as the one by URL', async () => {
    expect(byUrlTools.length).toBeGreaterThan(0);
    const created = await createConnection({ name: 'everything-registered', mcp_server_registration_id: serverId });
    expect(created).toMatchObject({ endpoint: null, transport: 'streamable_http', mcp_server_registration_id: serverId });
    const tested = await testConnection(created.id);
    expect(tested.status, JSON.stringify(tested.body)).toBe(200);
    expect(tested.body.server_info.name).toBe('mcp-servers/everything');
    const synced = await syncConnection(created.id);
    expect(synced.status, JSON.stringify(synced.body)).toBe(200);
    expect(synced.body.counts.created).toBe(byUrlTools.length);
    expect(Object.keys(await toolsOf(created.id)).sort()).toEqual(byUrlTools);
  });

  it('is unhealthy once server-everything is gone, and so is a test through it', async () => {
    const other = await startServerEverythingHttp();
    const created = await call(serverList.POST, 'POST', '/x', {
      token: org.owner.token,
      params: { org_id: org.id },
      body: { environment_id: org.envId, name: 'Everything (stopped)', server_type: 'http', endpoint: other.url },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await other.close();
    const res = await call(healthRoute.POST, 'POST', '/x', { token: org.owner.token, params: { org_id: org.id, id: created.body.id } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('unhealthy');
    expect(res.body.message).not.toContain(other.url);
    const connection = await createConnection({ name: 'everything-stopped', mcp_server_registration_id: created.body.id });
    const tested = await testConnection(connection.id);
    expect(tested.status).toBeGreaterThanOrEqual(400);
    expect(tested.status).not.toBe(500);
  });
});
