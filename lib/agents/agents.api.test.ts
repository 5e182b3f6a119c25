// Agents through their endpoints: every constraint of the spec answered 400/409 naming the field,
// PATCH re-validating the merged agent, the kill switch, ping, and the DB checks as backstop.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as me from '@/app/api/v1/agents/me/route';
import * as agentDetail from '@/app/api/v1/orgs/[org_id]/agents/[id]/route';
import * as ping from '@/app/api/v1/orgs/[org_id]/agents/[id]/ping/route';
import * as agentList from '@/app/api/v1/orgs/[org_id]/agents/route';
import { agents, auditEvents, issuedTokens, secrets } from '@/db/schema';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import {
  addMembership,
  makeAgent,
  makeAgentToken,
  makeConnection,
  makeOrg,
  makeSecretRef,
  makeServiceAccount,
  makeUser,
  type TestOrg,
} from '@/test/helpers/fixtures';
import { createEnvironment } from '@/lib/tenancy/environments';

const t = setupTestDb();

const create = (o: TestOrg, body: Record<string, unknown>, token = o.owner.token) =>
  call(agentList.POST, 'POST', '/x', { token, params: { org_id: o.id }, body: { environment_id: o.envId, ...body } });
const patch = (o: TestOrg, id: string, body: Record<string, unknown>, token = o.owner.token) =>
  call(agentDetail.PATCH, 'PATCH', '/x', { token, params: { org_id: o.id, id }, body });
const fieldsOf = (res: { body: any }) => Object.keys(res.body.error.details.fields ?? {}).sort();
const agentMe = (token: string) => call(me.GET, 'GET', '/api/v1/agents/me', { headers: { authorization: `Bearer ${token}` } });

async function eventsOf(orgId: string, action: string) {
  return t.db.select().from(auditEvents).where(and(eq(auditEvents.organizationId, orgId), eq(auditEvents.action, action)));
}

