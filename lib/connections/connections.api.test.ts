// Connections through their endpoints: shape rules, who may point a connection where, and what
// a new endpoint does to attached credentials.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as detail from '@/app/api/v1/orgs/[org_id]/connections/[id]/route';
import * as list from '@/app/api/v1/orgs/[org_id]/connections/route';
import { auditEvents } from '@/db/schema';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeAgent, makeOrg, makeSecretRef, makeUser } from '@/test/helpers/fixtures';

const t = setupTestDb();

describe('connections', () => {
  it('creates, lists, reads, updates and deletes', async () => {
    const o = await makeOrg();
    const p = { org_id: o.id };
    const created = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: o.envId, name: 'everything', endpoint: 'http://localhost:3001/mcp' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'everything', transport: 'streamable_http', auth_method: 'none', enabled: true, status: 'unknown' });
    const id = created.body.id;
    const ws = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: o.envId, name: 'ws', endpoint: 'wss://mcp.example.com/ws' },
    });
    expect(ws.body.transport).toBe('websocket');

    const listed = await call(list.GET, 'GET', `/x?environment_id=${o.envId}`, { token: o.owner.token, params: p });
    expect(listed.body.count).toBe(2);

    const patched = await call(detail.PATCH, 'PATCH', '/x', { token: o.owner.token, params: { ...p, id }, body: { enabled: false } });
    expect(patched.body.enabled).toBe(false);
    expect((await call(detail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: { ...p, id } })).status).toBe(204);
    expect((await call(detail.GET, 'GET', '/x', { token: o.owner.token, params: { ...p, id } })).status).toBe(404);
    const actions = (await t.db.select().from(auditEvents).where(eq(auditEvents.organizationId, o.id))).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['connection.create', 'connection.update', 'connection.delete']));
  });

  it('names every bad field', async () => {
    const o = await makeOrg();
    const p = { org_id: o.id };
    const bad = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: o.envId, name: 'bad/name', endpoint: 'ftp://x', transport: 'carrier-pigeon' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['endpoint', 'name', 'transport']);
    const creds = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: o.envId, name: 'c', endpoint: 'https://user:pw@example.com/mcp' },
    });
    expect(creds.body.error.details.fields.endpoint).toBeDefined();
    const none = await call(list.POST, 'POST', '/x', { token: o.owner.token, params: p, body: { environment_id: o.envId, name: 'n' } });
    expect(none.body.error.details.fields.endpoint).toEqual(['Give an endpoint URL or an MCP server registration']);
    const bearer = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: o.envId, name: 'b', endpoint: 'https://example.com/mcp', auth_method: 'bearer' },
    });
    expect(bearer.body.error.details.fields.secret_ref).toBeDefined();
    const mismatch = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: o.envId, name: 'm', endpoint: 'https://example.com/mcp', transport: 'websocket' },
    });
    expect(mismatch.body.error.details.fields.transport).toBeDefined();
    const other = await makeOrg();
    const foreignEnv = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: other.envId, name: 'f', endpoint: 'https://example.com/mcp' },
    });
    expect(foreignEnv.body.error.details.fields.environment_id).toEqual(['Unknown environment']);
    const foreignSecret = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: p,
      body: { environment_id: o.envId, name: 's', endpoint: 'https://example.com/mcp', auth_method: 'bearer', secret_ref: await makeSecretRef(other) },
    });
    expect(foreignSecret.body.error.details.fields.secret_ref).toEqual(['Unknown secret']);
    const dup = { environment_id: o.envId, name: 'same', endpoint: 'https://example.com/mcp' };
    expect((await call(list.POST, 'POST', '/x', { token: o.owner.token, params: p, body: dup })).status).toBe(201);
    const again = await call(list.POST, 'POST', '/x', { token: o.owner.token, params: p, body: dup });
    expect(again.status).toBe(409);
    expect(again.body.error.details.fields.name).toBeDefined();
  });

  it('lets members create connections but only admins attach credentials or move endpoints; a move detaches credentials', async () => {
    const o = await makeOrg();
    const member = await makeUser('member');
    await addMembership(o.id, member, 'member');
    const p = { org_id: o.id };
    const secretRef = await makeSecretRef(o);
    const withCreds = { environment_id: o.envId, name: 'c1', endpoint: 'https://example.com/mcp', auth_method: 'bearer', secret_ref: secretRef };
    expect((await call(list.POST, 'POST', '/x', { token: member.token, params: p, body: withCreds })).status).toBe(403);
    const created = await call(list.POST, 'POST', '/x', { token: o.owner.token, params: p, body: withCreds });
    expect(created.status).toBe(201);
    const id = created.body.id;

    const memberMove = await call(detail.PATCH, 'PATCH', '/x', { token: member.token, params: { ...p, id }, body: { endpoint: 'https://attacker.example/mcp' } });
    expect(memberMove.status).toBe(403);
    expect((await call(detail.PATCH, 'PATCH', '/x', { token: member.token, params: { ...p, id }, body: { enabled: false } })).status).toBe(200);

    const moved = await call(detail.PATCH, 'PATCH', '/x', { token: o.owner.token, params: { ...p, id }, body: { endpoint: 'https://elsewhere.example/mcp' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ secret_ref: null, auth_method: 'none', status: 'unknown' });
    const [event] = (await t.db.select().from(auditEvents).where(eq(auditEvents.eventType, 'connection_endpoint_changed'))).filter(
      (e) => e.target === `connection:${id}`,
    );
    expect(event!.eventData).toMatchObject({ credentials_detached: true });
  });

  it('refuses to delete a connection that RUNNER agents use', async () => {
    const o = await makeOrg();
    const created = await call(list.POST, 'POST', '/x', {
      token: o.owner.token,
      params: { org_id: o.id },
      body: { environment_id: o.envId, name: 'used', endpoint: 'https://example.com/mcp' },
    });
    await makeAgent(o, { mode: 'RUNNER', connection_id: created.body.id });
    const res = await call(detail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: { org_id: o.id, id: created.body.id } });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({ reason: 'in_use', runner_agents: 1 });
  });
});
