// POST /api/v1/connections/{id}/test/ against real upstreams and refused ones.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as testRoute from '@/app/api/v1/connections/[id]/test/route';
import * as ping from '@/app/api/v1/orgs/[org_id]/agents/[id]/ping/route';
import * as detail from '@/app/api/v1/orgs/[org_id]/connections/[id]/route';
import * as list from '@/app/api/v1/orgs/[org_id]/connections/route';
import { resetEnvCache } from '@/lib/env';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeAgent, makeOrg, makeSecretRef, makeUser, type TestOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { storeSecret } from '@/lib/secrets/service';

setupTestDb();

let org: TestOrg;
let upstream: TestMcpServer;

async function connection(body: Record<string, unknown>): Promise<string> {
  const res = await call(list.POST, 'POST', '/x', {
    token: org.owner.token,
    params: { org_id: org.id },
    body: { environment_id: org.envId, name: `c-${Math.random().toString(36).slice(2, 8)}`, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

const test = (id: string, token = org.owner.token) => call(testRoute.POST, 'POST', `/api/v1/connections/${id}/test/`, { token, params: { id } });
const read = async (id: string) => (await call(detail.GET, 'GET', '/x', { token: org.owner.token, params: { org_id: org.id, id } })).body;

beforeAll(async () => {
  org = await makeOrg();
  upstream = await startTestMcpServer();
});
afterAll(async () => upstream.close());
afterEach(() => {
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

function allowPrivate() {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
}

describe('connection test', () => {
  it('reports server info, protocol, capabilities and latency, and marks the connection ok', async () => {
    allowPrivate();
    const id = await connection({ endpoint: upstream.url });
    const res = await test(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', server_info: { name: 'test-upstream', version: '1.2.3' } });
    expect(res.body.protocol_version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(res.body.capabilities).toHaveProperty('tools');
    expect(res.body.latency_ms).toBeGreaterThanOrEqual(0);
    expect(await read(id)).toMatchObject({ status: 'ok', last_seen_at: expect.any(String) });
  });

  it('sends the bearer secret to the upstream it was stored for', async () => {
    allowPrivate();
    const guarded = await startTestMcpServer({ bearer: 'upstream-token-123' });
    try {
      const ref = (await storeSecret(org.ownerCtx, { value: 'upstream-token-123', name: 'up' })).secret_ref;
      const id = await connection({ endpoint: guarded.url, auth_method: 'bearer', secret_ref: ref });
      expect((await test(id)).status).toBe(200);
      expect(guarded.authorizations.every((a) => a === 'Bearer upstream-token-123')).toBe(true);
      const wrongRef = await makeSecretRef(org);
      const bad = await connection({ endpoint: guarded.url, auth_method: 'bearer', secret_ref: wrongRef });
      const res = await test(bad);
      expect(res.status).toBe(502);
      expect(JSON.stringify(res.body)).not.toContain('upstream-token-123');
    } finally {
      await guarded.close();
    }
  });

  it('refuses loopback unless allowed, and metadata addresses always, with status error', async () => {
    const local = await connection({ endpoint: upstream.url });
    const refused = await test(local);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('The upstream address is not allowed');
    expect(await read(local)).toMatchObject({ status: 'error', status_detail: { error: 'The upstream address is not allowed' } });

    allowPrivate();
    for (const endpoint of ['http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/mcp']) {
      const id = await connection({ endpoint });
      const res = await test(id);
      expect(res.status, endpoint).toBe(400);
    }
  });

  it('answers 502 with one message for a closed port and for a server that is not MCP', async () => {
    allowPrivate();
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const notMcp = http.createServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => notMcp.listen(0, '127.0.0.1', r));
    try {
      const a = await test(await connection({ endpoint: `http://127.0.0.1:${closedPort}/mcp` }));
      const b = await test(await connection({ endpoint: `http://127.0.0.1:${(notMcp.address() as AddressInfo).port}/mcp` }));
      expect(a.status).toBe(502);
      expect(b.status).toBe(502);
      expect(a.body.error.code).toBe('upstream_error');
    } finally {
      await new Promise<void>((r) => notMcp.close(() => r()));
    }
  });

  it('is for members of the connection organization only', async () => {
    allowPrivate();
    const id = await connection({ endpoint: upstream.url });
    const stranger = (await makeOrg()).owner;
    expect((await test(id, stranger.token)).status).toBe(404);
    const viewer = await makeUser('viewer');
    await addMembership(org.id, viewer, 'viewer');
    expect((await test(id, viewer.token)).status).toBe(403);
    expect((await call(testRoute.POST, 'POST', '/x', { token: org.owner.token, params: { id: 'nope' } })).status).toBe(404);
  });

  it('refuses a disabled connection', async () => {
    allowPrivate();
    const id = await connection({ endpoint: upstream.url, enabled: false });
    expect((await test(id)).status).toBe(409);
  });

  it('is what an agent ping runs for the agent\'s connection', async () => {
    allowPrivate();
    const live = await connection({ endpoint: upstream.url });
    const agent = await makeAgent(org, { mode: 'RUNNER', connection_id: live });
    const ok = await call(ping.POST, 'POST', '/x', { token: org.owner.token, params: { org_id: org.id, id: agent.id } });
    expect(ok.body).toMatchObject({ status: 'ok', connection_check: 'ok', connection: { id: live, status: 'ok', message: null } });

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = await connection({ endpoint: `http://127.0.0.1:${port}/mcp` });
    const broken = await makeAgent(org, { mode: 'RUNNER', connection_id: dead });
    const res = await call(ping.POST, 'POST', '/x', { token: org.owner.token, params: { org_id: org.id, id: broken.id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'connection_error',
      connection_check: 'failed',
      connection: { id: dead, status: 'error', message: 'Could not reach the upstream server' },
    });
  });
});