describe('agents: create, read, list', () => {
  it('creates a CALLER agent with defaults and the slug derived from the name', async () => {
    const o = await makeOrg();
    const res = await create(o, { name: 'Support Bot (EU) ', mode: 'CALLER', tags: ['eu', 'eu', 'support'], capabilities: { streaming: true } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      organization_id: o.id,
      environment_id: o.envId,
      connection_id: null,
      service_account_id: null,
      name: 'Support Bot (EU)',
      slug: 'support-bot-eu',
      description: null,
      mode: 'CALLER',
      inbound_auth_method: 'NONE',
      enabled: true,
      capabilities: { streaming: true },
      tags: ['eu', 'support'],
      bearer_secret_ref: null,
      inbound_secret_ref: null,
      mtls_cert_ref: null,
      mtls_key_ref: null,
    });
    expect(res.body.created_at).toMatch(/Z$/);
    const detail = await call(agentDetail.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id, id: res.body.id } });
    expect(detail.body).toEqual(res.body);
    const [event] = await eventsOf(o.id, 'agent.create');
    expect(event).toMatchObject({ eventType: 'agent_created', target: `agent:${res.body.id}`, subject: `user:${o.owner.id}` });
  });

  it('creates a RUNNER agent with a connection of its environment', async () => {
    const o = await makeOrg();
    const connectionId = await makeConnection(o);
    const res = await create(o, { name: 'runner', connection_id: connectionId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ mode: 'RUNNER', connection_id: connectionId });
  });

  it('refuses unknown fields, bad enums and malformed ids (400 naming each)', async () => {
    const o = await makeOrg();
    const res = await create(o, { name: '', mode: 'WALKER', inbound_auth_method: 'PASSWORD', connection_id: 'nope', owner: 'me', capabilities: [], tags: [''] });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['capabilities', 'connection_id', 'inbound_auth_method', 'mode', 'name', 'owner', 'tags.0']);
    const noSlug = await create(o, { name: '¿¡ !?', mode: 'CALLER' });
    expect(noSlug.status).toBe(400);
    expect(fieldsOf(noSlug)).toEqual(['slug']);
    const badSlug = await create(o, { name: 'x', slug: 'has space', mode: 'CALLER' });
    expect(fieldsOf(badSlug)).toEqual(['slug']);
  });

  it('lists with filters, search and pages; only the caller’s organization', async () => {
    const o = await makeOrg();
    const other = await makeOrg();
    const staging = await createEnvironment(o.ownerCtx, { name: 'staging', type: 'staging' });
    const conn = await makeConnection(o);
    await makeAgent(o, { name: 'Alpha 100%' });
    await makeAgent(o, { name: 'beta', enabled: false });
    await makeAgent(o, { name: 'gamma', mode: 'RUNNER', connection_id: conn });
    await makeAgent(o, { name: 'delta', environment_id: staging.id, slug: 'ALPHA-two' });
    await makeAgent(other, { name: 'alpha elsewhere' });
    const list = (query: string) => call(agentList.GET, 'GET', `/x${query}`, { token: o.owner.token, params: { org_id: o.id } });

    const all = await list('');
    expect(all.body.count).toBe(4);
    expect(all.body.results.map((a: any) => a.name)).toEqual(['Alpha 100%', 'beta', 'delta', 'gamma']);
    expect((await list(`?environment_id=${staging.id}`)).body.results.map((a: any) => a.name)).toEqual(['delta']);
    expect((await list('?mode=RUNNER')).body.results.map((a: any) => a.name)).toEqual(['gamma']);
    expect((await list('?enabled=false')).body.results.map((a: any) => a.name)).toEqual(['beta']);
    // Name or slug, case-insensitively; % is a literal character, not a wildcard.
    expect((await list('?search=ALPHA')).body.results.map((a: any) => a.name)).toEqual(['Alpha 100%', 'delta']);
    expect((await list('?search=100%25')).body.results.map((a: any) => a.name)).toEqual(['Alpha 100%']);
    expect((await list('?search=%25')).body.count).toBe(1);
    const paged = await list('?page_size=2&page=2');
    expect(paged.body).toMatchObject({ count: 4, next: null });
    expect(paged.body.previous).toContain('page=1');
    expect(paged.body.results).toHaveLength(2);

    const bad = await list('?mode=x&enabled=maybe&environment_id=1');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['enabled', 'environment_id', 'mode']);
  });

  it("answers 404 for another organization's agent, also under the caller's own organization", async () => {
    const victim = await makeOrg();
    const agent = await makeAgent(victim);
    const thief = await makeOrg();
    for (const [handler, method] of [
      [agentDetail.GET, 'GET'],
      [agentDetail.PATCH, 'PATCH'],
      [agentDetail.DELETE, 'DELETE'],
      [ping.POST, 'POST'],
    ] as const) {
      const res = await call(handler, method, '/x', {
        token: thief.owner.token,
        params: { org_id: thief.id, id: agent.id },
        body: method === 'PATCH' ? { enabled: false } : undefined,
      });
      expect(res.status, method).toBe(404);
    }
    const [row] = await t.db.select().from(agents).where(eq(agents.id, agent.id));
    expect(row!.enabled).toBe(true);
  });
});

