// Service accounts through their endpoints: CRUD with audit, (org, name) unique, (subject, issuer)
// unique across organizations without saying where, and references checked inside the org.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as detail from '@/app/api/v1/orgs/[org_id]/service-accounts/[id]/route';
import * as list from '@/app/api/v1/orgs/[org_id]/service-accounts/route';
import { agents, auditEvents } from '@/db/schema';
import { createEnvironment } from '@/lib/tenancy/environments';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeOrg, makeSecretRef, makeServiceAccount, type TestOrg } from '@/test/helpers/fixtures';

const t = setupTestDb();

const create = (o: TestOrg, body: Record<string, unknown>) =>
  call(list.POST, 'POST', '/x', { token: o.owner.token, params: { org_id: o.id }, body });
const patch = (o: TestOrg, id: string, body: Record<string, unknown>) =>
  call(detail.PATCH, 'PATCH', '/x', { token: o.owner.token, params: { org_id: o.id, id }, body });
const fieldsOf = (res: { body: any }) => Object.keys(res.body.error.details.fields ?? {}).sort();

describe('service accounts', () => {
  it('creates, lists, reads, updates and deletes, with audit events', async () => {
    const o = await makeOrg();
    const ref = await makeSecretRef(o);
    const created = await create(o, {
      name: 'ci-runner',
      subject: 'repo:acme/app:ref:refs/heads/main',
      issuer: 'https://token.actions.githubusercontent.com',
      credential_ref: ref,
      scope_allowlist: ['runs.execute', 'mcp', 'mcp'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      organization_id: o.id,
      environment_id: null,
      name: 'ci-runner',
      audience: 'agentxsuite',
      credential_ref: ref,
      scope_allowlist: ['mcp', 'runs.execute'],
      enabled: true,
    });
    const id = created.body.id;
    const p = { org_id: o.id, id };

    const listed = await call(list.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id } });
    expect(listed.body).toMatchObject({ count: 1, next: null, previous: null });
    expect((await call(detail.GET, 'GET', '/x', { token: o.owner.token, params: p })).body).toEqual(created.body);

    const patched = await patch(o, id, { enabled: false, environment_id: o.envId, credential_ref: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, environment_id: o.envId, credential_ref: null });
    const put = await call(detail.PUT, 'PUT', '/x', { token: o.owner.token, params: p, body: { name: 'ci', subject: 's', issuer: 'https://i.example' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'ci', subject: 's', environment_id: null, enabled: true, scope_allowlist: [] });
    const incomplete = await call(detail.PUT, 'PUT', '/x', { token: o.owner.token, params: p, body: { name: 'ci' } });
    expect(fieldsOf(incomplete)).toEqual(['issuer', 'subject']);

    expect((await call(detail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: p })).status).toBe(204);
    expect((await call(detail.GET, 'GET', '/x', { token: o.owner.token, params: p })).status).toBe(404);
    const actions = (await t.db.select().from(auditEvents).where(eq(auditEvents.organizationId, o.id))).map((e) => e.action);
    for (const action of ['service_account.create', 'service_account.update', 'service_account.delete']) {
      expect(actions, action).toContain(action);
    }
  });

  it('refuses unknown scopes, foreign environments and foreign secret refs (400 naming each)', async () => {
    const o = await makeOrg();
    const other = await makeOrg();
    const res = await create(o, {
      name: 'x',
      subject: 'x',
      issuer: 'x',
      environment_id: other.envId,
      credential_ref: await makeSecretRef(other),
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['credential_ref', 'environment_id']);
    const scopes = await create(o, { name: 'x', subject: 'x', issuer: 'x', scope_allowlist: ['admin'] });
    expect(fieldsOf(scopes)).toEqual(['scope_allowlist.0']);
    const missing = await create(o, {});
    expect(fieldsOf(missing)).toEqual(['issuer', 'name', 'subject']);
  });

  it('keeps (org, name) unique, and (subject, issuer) unique across organizations without saying where', async () => {
    const a = await makeOrg();
    const b = await makeOrg();
    const first = await create(a, { name: 'shared', subject: 'workload-1', issuer: 'https://idp.example' });
    expect(first.status).toBe(201);
    const sameName = await create(a, { name: 'shared', subject: 'workload-2', issuer: 'https://idp.example' });
    expect(sameName.status).toBe(409);
    expect(fieldsOf(sameName)).toEqual(['name']);
    // Another organization may reuse the name, never the identity.
    const sameIdentity = await create(b, { name: 'shared', subject: 'workload-1', issuer: 'https://idp.example' });
    expect(sameIdentity.status).toBe(409);
    expect(fieldsOf(sameIdentity)).toEqual(['subject']);
    expect(sameIdentity.body.error.message).toMatch(/already used/);
    expect(JSON.stringify(sameIdentity.body)).not.toContain(a.id);
    expect(JSON.stringify(sameIdentity.body)).not.toContain(a.name);
    expect((await create(b, { name: 'shared', subject: 'workload-1', issuer: 'https://other-idp.example' })).status).toBe(201);

    const second = await makeServiceAccount(a);
    const renamed = await patch(a, second.id, { name: 'shared' });
    expect(renamed.status).toBe(409);
    const retargeted = await patch(a, second.id, { subject: 'workload-1', issuer: 'https://idp.example' });
    expect(retargeted.status).toBe(409);
    expect(fieldsOf(retargeted)).toEqual(['subject']);
  });

  it("keeps its environment consistent with its agent's, and unlinks the agent when deleted", async () => {
    const o = await makeOrg();
    const staging = await createEnvironment(o.ownerCtx, { name: 'staging', type: 'staging' });
    const account = await makeServiceAccount(o);
    const agent = await makeAgent(o, { service_account_id: account.id });
    const moved = await patch(o, account.id, { environment_id: staging.id });
    expect(moved.status).toBe(400);
    expect(fieldsOf(moved)).toEqual(['environment_id']);
    expect((await patch(o, account.id, { environment_id: o.envId })).status).toBe(200);

    await call(detail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: { org_id: o.id, id: account.id } });
    const [row] = await t.db.select().from(agents).where(and(eq(agents.id, agent.id), eq(agents.organizationId, o.id)));
    expect(row!.serviceAccountId).toBeNull();
  });

  it("answers 404 for another organization's service account", async () => {
    const victim = await makeOrg();
    const account = await makeServiceAccount(victim);
    const thief = await makeOrg();
    const p = { org_id: thief.id, id: account.id };
    expect((await call(detail.GET, 'GET', '/x', { token: thief.owner.token, params: p })).status).toBe(404);
    expect((await call(detail.PATCH, 'PATCH', '/x', { token: thief.owner.token, params: p, body: { enabled: false } })).status).toBe(404);
    expect((await call(detail.DELETE, 'DELETE', '/x', { token: thief.owner.token, params: p })).status).toBe(404);
  });
});
