// /api/v1/orgs/{org_id}/mcp/servers/… : CRUD and every rule of a registration, health checks
// against real upstreams (server-everything over stdio, the SDK server over Streamable HTTP, a
// closed port), who may register stdio servers, and no stdio child left behind.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as health from '@/app/api/v1/orgs/[org_id]/mcp/servers/[id]/health-check/route';
import * as detail from '@/app/api/v1/orgs/[org_id]/mcp/servers/[id]/route';
import * as list from '@/app/api/v1/orgs/[org_id]/mcp/servers/route';
import { auditEvents } from '@/db/schema';
import { resetEnvCache } from '@/lib/env';
import { shutdownStdioPool, stdioPoolStatus } from '@/lib/mcp/stdio/pool';
import { storeSecret } from '@/lib/secrets/service';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeOrg, makeSecretRef, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { runHealthRound } from './health-monitor';

const EVERYTHING = path.resolve('node_modules/.bin', 'mcp-server-everything');

const t = setupTestDb();
let org: TestOrg;
let admin: TestUser;
let upstream: TestMcpServer;
let workRoot: string;
const pids = new Set<number>();

const SETTINGS = ['MCP_STDIO_ALLOWED_COMMANDS', 'MCP_STDIO_WORK_DIR', 'MCP_STDIO_REGISTRATION', 'UPSTREAM_ALLOW_PRIVATE'];

beforeAll(async () => {
  workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-mcp-servers-'));
  Object.assign(process.env, { MCP_STDIO_ALLOWED_COMMANDS: EVERYTHING, MCP_STDIO_WORK_DIR: workRoot, UPSTREAM_ALLOW_PRIVATE: 'true' });
  resetEnvCache();
  // The first account of the fresh database is the instance administrator.
  org = await makeOrg();
  expect(org.owner.ctx.actor.isInstanceAdmin).toBe(true);
  admin = await makeUser('admin');
  await addMembership(org.id, admin, 'admin');
  upstream = await startTestMcpServer();
});

afterEach(() => {
  delete process.env.MCP_STDIO_REGISTRATION;
  resetEnvCache();
});

afterAll(async () => {
  await shutdownStdioPool();
  await upstream?.close();
  for (const name of SETTINGS) delete process.env[name];
  resetEnvCache();
  fs.rmSync(workRoot, { recursive: true, force: true });
  // No child survives the suite.
  for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow();
});

const p = (id?: string): Record<string, string> => (id ? { org_id: org.id, id } : { org_id: org.id });
const create = (body: Record<string, unknown>, token = org.owner.token) =>
  call(list.POST, 'POST', '/x', { token, params: p(), body: { environment_id: org.envId, name: `s-${Math.random().toString(36).slice(2, 8)}`, ...body } });
const patch = (id: string, body: Record<string, unknown>, token = org.owner.token) => call(detail.PATCH, 'PATCH', '/x', { token, params: p(id), body });
const read = (id: string, token = org.owner.token) => call(detail.GET, 'GET', '/x', { token, params: p(id) });
const check = (id: string, token = org.owner.token) => call(health.POST, 'POST', '/x', { token, params: p(id) });
const fieldsOf = (res: { body: any }) => Object.keys(res.body?.error?.details?.fields ?? {});