describe('agents: constraints', () => {
  it('RUNNER requires a connection of the same organization and environment', async () => {
    const o = await makeOrg();
    const other = await makeOrg();
    const staging = await createEnvironment(o.ownerCtx, { name: 'staging', type: 'staging' });
    const missing = await create(o, { name: 'r1' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.fields.connection_id[0]).toMatch(/RUNNER/);

    const otherEnv = await create(o, { name: 'r2', connection_id: await makeConnection(o, 'staging-conn', staging.id) });
    expect(otherEnv.status).toBe(400);
    expect(otherEnv.body.error.details.fields.connection_id[0]).toMatch(/another environment/);

    const otherOrg = await create(o, { name: 'r3', connection_id: await makeConnection(other) });
    expect(otherOrg.status).toBe(400);
    expect(otherOrg.body.error.details.fields.connection_id).toEqual(['No such connection in this organization']);
  });

  it('the environment must be one of the organization', async () => {
    const o = await makeOrg();
    const other = await makeOrg();
    const res = await create(o, { name: 'x', mode: 'CALLER', environment_id: other.envId });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['environment_id']);
  });

  it('BEARER requires bearer_secret_ref or inbound_secret_ref; MTLS requires cert and key refs', async () => {
    const o = await makeOrg();
    const ref = await makeSecretRef(o);
    const bearer = await create(o, { name: 'b', mode: 'CALLER', inbound_auth_method: 'BEARER' });
    expect(bearer.status).toBe(400);
    expect(fieldsOf(bearer)).toEqual(['bearer_secret_ref']);
    const emptyRef = await create(o, { name: 'b', mode: 'CALLER', inbound_auth_method: 'BEARER', bearer_secret_ref: '' });
    expect(fieldsOf(emptyRef)).toEqual(['bearer_secret_ref']);
    expect((await create(o, { name: 'b1', mode: 'CALLER', inbound_auth_method: 'BEARER', bearer_secret_ref: ref })).status).toBe(201);
    expect((await create(o, { name: 'b2', mode: 'CALLER', inbound_auth_method: 'BEARER', inbound_secret_ref: ref })).status).toBe(201);

    const mtls = await create(o, { name: 'm', mode: 'CALLER', inbound_auth_method: 'MTLS' });
    expect(fieldsOf(mtls)).toEqual(['mtls_cert_ref', 'mtls_key_ref']);
    const half = await create(o, { name: 'm', mode: 'CALLER', inbound_auth_method: 'MTLS', mtls_cert_ref: ref });
    expect(fieldsOf(half)).toEqual(['mtls_key_ref']);
    const ok = await create(o, { name: 'm', mode: 'CALLER', inbound_auth_method: 'MTLS', mtls_cert_ref: ref, mtls_key_ref: await makeSecretRef(o) });
    expect(ok.status).toBe(201);
  });

  it("secret refs must name secrets of the organization (another org's is unknown)", async () => {
    const o = await makeOrg();
    const other = await makeOrg();
    const foreign = await makeSecretRef(other);
    const res = await create(o, {
      name: 'x',
      mode: 'CALLER',
      inbound_auth_method: 'BEARER',
      bearer_secret_ref: foreign,
      inbound_secret_ref: '00000000-0000-4000-8000-000000000000',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual({
      bearer_secret_ref: ['No such secret in this organization'],
      inbound_secret_ref: ['No such secret in this organization'],
    });
    expect(JSON.stringify(res.body)).not.toContain(other.id);
    const malformed = await create(o, { name: 'x', mode: 'CALLER', mtls_cert_ref: 'not-a-ref' });
    expect(malformed.body.error.details.fields).toEqual({ mtls_cert_ref: ['Must be a secret ref (the id of a stored secret)'] });
  });

  it('name and slug are unique per organization and environment, the slug case-insensitively (409)', async () => {
    const o = await makeOrg();
    const staging = await createEnvironment(o.ownerCtx, { name: 'staging', type: 'staging' });
    expect((await create(o, { name: 'Helper', mode: 'CALLER' })).status).toBe(201);
    const sameName = await create(o, { name: 'Helper', slug: 'other', mode: 'CALLER' });
    expect(sameName.status).toBe(409);
    expect(fieldsOf(sameName)).toEqual(['name']);
    const sameSlug = await create(o, { name: 'Helper 2', slug: 'HELPER', mode: 'CALLER' });
    expect(sameSlug.status).toBe(409);
    expect(fieldsOf(sameSlug)).toEqual(['slug']);
    // Another environment, or another organization, may use both.
    expect((await create(o, { name: 'Helper', mode: 'CALLER', environment_id: staging.id })).status).toBe(201);
    const other = await makeOrg();
    expect((await create(other, { name: 'Helper', mode: 'CALLER' })).status).toBe(201);
  });

  it('the database keeps every constraint as the backstop', async () => {
    const o = await makeOrg();
    const base = { organizationId: o.id, environmentId: o.envId };
    const attempts = [
      { ...base, name: 'r', slug: 'r', mode: 'RUNNER' as const },
      { ...base, name: 'b', slug: 'b', mode: 'CALLER' as const, inboundAuthMethod: 'BEARER' as const, bearerSecretRef: '' },
      { ...base, name: 'm', slug: 'm', mode: 'CALLER' as const, inboundAuthMethod: 'MTLS' as const, mtlsCertRef: 'x' },
    ];
    for (const values of attempts) {
      await expect(t.db.insert(agents).values(values)).rejects.toThrow();
    }
    await t.db.insert(agents).values({ ...base, name: 'c', slug: 'Case', mode: 'CALLER' });
    await expect(t.db.insert(agents).values({ ...base, name: 'c2', slug: 'CASE', mode: 'CALLER' })).rejects.toThrow();
  });
});

describe('agents: update and delete', () => {
  it('PATCH re-validates the merged agent', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o, { name: 'caller' });
    const toRunner = await patch(o, agent.id, { mode: 'RUNNER' });
    expect(toRunner.status).toBe(400);
    expect(fieldsOf(toRunner)).toEqual(['connection_id']);
    const toBearer = await patch(o, agent.id, { inbound_auth_method: 'BEARER' });
    expect(fieldsOf(toBearer)).toEqual(['bearer_secret_ref']);

    const conn = await makeConnection(o);
    const runner = await patch(o, agent.id, { mode: 'RUNNER', connection_id: conn, name: 'renamed' });
    expect(runner.status).toBe(200);
    expect(runner.body).toMatchObject({ mode: 'RUNNER', connection_id: conn, name: 'renamed', slug: 'caller' });
    const drop = await patch(o, agent.id, { connection_id: null });
    expect(fieldsOf(drop)).toEqual(['connection_id']);

    // Moving to another environment re-checks the connection against it.
    const staging = await createEnvironment(o.ownerCtx, { name: 'staging', type: 'staging' });
    const move = await patch(o, agent.id, { environment_id: staging.id });
    expect(move.status).toBe(400);
    expect(move.body.error.details.fields.connection_id[0]).toMatch(/another environment/);

    await makeAgent(o, { name: 'taken', slug: 'Taken' });
    const slugTaken = await patch(o, agent.id, { slug: 'TAKEN' });
    expect(slugTaken.status).toBe(409);
    expect(fieldsOf(slugTaken)).toEqual(['slug']);
    const nameTaken = await patch(o, agent.id, { name: 'taken' });
    expect(fieldsOf(nameTaken)).toEqual(['name']);

    const [event] = (await eventsOf(o.id, 'agent.update')).filter((e) => e.eventType === 'agent_updated');
    expect(event!.eventData).toEqual({ changed_fields: ['connection_id', 'mode', 'name'] });
  });

  it('PUT replaces the whole agent', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o, { name: 'put-me', tags: ['a'], description: 'old' });
    const res = await call(agentDetail.PUT, 'PUT', '/x', {
      token: o.owner.token,
      params: { org_id: o.id, id: agent.id },
      body: { environment_id: o.envId, name: 'Put Me Again', mode: 'CALLER' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ name: 'Put Me Again', slug: 'put-me-again', tags: [], description: null });
    const incomplete = await call(agentDetail.PUT, 'PUT', '/x', { token: o.owner.token, params: { org_id: o.id, id: agent.id }, body: { name: 'x' } });
    expect(incomplete.status).toBe(400);
    expect(fieldsOf(incomplete)).toEqual(['environment_id']);
  });

  it('the kill switch works even when a referenced secret has gone', async () => {
    const o = await makeOrg();
    const ref = await makeSecretRef(o);
    const agent = await makeAgent(o, { inbound_auth_method: 'BEARER', bearer_secret_ref: ref });
    await t.db.delete(secrets).where(eq(secrets.id, ref));
    const off = await patch(o, agent.id, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.enabled).toBe(false);
    const [event] = await eventsOf(o.id, 'agent.update');
    expect(event!.eventType).toBe('agent_disabled');
  });

  it('enabled=false refuses the agent’s tokens on the next request; enabling again restores them', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const { token } = await makeAgentToken(o, agent.id);
    expect((await agentMe(token)).status).toBe(200);
    expect((await patch(o, agent.id, { enabled: false })).status).toBe(200);
    const refused = await agentMe(token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    expect((await patch(o, agent.id, { enabled: true })).status).toBe(200);
    expect((await agentMe(token)).status).toBe(200);
  });

  it('links a service account only for admins, once, and within its environment', async () => {
    const o = await makeOrg();
    const member = await makeUser('member');
    await addMembership(o.id, member, 'member');
    const account = await makeServiceAccount(o);
    const byMember = await create(o, { name: 'm', mode: 'CALLER', service_account_id: account.id }, member.token);
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.details).toMatchObject({ permission: 'service_account.manage' });
    // Members still create and edit agents without touching the link.
    const plain = await create(o, { name: 'plain', mode: 'CALLER' }, member.token);
    expect(plain.status).toBe(201);

    const linked = await create(o, { name: 'linked', mode: 'CALLER', service_account_id: account.id });
    expect(linked.status).toBe(201);
    expect((await patch(o, linked.body.id, { description: 'edited by a member' }, member.token)).status).toBe(200);
    const twice = await patch(o, plain.body.id, { service_account_id: account.id });
    expect(twice.status).toBe(409);
    expect(fieldsOf(twice)).toEqual(['service_account_id']);

    const staging = await createEnvironment(o.ownerCtx, { name: 'staging', type: 'staging' });
    const pinned = await makeServiceAccount(o, { environment_id: staging.id });
    const wrongEnv = await patch(o, plain.body.id, { service_account_id: pinned.id });
    expect(wrongEnv.status).toBe(400);
    expect(fieldsOf(wrongEnv)).toEqual(['service_account_id']);
    const foreign = await makeServiceAccount(await makeOrg());
    const otherOrg = await patch(o, plain.body.id, { service_account_id: foreign.id });
    expect(otherOrg.body.error.details.fields.service_account_id).toEqual(['No such service account in this organization']);
  });

  it('deletes an agent with its tokens', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const { token } = await makeAgentToken(o, agent.id);
    const p = { org_id: o.id, id: agent.id };
    expect((await call(agentDetail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: p })).status).toBe(204);
    expect((await call(agentDetail.GET, 'GET', '/x', { token: o.owner.token, params: p })).status).toBe(404);
    expect(await t.db.select().from(issuedTokens).where(eq(issuedTokens.agentId, agent.id))).toEqual([]);
    expect((await agentMe(token)).status).toBe(401);
    expect((await eventsOf(o.id, 'agent.delete')).length).toBe(1);
  });
});

describe('agents: ping', () => {
  it('answers status and live tokens; no connection, no connection check', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const a = await makeAgentToken(o, agent.id);
    await makeAgentToken(o, agent.id);
    await t.db.update(issuedTokens).set({ revokedAt: new Date() }).where(eq(issuedTokens.jti, a.jti));
    const p = { org_id: o.id, id: agent.id };
    const res = await call(ping.POST, 'POST', '/x', { token: o.owner.token, params: p });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ agent_id: agent.id, enabled: true, status: 'ok', active_tokens: 1, connection: null, connection_check: 'none' });
    await patch(o, agent.id, { enabled: false });
    const off = await call(ping.POST, 'POST', '/x', { token: o.owner.token, params: p });
    expect(off.body).toMatchObject({ enabled: false, status: 'disabled' });
  });
});
