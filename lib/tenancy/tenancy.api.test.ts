// Organizations, environments and memberships through their endpoints, with their audit events.
import { and, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import * as meOrgs from '@/app/api/v1/auth/me/orgs/route';
import * as registerRoute from '@/app/api/v1/auth/register/route';
import * as envDetail from '@/app/api/v1/orgs/[org_id]/environments/[env_id]/route';
import * as envList from '@/app/api/v1/orgs/[org_id]/environments/route';
import * as memberDetail from '@/app/api/v1/orgs/[org_id]/members/[member_id]/route';
import * as memberList from '@/app/api/v1/orgs/[org_id]/members/route';
import * as orgDetail from '@/app/api/v1/orgs/[org_id]/route';
import * as orgList from '@/app/api/v1/orgs/route';
import { auditEvents, organizations } from '@/db/schema';
import { resetAuthLimiter } from '@/lib/accounts/throttle';
import { resetEnvCache } from '@/lib/env';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeOrg, makeUser, membershipId } from '@/test/helpers/fixtures';

const t = setupTestDb();

beforeEach(() => resetAuthLimiter());

async function eventsOf(orgId: string | null, action: string) {
  const rows = await t.db.select().from(auditEvents).where(eq(auditEvents.action, action));
  return rows.filter((r) => r.organizationId === orgId);
}