async function created(body: Record<string, unknown>, token?: string): Promise<any> {
  const res = await create(body, token);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('MCP server registry CRUD', () => {
  it('registers, lists with filters, reads, updates and deletes an http server', async () => {
    const s = await created({ name: 'My GitHub Server', server_type: 'http', endpoint: 'https://mcp.example.com/mcp', tags: ['vcs'] });
    expect(s).toMatchObject({
      organization_id: org.id,
      environment_id: org.envId,
      slug: 'my-github-server',
      server_type: 'http',
      command: null,
      args: [],
      env_vars: {},
      auth_method: 'none',
      secret_ref: null,
      enabled: true,
      health_status: 'unknown',
      last_health_check: null,
      tags: ['vcs'],
      metadata: {},
    });
    await created({ name: 'ws one', server_type: 'ws', endpoint: 'wss://mcp.example.com/ws', enabled: false });

    const all = await call(list.GET, 'GET', '/x?server_type=http', { token: org.owner.token, params: p() });
    expect(all.status).toBe(200);
    expect(all.body.results.every((r: any) => r.server_type === 'http')).toBe(true);
    expect(all.body.results.map((r: any) => r.id)).toContain(s.id);
    const disabled = await call(list.GET, 'GET', `/x?enabled=false&environment_id=${org.envId}`, { token: org.owner.token, params: p() });
    expect(disabled.body.results.map((r: any) => r.name)).toEqual(['ws one']);
    expect((await call(list.GET, 'GET', '/x?server_type=nope', { token: org.owner.token, params: p() })).status).toBe(400);

    expect((await read(s.id)).body.name).toBe('My GitHub Server');
    const changed = await patch(s.id, { description: 'the GitHub one', metadata: { team: 'a' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ description: 'the GitHub one', metadata: { team: 'a' }, slug: 'my-github-server' });

    const put = await call(detail.PUT, 'PUT', '/x', {
      token: org.owner.token,
      params: p(s.id),
      body: { name: 'Renamed', server_type: 'http', endpoint: 'https://mcp.example.com/mcp' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ name: 'Renamed', slug: 'my-github-server', description: null, tags: [], metadata: {} });

    const del = await call(detail.DELETE, 'DELETE', '/x', { token: org.owner.token, params: p(s.id) });
    expect(del.status).toBe(204);
    expect((await read(s.id)).status).toBe(404);
    const actions = (await t.db.select().from(auditEvents).where(eq(auditEvents.target, `mcp_server:${s.id}`))).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['mcp_server.create', 'mcp_server.update', 'mcp_server.delete']));
  });

  it('refuses a duplicate slug in the same environment with 409 naming slug', async () => {
    await created({ name: 'dup', slug: 'dup-slug', server_type: 'http', endpoint: 'https://a.example/mcp' });
    const again = await create({ name: 'other', slug: 'dup-slug', server_type: 'http', endpoint: 'https://b.example/mcp' });
    expect(again.status).toBe(409);
    expect(fieldsOf(again)).toEqual(['slug']);
    const byName = await create({ name: 'Dup Slug', server_type: 'http', endpoint: 'https://b.example/mcp' });
    expect(byName.status).toBe(409);
  });

  it('checks the shape of a registration (400 naming the field)', async () => {
    const other = await makeOrg();
    const cases: [Record<string, unknown>, string][] = [
      [{ server_type: 'stdio' }, 'command'],
      [{ server_type: 'stdio', command: EVERYTHING, endpoint: 'https://a.example/mcp' }, 'endpoint'],
      [{ server_type: 'http' }, 'endpoint'],
      [{ server_type: 'http', endpoint: 'https://a.example/mcp', command: 'x' }, 'command'],
      [{ server_type: 'http', endpoint: 'wss://a.example/mcp' }, 'endpoint'],
      [{ server_type: 'ws', endpoint: 'https://a.example/mcp' }, 'endpoint'],
      [{ server_type: 'http', endpoint: 'https://user:pw@a.example/mcp' }, 'endpoint'],
      [{ server_type: 'http', endpoint: 'ftp://a.example/' }, 'endpoint'],
      [{ server_type: 'http', endpoint: 'https://a.example/mcp', environment_id: other.envId }, 'environment_id'],
      [{ server_type: 'http', endpoint: 'https://a.example/mcp', auth_method: 'bearer' }, 'secret_ref'],
      [{ server_type: 'http', endpoint: 'https://a.example/mcp', secret_ref: await makeSecretRef(other) }, 'secret_ref'],
      [{ server_type: 'http', endpoint: 'https://a.example/mcp', env_vars: { A: 'b' } }, 'env_vars'],
      [{ server_type: 'stdio', command: EVERYTHING, env_vars: { NODE_OPTIONS: '--require /tmp/x.js' } }, 'env_vars.NODE_OPTIONS'],
      [{ server_type: 'stdio', command: EVERYTHING, env_vars: { LD_PRELOAD: '/tmp/x.so' } }, 'env_vars.LD_PRELOAD'],
      [{ server_type: 'stdio', command: EVERYTHING, env_vars: { TOKEN: `secret_ref:${await makeSecretRef(other)}` } }, 'env_vars.TOKEN'],
      [{ server_type: 'smtp', endpoint: 'https://a.example/mcp' }, 'server_type'],
      [{ server_type: 'http', endpoint: 'https://a.example/mcp', slug: 'Bad Slug' }, 'slug'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(res), JSON.stringify(body)).toContain(field);
    }
  });

  it('detaches the credentials when the endpoint changes, unless the request names them', async () => {
    const ref = await makeSecretRef(org);
    const s = await created({ server_type: 'http', endpoint: 'https://a.example/mcp', auth_method: 'bearer', secret_ref: ref });
    expect(s).toMatchObject({ auth_method: 'bearer', secret_ref: ref });
    expect((await patch(s.id, { name: 'still-attached' })).body).toMatchObject({ secret_ref: ref });
    const moved = await patch(s.id, { endpoint: 'https://b.example/mcp' });
    expect(moved.body).toMatchObject({ endpoint: 'https://b.example/mcp', auth_method: 'none', secret_ref: null });
    const kept = await patch(s.id, { endpoint: 'https://c.example/mcp', auth_method: 'bearer', secret_ref: ref });
    expect(kept.body).toMatchObject({ auth_method: 'bearer', secret_ref: ref });
  });

  it('is for members only: stranger 404, viewer reads but may not write', async () => {
    const s = await created({ server_type: 'http', endpoint: 'https://a.example/mcp' });
    const stranger = (await makeOrg()).owner;
    expect((await read(s.id, stranger.token)).status).toBe(404);
    expect((await patch(s.id, { enabled: false }, stranger.token)).status).toBe(404);
    expect((await check(s.id, stranger.token)).status).toBe(404);
    const viewer = await makeUser('viewer');
    await addMembership(org.id, viewer, 'viewer');
    expect((await read(s.id, viewer.token)).status).toBe(200);
    expect((await create({ server_type: 'http', endpoint: 'https://a.example/mcp' }, viewer.token)).status).toBe(403);
    expect((await patch(s.id, { enabled: false }, viewer.token)).status).toBe(403);
    expect((await check(s.id, viewer.token)).status).toBe(403);
    expect((await call(detail.DELETE, 'DELETE', '/x', { token: viewer.token, params: p(s.id) })).status).toBe(403);
  });
});

describe('stdio registrations', () => {
  it('refuses a command not on MCP_STDIO_ALLOWED_COMMANDS with 403 and its reason', async () => {
    const res = await create({ server_type: 'stdio', command: '/bin/sh', args: ['-c', 'id'] });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/MCP_STDIO_ALLOWED_COMMANDS/);
    const ok = await created({ server_type: 'stdio', command: EVERYTHING });
    const changed = await patch(ok.id, { command: '/bin/sh' });
    expect(changed.status).toBe(403);
  });

  it('instance_admin mode (the default with open signup): an org admin may not register or change stdio servers', async () => {
    const res = await create({ server_type: 'stdio', command: EVERYTHING }, admin.token);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/MCP_STDIO_REGISTRATION/);
    const s = await created({ server_type: 'stdio', command: EVERYTHING });
    expect((await patch(s.id, { args: ['stdio'] }, admin.token)).status).toBe(403);
    // http servers stay the org admin's.
    expect((await create({ server_type: 'http', endpoint: 'https://a.example/mcp' }, admin.token)).status).toBe(201);
  });

  it('org_admin mode: an org admin may register stdio servers', async () => {
    process.env.MCP_STDIO_REGISTRATION = 'org_admin';
    resetEnvCache();
    const s = await created({ server_type: 'stdio', command: EVERYTHING }, admin.token);
    expect(s.server_type).toBe('stdio');
  });

  it('health-checks server-everything over stdio; disabling and deleting stop its child', async () => {
    const s = await created({ name: 'everything', server_type: 'stdio', command: EVERYTHING, env_vars: { GREETING: 'hello' } });
    const res = await check(s.id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy', latency_ms: expect.any(Number), checked_at: expect.any(String) });
    const key = `registration:${s.id}`;
    const running = stdioPoolStatus().find((e) => e.key === key);
    expect(running?.pid).toBeTruthy();
    pids.add(running!.pid!);
    expect((await read(s.id)).body).toMatchObject({ health_status: 'healthy', last_health_check: res.body.checked_at });

    expect((await patch(s.id, { enabled: false })).status).toBe(200);
    expect(stdioPoolStatus().find((e) => e.key === key)).toBeUndefined();
    expect((await check(s.id)).status).toBe(409);

    expect((await patch(s.id, { enabled: true })).status).toBe(200);
    expect((await check(s.id)).body.status).toBe('healthy');
    const again = stdioPoolStatus().find((e) => e.key === key);
    pids.add(again!.pid!);
    expect((await call(detail.DELETE, 'DELETE', '/x', { token: org.owner.token, params: p(s.id) })).status).toBe(204);
    expect(stdioPoolStatus().find((e) => e.key === key)).toBeUndefined();
  });

  it('a secret ref in env_vars must be the organization\'s', async () => {
    const ref = (await storeSecret(org.ownerCtx, { name: 'tok', value: 'secret-value-1234' })).secret_ref;
    const s = await created({ server_type: 'stdio', command: EVERYTHING, env_vars: { TOKEN: `secret_ref:${ref}` } });
    expect(s.env_vars).toEqual({ TOKEN: `secret_ref:${ref}` });
  });
});

describe('health checks of remote servers', () => {
  it('an http registration against a live MCP server is healthy', async () => {
    const s = await created({ server_type: 'http', endpoint: upstream.url });
    const res = await check(s.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy' });
    const audit = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.target, `mcp_server:${s.id}`), eq(auditEvents.action, 'mcp_server.health_check')));
    expect(audit).toHaveLength(1);
  });

  it('a closed port answers 200 with status unhealthy and the public message', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const s = await created({ server_type: 'http', endpoint: `http://127.0.0.1:${port}/mcp` });
    const res = await check(s.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'unhealthy', message: 'Could not reach the upstream server' });
    expect((await read(s.id)).body).toMatchObject({ health_status: 'unhealthy', health_message: 'Could not reach the upstream server' });
  });

  it('the background round checks enabled registrations and records the outcome', async () => {
    const s = await created({ server_type: 'http', endpoint: upstream.url });
    const round = await runHealthRound(2);
    expect(round.checked).toBeGreaterThan(0);
    expect((await read(s.id)).body.health_status).toBe('healthy');
  });
});
