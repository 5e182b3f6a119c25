// The secret endpoints: store (answers the ref only), list (metadata), delete, and the instance
// administrator's key rotation.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as rotateRoute from '@/app/api/v1/admin/secrets/rotate/route';
import * as storeRoute from '@/app/api/v1/orgs/[org_id]/connections/store-secret/route';
import * as secretDetail from '@/app/api/v1/orgs/[org_id]/secrets/[secret_ref]/route';
import * as secretList from '@/app/api/v1/orgs/[org_id]/secrets/route';
import { auditEvents, users } from '@/db/schema';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { resolveSecret } from './service';

const t = setupTestDb();

let o: TestOrg;
let other: TestOrg;
let instanceAdmin: TestUser;

beforeAll(async () => {
  instanceAdmin = await makeUser('instance-admin');
  await t.db.update(users).set({ isInstanceAdmin: true }).where(eq(users.id, instanceAdmin.id));
  o = await makeOrg();
  other = await makeOrg();
});

const store = (org: TestOrg, body: unknown, token = org.owner.token) =>
  call(storeRoute.POST, 'POST', `/api/v1/orgs/${org.id}/connections/store-secret/`, { token, params: { org_id: org.id }, body });

describe('POST …/connections/store-secret/', () => {
  it('answers 201 with {secret_ref, name} only, and the ref resolves to the value in the org', async () => {
    const res = await store(o, { value: 'ghp_example-value-1', name: 'GitHub' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['name', 'secret_ref']);
    expect(res.body.name).toBe('GitHub');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await resolveSecret({ db: t.db, orgId: o.id }, res.body.secret_ref)).toBe('ghp_example-value-1');

    const unnamed = await store(o, { value: 'v' });
    expect(unnamed.body).toEqual({ secret_ref: expect.any(String), name: null });
  });

  it('refuses bad bodies with 400 naming the field, and never repeats the value', async () => {
    const value = 'do-not-echo-4b1d';
    const cases: [unknown, string][] = [
      [{}, 'value'],
      [{ value: '' }, 'value'],
      [{ value: 42 }, 'value'],
      [{ value: 'x'.repeat(64 * 1024 + 1) }, 'value'],
      [{ value, name: 'n'.repeat(121) }, 'name'],
      [{ value, name: 7 }, 'name'],
      [{ value, color: value }, 'color'],
    ];
    for (const [body, field] of cases) {
      const res = await store(o, body);
      expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(400);
      expect(res.body.error.details.fields[field]).toBeDefined();
      expect(JSON.stringify(res.body)).not.toContain(value);
    }
  });

  it('refuses a body that is not JSON without quoting it', async () => {
    for (const rawBody of ['{"value": do-not-echo-9f3e}', '{"value": "do-not-echo-9f3e", }', '{"value": "do-not-echo-9f3e"']) {
      const res = await call(storeRoute.POST, 'POST', '/x', { token: o.owner.token, params: { org_id: o.id }, rawBody });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_json');
      expect(JSON.stringify(res.body)).not.toContain('do-not');
    }
  });

  it('is for admins: a member gets 403, a stranger 404, an anonymous caller 401', async () => {
    const member = await makeUser('member');
    await addMembership(o.id, member, 'member');
    expect((await store(o, { value: 'x' }, member.token)).status).toBe(403);
    expect((await store(o, { value: 'x' }, other.owner.token)).status).toBe(404);
    const anon = await call(storeRoute.POST, 'POST', '/x', { params: { org_id: o.id }, body: { value: 'x' } });
    expect(anon.status).toBe(401);
  });
});

describe('GET …/secrets/ and DELETE …/secrets/{secret_ref}/', () => {
  it('lists metadata with paging, never values; deletes; audits both with names and refs only', async () => {
    const org = await makeOrg();
    const refs: string[] = [];
    for (let i = 0; i < 3; i++) refs.push((await store(org, { value: `list-value-${i}-c0ffee`, name: `k${i}` })).body.secret_ref);

    const list = await call(secretList.GET, 'GET', `/api/v1/orgs/${org.id}/secrets/?page_size=2`, { token: org.owner.token, params: { org_id: org.id } });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ count: 3, previous: null });
    expect(list.body.next).toContain('page=2');
    expect(list.body.results[0]).toEqual({
      secret_ref: refs[2],
      name: 'k2',
      key_id: expect.any(String),
      created_by_id: org.owner.id,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(JSON.stringify(list.body)).not.toContain('c0ffee');

    const p = { org_id: org.id, secret_ref: refs[0]! };
    expect((await call(secretDetail.DELETE, 'DELETE', '/x', { token: org.owner.token, params: p })).status).toBe(204);
    expect((await call(secretDetail.DELETE, 'DELETE', '/x', { token: org.owner.token, params: p })).status).toBe(404);
    const after = await call(secretList.GET, 'GET', '/x', { token: org.owner.token, params: { org_id: org.id } });
    expect(after.body.count).toBe(2);

    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.organizationId, org.id));
    expect(events.filter((e) => e.action === 'secret.store')).toHaveLength(3);
    expect(events.filter((e) => e.action === 'secret.delete').map((e) => e.target)).toEqual([`secret:${refs[0]}`]);
    expect(JSON.stringify(events)).not.toContain('c0ffee');
  });

  it("answers 404 for another organization's ref under my organization, and for a malformed ref", async () => {
    const theirs = (await store(other, { value: 'theirs-value' })).body.secret_ref;
    for (const ref of [theirs, 'nope', '00000000-0000-4000-8000-000000000000']) {
      const res = await call(secretDetail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: { org_id: o.id, secret_ref: ref } });
      expect(res.status).toBe(404);
    }
    expect(await resolveSecret({ db: t.db, orgId: other.id }, theirs)).toBe('theirs-value');
  });

  it('keeps the list from members (403)', async () => {
    const member = await makeUser('member');
    await addMembership(o.id, member, 'member');
    const res = await call(secretList.GET, 'GET', '/x', { token: member.token, params: { org_id: o.id } });
    expect(res.status).toBe(403);
  });
});

describe('POST /api/v1/admin/secrets/rotate/', () => {
  it('rotates for the instance administrator and answers the counts; secrets still resolve', async () => {
    const value = 'rotate-me-0451';
    const ref = (await store(o, { value })).body.secret_ref;
    const res = await call(rotateRoute.POST, 'POST', '/api/v1/admin/secrets/rotate/', { token: instanceAdmin.token });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ rotated: expect.any(Number), key_id: expect.any(String), retired_keys: 1, deleted_keys: 1, failed: 0 });
    expect(res.body.rotated).toBeGreaterThan(0);
    expect(await resolveSecret({ db: t.db, orgId: o.id }, ref)).toBe(value);
    const list = await call(secretList.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id } });
    expect(list.body.results.every((s: { key_id: string }) => s.key_id === res.body.key_id)).toBe(true);
  });

  it('refuses an organization owner who is not the instance administrator (403) and anonymous callers (401)', async () => {
    const owner = await makeUser('plain-owner');
    await t.db.update(users).set({ isInstanceAdmin: false }).where(eq(users.id, owner.id));
    expect((await call(rotateRoute.POST, 'POST', '/x', { token: owner.token })).status).toBe(403);
    expect((await call(rotateRoute.POST, 'POST', '/x', {})).status).toBe(401);
  });
});