describe('organizations', () => {
  it('creates an organization with the caller as owner, lists and reads it', async () => {
    const u = await makeUser();
    const created = await call(orgList.POST, 'POST', '/api/v1/orgs/', { token: u.token, body: { name: '  Acme Robotics ' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Acme Robotics', role: 'owner' });
    const id = created.body.id;

    const list = await call(orgList.GET, 'GET', '/api/v1/orgs/', { token: u.token });
    expect(list.body).toMatchObject({ count: 1, next: null, previous: null });
    expect(list.body.results[0].id).toBe(id);
    const mine = await call(meOrgs.GET, 'GET', '/api/v1/auth/me/orgs/', { token: u.token });
    expect(mine.body.organizations).toEqual([expect.objectContaining({ id, role: 'owner' })]);

    const detail = await call(orgDetail.GET, 'GET', `/api/v1/orgs/${id}/`, { token: u.token, params: { org_id: id } });
    expect(detail.status).toBe(200);
    expect((await eventsOf(id, 'organization.create')).length).toBe(1);
  });

  it('refuses a duplicate name (409), an empty one and unknown fields (400)', async () => {
    const u = await makeUser();
    const name = `dup-${Date.now()}`;
    expect((await call(orgList.POST, 'POST', '/api/v1/orgs/', { token: u.token, body: { name } })).status).toBe(201);
    const dup = await call(orgList.POST, 'POST', '/api/v1/orgs/', { token: u.token, body: { name } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details.fields.name).toBeDefined();
    const bad = await call(orgList.POST, 'POST', '/api/v1/orgs/', { token: u.token, body: { name: ' ', id: 'x' } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['id', 'name']);
  });

  it('renames and deletes (owner); the deletion is audited in the instance trail', async () => {
    const o = await makeOrg();
    const renamed = await call(orgDetail.PATCH, 'PATCH', '/x', { token: o.owner.token, params: { org_id: o.id }, body: { name: `${o.name}-2` } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe(`${o.name}-2`);
    const [update] = await eventsOf(o.id, 'organization.update');
    expect(update!.eventData).toEqual({ changed_fields: ['name'] });
    expect(update!.subject).toBe(`user:${o.owner.id}`);
    expect(update!.context).toMatchObject({ request_id: expect.any(String) });

    const del = await call(orgDetail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: { org_id: o.id } });
    expect(del.status).toBe(204);
    expect(await t.db.select().from(organizations).where(eq(organizations.id, o.id))).toEqual([]);
    expect((await eventsOf(null, 'organization.delete')).some((e) => e.target === `organization:${o.id}`)).toBe(true);
    const gone = await call(orgDetail.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id } });
    expect(gone.status).toBe(404);
  });

  it('answers 404 for a malformed or unknown organization id', async () => {
    const u = await makeUser();
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      const res = await call(orgDetail.GET, 'GET', '/x', { token: u.token, params: { org_id: id } });
      expect(res.status).toBe(404);
    }
  });
});

describe('environments', () => {
  it('creates, lists, updates and deletes, with audit events', async () => {
    const o = await makeOrg();
    const p = { org_id: o.id };
    const created = await call(envList.POST, 'POST', '/x', { token: o.owner.token, params: p, body: { name: 'prod', type: 'production' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'prod', type: 'production', organization_id: o.id });
    const envId = created.body.id;

    const list = await call(envList.GET, 'GET', '/x?page_size=1', { token: o.owner.token, params: p });
    expect(list.body.count).toBe(2);
    expect(list.body.results).toHaveLength(1);
    expect(list.body.next).toContain('page=2');

    const dup = await call(envList.POST, 'POST', '/x', { token: o.owner.token, params: p, body: { name: 'prod' } });
    expect(dup.status).toBe(409);
    const badType = await call(envList.POST, 'POST', '/x', { token: o.owner.token, params: p, body: { name: 'qa', type: 'mars' } });
    expect(badType.status).toBe(400);
    expect(badType.body.error.details.fields.type).toBeDefined();

    const ep = { org_id: o.id, env_id: envId };
    const patched = await call(envDetail.PATCH, 'PATCH', '/x', { token: o.owner.token, params: ep, body: { name: 'production' } });
    expect(patched.body.name).toBe('production');
    const put = await call(envDetail.PUT, 'PUT', '/x', { token: o.owner.token, params: ep, body: { name: 'prod-eu' } });
    expect(put.status).toBe(400); // PUT needs the whole environment
    expect((await call(envDetail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: ep })).status).toBe(204);
    expect((await call(envDetail.GET, 'GET', '/x', { token: o.owner.token, params: ep })).status).toBe(404);

    for (const action of ['environment.create', 'environment.update', 'environment.delete']) {
      expect((await eventsOf(o.id, action)).length, action).toBeGreaterThan(0);
    }
  });

  it("answers 404 for another organization's environment under my organization", async () => {
    const mine = await makeOrg();
    const theirs = await makeOrg();
    const res = await call(envDetail.GET, 'GET', '/x', {
      token: mine.owner.token,
      params: { org_id: mine.id, env_id: theirs.envId },
    });
    expect(res.status).toBe(404);
  });
});

describe('members', () => {
  it('adds an existing user by email, invites an unknown one, changes roles and removes', async () => {
    const o = await makeOrg();
    const p = { org_id: o.id };
    const bob = await makeUser('bob');
    const added = await call(memberList.POST, 'POST', '/x', { token: o.owner.token, params: p, body: { email: bob.email.toUpperCase(), role: 'viewer' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ status: 'active', user_id: bob.id, role: 'viewer' });
    const again = await call(memberList.POST, 'POST', '/x', { token: o.owner.token, params: p, body: { email: bob.email } });
    expect(again.status).toBe(409);

    const invited = await call(memberList.POST, 'POST', '/x', { token: o.owner.token, params: p, body: { email: 'newcomer@example.com', role: 'member' } });
    expect(invited.body).toMatchObject({ status: 'invited', user_id: null, email: 'newcomer@example.com' });

    const list = await call(memberList.GET, 'GET', '/x', { token: bob.token, params: p });
    expect(list.body.results.map((m: { email: string }) => m.email).sort()).toEqual([bob.email, 'newcomer@example.com', o.owner.email].sort());

    const promoted = await call(memberDetail.PATCH, 'PATCH', '/x', { token: o.owner.token, params: { ...p, member_id: added.body.id }, body: { role: 'admin' } });
    expect(promoted.body.role).toBe('admin');
    const removed = await call(memberDetail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: { ...p, member_id: added.body.id } });
    expect(removed.status).toBe(204);
    expect((await call(orgDetail.GET, 'GET', '/x', { token: bob.token, params: p })).status).toBe(404);

    for (const action of ['membership.create', 'invitation.create', 'membership.update', 'membership.delete']) {
      expect((await eventsOf(o.id, action)).length, action).toBeGreaterThan(0);
    }
  });

  it('turns an invitation into a membership on registration, even when sign-up is by invitation', async () => {
    const o = await makeOrg();
    const email = `invitee-${Date.now()}@example.com`;
    await call(memberList.POST, 'POST', '/x', { token: o.owner.token, params: { org_id: o.id }, body: { email, role: 'viewer' } });
    process.env.SIGNUP_MODE = 'invite';
    resetEnvCache();
    try {
      const reg = await call(registerRoute.POST, 'POST', '/x', { body: { email, password: 'a long enough password' } });
      expect(reg.status).toBe(201);
      const mine = await call(meOrgs.GET, 'GET', '/x', { token: reg.body.token });
      expect(mine.body.organizations).toEqual([expect.objectContaining({ id: o.id, role: 'viewer' })]);
    } finally {
      delete process.env.SIGNUP_MODE;
      resetEnvCache();
    }
  });

  it('keeps the last owner: neither demoted nor removed', async () => {
    const o = await makeOrg();
    const ownerMembership = await membershipId(o.id, o.owner.id);
    const p = { org_id: o.id, member_id: ownerMembership };
    const demote = await call(memberDetail.PATCH, 'PATCH', '/x', { token: o.owner.token, params: p, body: { role: 'admin' } });
    expect(demote.status).toBe(409);
    expect(demote.body.error.details.reason).toBe('last_owner');
    const remove = await call(memberDetail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: p });
    expect(remove.status).toBe(409);

    // With a second owner, the first may step down.
    const second = await makeUser('second');
    await addMembership(o.id, second, 'owner');
    const ok = await call(memberDetail.PATCH, 'PATCH', '/x', { token: second.token, params: p, body: { role: 'admin' } });
    expect(ok.status).toBe(200);
  });

  it('lets admins manage roles below owner only', async () => {
    const o = await makeOrg();
    const admin = await makeUser('admin');
    await addMembership(o.id, admin, 'admin');
    const p = { org_id: o.id };
    const grantOwner = await call(memberList.POST, 'POST', '/x', { token: admin.token, params: p, body: { email: 'x@example.com', role: 'owner' } });
    expect(grantOwner.status).toBe(403);
    const ownerMembership = await membershipId(o.id, o.owner.id);
    const demoteOwner = await call(memberDetail.PATCH, 'PATCH', '/x', {
      token: admin.token,
      params: { ...p, member_id: ownerMembership },
      body: { role: 'viewer' },
    });
    expect(demoteOwner.status).toBe(403);
    const removeOwner = await call(memberDetail.DELETE, 'DELETE', '/x', { token: admin.token, params: { ...p, member_id: ownerMembership } });
    expect(removeOwner.status).toBe(403);
    const viewer = await call(memberList.POST, 'POST', '/x', { token: admin.token, params: p, body: { email: 'v@example.com', role: 'viewer' } });
    expect(viewer.status).toBe(201);
    // The refusals are in the organization's trail.
    const denied = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organizationId, o.id), eq(auditEvents.action, 'access.denied')));
    expect(denied.length).toBe(3);
    expect(denied.every((e) => e.decision === 'deny' && e.subject === `user:${admin.id}`)).toBe(true);
  });

  it('POST /auth/me/orgs/ adds by email for admins of that organization only', async () => {
    const o = await makeOrg();
    const carol = await makeUser('carol');
    const stranger = await makeUser('stranger');
    const body = { organization_id: o.id, email: carol.email, role: 'member' };
    const bySelfJoin = await call(meOrgs.POST, 'POST', '/x', { token: carol.token, body: { ...body } });
    expect(bySelfJoin.status).toBe(404); // not a member: the organization does not exist for her
    const byStranger = await call(meOrgs.POST, 'POST', '/x', { token: stranger.token, body });
    expect(byStranger.status).toBe(404);
    const viewer = await makeUser('viewer');
    await addMembership(o.id, viewer, 'viewer');
    expect((await call(meOrgs.POST, 'POST', '/x', { token: viewer.token, body })).status).toBe(403);
    const byOwner = await call(meOrgs.POST, 'POST', '/x', { token: o.owner.token, body });
    expect(byOwner.status).toBe(201);
    expect(byOwner.body).toMatchObject({ user_id: carol.id, role: 'member' });
    const bad = await call(meOrgs.POST, 'POST', '/x', { token: o.owner.token, body: { organization_id: 'nope', email: 'x' } });
    expect(bad.status).toBe(400);
  });
});

describe('audit of refusals', () => {
  it('records a 401 on an org-scoped route in the instance trail', async () => {
    const o = await makeOrg();
    const res = await call(orgDetail.GET, 'GET', '/x', { params: { org_id: o.id } });
    expect(res.status).toBe(401);
    const events = await eventsOf(null, 'access.unauthenticated');
    expect(events.some((e) => e.target === `org:${o.id}` && e.decision === 'deny')).toBe(true);
  });

  it('records a failed login', async () => {
    const u = await makeUser('login');
    const { POST } = await import('@/app/api/v1/auth/login/route');
    await call(POST, 'POST', '/x', { body: { email: u.email, password: 'wrong password' } });
    const events = await eventsOf(null, 'auth.login_failed');
    const mine = events.find((e) => e.subject === `email:${u.email}`);
    expect(mine).toMatchObject({ decision: 'deny', eventData: { reason: 'wrong_password' } });
    expect(JSON.stringify(mine)).not.toContain('wrong password');
  });
});
