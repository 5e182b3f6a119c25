// The policies API end to end: policies, rules and bindings (both path forms), versions, the
// revision that makes every instance recompile, validation with field details, audit, the two
// evaluate endpoints and an agent's effective permissions.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as agentPermissions from '@/app/api/v1/orgs/[org_id]/agents/[id]/permissions/route';
import * as policyDetail from '@/app/api/v1/orgs/[org_id]/policies/[id]/route';
import * as policyRules from '@/app/api/v1/orgs/[org_id]/policies/[id]/rules/route';
import * as orgEvaluate from '@/app/api/v1/orgs/[org_id]/policies/evaluate/route';
import * as policyList from '@/app/api/v1/orgs/[org_id]/policies/route';
import * as bindingDetail from '@/app/api/v1/policies/bindings/[id]/route';
import * as bindingList from '@/app/api/v1/policies/bindings/route';
import * as globalEvaluate from '@/app/api/v1/policies/evaluate/route';
import * as ruleDetail from '@/app/api/v1/policies/rules/[id]/route';
import * as ruleList from '@/app/api/v1/policies/rules/route';
import { getDb } from '@/db/client';
import { auditEvents, connections, policies, policyRevisions, tools } from '@/db/schema';
import { createEnvironment } from '@/lib/tenancy/environments';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeAgent, makeConnection, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { bumpPolicyRevision, CHECK_INTERVAL_MS, compiledPoliciesFor } from './store';
import { decide } from './engine';

setupTestDb();

let org: TestOrg;
let viewer: TestUser;
let member: TestUser;

const P = () => ({ org_id: org.id });
const createPolicy = (body: Record<string, unknown>, token = org.owner.token) => call(policyList.POST, 'POST', '/x', { token, params: P(), body });
const getPolicy = (id: string, token = org.owner.token) => call(policyDetail.GET, 'GET', '/x', { token, params: { ...P(), id } });
const patchPolicy = (id: string, body: Record<string, unknown>) => call(policyDetail.PATCH, 'PATCH', '/x', { token: org.owner.token, params: { ...P(), id }, body });
const addRule = (id: string, body: Record<string, unknown>) => call(policyRules.POST, 'POST', '/x', { token: org.owner.token, params: { ...P(), id }, body });
const bind = (body: Record<string, unknown>, token = org.owner.token) => call(bindingList.POST, 'POST', '/x', { token, body });
const evaluate = (body: Record<string, unknown>, token = org.owner.token) => call(orgEvaluate.POST, 'POST', '/x', { token, params: P(), body });

/** A synced tool `name` on connection `connectionName` in the org's environment. */
async function syncedTool(connectionName: string, name: string): Promise<{ toolId: string; connectionId: string }> {
  const db = await getDb();
  let [conn] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.organizationId, org.id), eq(connections.name, connectionName)));
  if (!conn) {
    const id = await makeConnection(org, connectionName);
    [conn] = await db.select().from(connections).where(eq(connections.id, id));
  }
  const [tool] = await db
    .insert(tools)
    .values({ organizationId: org.id, environmentId: org.envId, connectionId: conn!.id, name, origin: 'sync', schemaJson: { type: 'object' } })
    .returning();
  return { toolId: tool!.id, connectionId: conn!.id };
}

beforeAll(async () => {
  org = await makeOrg(undefined, 'policies');
  viewer = await makeUser('viewer');
  member = await makeUser('member');
  await addMembership(org.id, viewer, 'viewer');
  await addMembership(org.id, member, 'member');
});

afterEach(() => {
  vi.useRealTimers();
});

describe('policies', () => {
  it('creates, reads, updates (version +1 each change) and deletes a policy, audited', async () => {
    const created = await createPolicy({ name: 'base', description: 'Baseline', rules_json: { allow: ['echo'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'base', version: 1, is_active: true, environment_id: null, rules_json: { allow: ['echo'] }, rules: [], bindings: [] });
    const id = created.body.id;

    const patched = await patchPolicy(id, { rules_json: { allow: ['echo'], deny: ['conn/rm'] } });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);

    const rule = await addRule(id, { action: 'tool.invoke', target: 'tool:conn/*', effect: 'deny' });
    expect(rule.status).toBe(201);
    const read = await getPolicy(id, viewer.token);
    expect(read.status).toBe(200);
    expect(read.body.version).toBe(3);
    expect(read.body.rules).toMatchObject([{ id: rule.body.id, action: 'tool.invoke', target: 'tool:conn/*', effect: 'deny', conditions: {} }]);

    const listed = await call(policyList.GET, 'GET', '/x', { token: viewer.token, params: P() });
    expect(listed.body.results.map((p: { name: string }) => p.name)).toContain('base');

    const del = await call(policyDetail.DELETE, 'DELETE', '/x', { token: org.owner.token, params: { ...P(), id } });
    expect(del.status).toBe(204);
    expect((await getPolicy(id)).status).toBe(404);

    const db = await getDb();
    const events = await db.select().from(auditEvents).where(eq(auditEvents.organizationId, org.id));
    const actions = events.filter((e) => e.eventData && (e.eventData as { policy_id?: string }).policy_id === id).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['policy.create', 'policy.update', 'policy.rule_create', 'policy.delete']));
  });

  it('refuses bad input with field details and writes nothing', async () => {
    const bad = await createPolicy({ name: '', rules_json: { allow: ['has space'], other: [] }, environment_id: 'nope' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields)).toEqual(expect.arrayContaining(['name', 'rules_json.allow.0', 'rules_json.other', 'environment_id']));

    const foreignEnv = await createPolicy({ name: 'elsewhere', environment_id: (await makeOrg()).envId });
    expect(foreignEnv.status).toBe(400);
    expect(foreignEnv.body.error.details.fields.environment_id).toEqual(['Unknown environment']);

    const ok = await createPolicy({ name: 'dup' });
    expect(ok.status).toBe(201);
    const dup = await createPolicy({ name: 'dup' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details.fields.name).toBeDefined();

    const badRule = await addRule(ok.body.id, { action: 'tool.explode', target: 'nothing', effect: 'maybe', conditions: { time_window: { start: '25:00' } } });
    expect(badRule.status).toBe(400);
    expect(Object.keys(badRule.body.error.details.fields)).toEqual(expect.arrayContaining(['action', 'target', 'effect']));
    const badConditions = await addRule(ok.body.id, { action: 'tool.invoke', target: 'tool:a/b', effect: 'allow', conditions: { time_window: { start: '25:00', end: '10:00' }, nonsense: 1 } });
    expect(badConditions.status).toBe(400);
    expect(Object.keys(badConditions.body.error.details.fields).some((k) => k.startsWith('conditions.'))).toBe(true);
    expect((await getPolicy(ok.body.id)).body).toMatchObject({ version: 1, rules: [] });
  });

  it('lets only admins change policies; viewers read and evaluate', async () => {
    expect((await createPolicy({ name: 'by-member' }, member.token)).status).toBe(403);
    const p = await createPolicy({ name: 'admins-only' });
    expect((await getPolicy(p.body.id, viewer.token)).status).toBe(200);
    expect((await evaluate({ subject: 'role:viewer', action: 'tool.invoke', target: 'tool:a/b' }, viewer.token)).status).toBe(200);
    expect((await bind({ policy_id: p.body.id, scope_type: 'role', scope_id: 'member' }, member.token)).status).toBe(403);
  });
});

describe('rules and bindings by id', () => {
  it('create, list, update and delete rules and bindings, each raising the policy version', async () => {
    const p = (await createPolicy({ name: 'flat' })).body;
    const rule = await call(ruleList.POST, 'POST', '/x', { token: org.owner.token, body: { policy_id: p.id, action: 'tool.*', target: 'tool:*/echo', effect: 'allow' } });
    expect(rule.status).toBe(201);
    const listed = await call(ruleList.GET, 'GET', `/x?policy_id=${p.id}`, { token: viewer.token });
    expect(listed.body).toMatchObject({ count: 1, results: [{ id: rule.body.id }] });
    const put = await call(ruleDetail.PUT, 'PUT', '/x', { token: org.owner.token, params: { id: rule.body.id }, body: { action: 'tool.invoke', target: 'tool:x/y', effect: 'deny' } });
    expect(put.body).toMatchObject({ action: 'tool.invoke', target: 'tool:x/y', effect: 'deny', conditions: {} });
    expect((await call(ruleDetail.GET, 'GET', '/x', { token: viewer.token, params: { id: rule.body.id } })).body.effect).toBe('deny');

    const agent = await makeAgent(org);
    const binding = await bind({ policy_id: p.id, scope_type: 'agent', scope_id: agent.id, priority: 7 });
    expect(binding.status).toBe(201);
    const patched = await call(bindingDetail.PATCH, 'PATCH', '/x', { token: org.owner.token, params: { id: binding.body.id }, body: { priority: 8 } });
    expect(patched.body.priority).toBe(8);
    const bindings = await call(bindingList.GET, 'GET', `/x?policy_id=${p.id}`, { token: viewer.token });
    expect(bindings.body.count).toBe(1);

    expect((await call(ruleDetail.DELETE, 'DELETE', '/x', { token: org.owner.token, params: { id: rule.body.id } })).status).toBe(204);
    expect((await call(bindingDetail.DELETE, 'DELETE', '/x', { token: org.owner.token, params: { id: binding.body.id } })).status).toBe(204);
    // create rule, put rule, create binding, patch binding, delete rule, delete binding
    expect((await getPolicy(p.id)).body).toMatchObject({ version: 7, rules: [], bindings: [] });
  });

  it("checks a binding's scope against the organization", async () => {
    const p = (await createPolicy({ name: 'scoped' })).body;
    const other = await makeOrg();
    const otherAgent = await makeAgent(other);
    const cases: [Record<string, unknown>, string][] = [
      [{ scope_type: 'agent', scope_id: otherAgent.id }, 'Unknown agent'],
      [{ scope_type: 'org', scope_id: other.id }, "Use this organization's id"],
      [{ scope_type: 'env', scope_id: other.envId }, 'Unknown environment'],
      [{ scope_type: 'role', scope_id: 'superuser' }, 'Use one of viewer, member, admin, owner'],
      [{ scope_type: 'user', scope_id: other.owner.id }, 'Not a member of this organization'],
      [{ scope_type: 'tool', scope_id: 'not-a-uuid' }, 'Unknown tool'],
    ];
    for (const [body, message] of cases) {
      const res = await bind({ policy_id: p.id, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.fields.scope_id).toEqual([message]);
    }
    const bad = await bind({ policy_id: p.id, scope_type: 'planet', scope_id: 'x', priority: 1.5 });
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['priority', 'scope_type']);
    expect((await getPolicy(p.id)).body).toMatchObject({ version: 1, bindings: [] });
  });
});

describe('evaluate', () => {
  it('denies by default and explains; an added rule applies at once; deny wins at equal priority', async () => {
    const { toolId } = await syncedTool('ev', 'get-env');
    const agent = await makeAgent(org);
    const ask = () => evaluate({ agent_id: agent.id, action: 'tool.invoke', target: 'tool:ev/get-env' });

    const first = await ask();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      decision: 'deny',
      reason: 'No policy explicitly allows tool.invoke on tool:ev/get-env',
      matched: { policy_id: null, rule_id: null, binding_id: null },
      request: { environment_id: org.envId, environment_type: 'development', target_id: toolId },
    });

    const allow = (await createPolicy({ name: 'allow-ev', rules_json: { allow: ['ev/*'] } })).body;
    const allowed = await ask();
    expect(allowed.body).toMatchObject({ decision: 'allow', matched: { policy_id: allow.id } });

    const deny = (await createPolicy({ name: 'deny-get-env' })).body;
    const rule = (await addRule(deny.id, { action: 'tool.invoke', target: 'tool:*/get-env', effect: 'deny' })).body;
    const denied = await ask();
    expect(denied.body).toMatchObject({ decision: 'deny', matched: { policy_id: deny.id, rule_id: rule.id } });
    expect(denied.body.explanation).toContain('deny-get-env');

    // A binding to this agent with a higher priority lifts the allow above the deny.
    const binding = (await bind({ policy_id: allow.id, scope_type: 'agent', scope_id: agent.id, priority: 10 })).body;
    expect((await ask()).body).toMatchObject({ decision: 'allow', matched: { policy_id: allow.id, binding_id: binding.id }, priority: 10 });

    // ...but then the allow policy applies only to that agent.
    const other = await makeAgent(org);
    expect((await evaluate({ agent_id: other.id, action: 'tool.invoke', target: 'tool:ev/get-env' })).body.decision).toBe('deny');

    // Deactivated: it no longer applies.
    await patchPolicy(allow.id, { is_active: false });
    expect((await ask()).body.decision).toBe('deny');
  });

  it('applies environment-specific policies only in their environment', async () => {
    const prod = await createEnvironment(org.ownerCtx, { name: `prod-${Date.now()}`, type: 'production' });
    await createPolicy({ name: 'prod-only', environment_id: prod.id, rules_json: { allow: ['prodtool'] } });
    const inDev = await evaluate({ subject: `user:${member.id}`, action: 'tool.invoke', target: 'tool:c/prodtool', environment_id: org.envId });
    const inProd = await evaluate({ subject: `user:${member.id}`, action: 'tool.invoke', target: 'tool:c/prodtool', environment_id: prod.id });
    expect(inDev.body.decision).toBe('deny');
    expect(inProd.body).toMatchObject({ decision: 'allow', request: { environment_type: 'production', subject: { userId: member.id, roles: ['member'] } } });
  });

  it('refuses questions it cannot answer with field details', async () => {
    const agent = await makeAgent(org);
    const res = await evaluate({ action: 'tool.*', target: 'tool:*' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details.fields).sort()).toEqual(['action', 'agent_id', 'target']);
    const foreignAgent = await makeAgent(await makeOrg());
    expect((await evaluate({ agent_id: foreignAgent.id, action: 'tool.invoke', target: 'tool:a/b' })).body.error.details.fields.agent_id).toEqual(['Unknown agent']);
    const prod = await createEnvironment(org.ownerCtx, { name: `other-${Date.now()}`, type: 'staging' });
    const mismatch = await evaluate({ agent_id: agent.id, action: 'tool.invoke', target: 'tool:a/b', environment_id: prod.id });
    expect(mismatch.body.error.details.fields.environment_id).toEqual(['The agent belongs to another environment']);
    const stranger = await evaluate({ subject: `user:${(await makeUser()).id}`, action: 'tool.invoke', target: 'tool:a/b' });
    expect(stranger.body.error.details.fields.subject).toEqual(['Not a member of this organization']);
  });

  it('global evaluate answers for the agent’s organization, only among the caller’s', async () => {
    const agent = await makeAgent(org);
    const ok = await call(globalEvaluate.POST, 'POST', '/x', { token: viewer.token, body: { agent_id: agent.id, action: 'tool.invoke', target: 'tool:a/b' } });
    expect(ok.status).toBe(200);
    expect(ok.body.request.organization_id).toBe(org.id);
    const byOrg = await call(globalEvaluate.POST, 'POST', '/x', { token: viewer.token, body: { organization_id: org.id, subject: 'role:viewer', action: 'tool.invoke', target: 'tool:a/b' } });
    expect(byOrg.status).toBe(200);
    const outsider = await makeUser('outsider');
    const refused = await call(globalEvaluate.POST, 'POST', '/x', { token: outsider.token, body: { agent_id: agent.id, action: 'tool.invoke', target: 'tool:a/b' } });
    expect(refused.status).toBe(404);
    const neither = await call(globalEvaluate.POST, 'POST', '/x', { token: viewer.token, body: { subject: 'role:viewer', action: 'tool.invoke', target: 'tool:a/b' } });
    expect(neither.status).toBe(400);
  });
});

describe('compiled policies across instances', () => {
  it('picks up a change made elsewhere within a second, without reloading per request', async () => {
    const o = await makeOrg(undefined, 'instances');
    const db = await getDb();
    const request = { organizationId: o.id, environmentId: o.envId, subject: { roles: [] }, action: 'tool.invoke', target: 'tool:c/t' };
    const before = await compiledPoliciesFor(db, o.id);
    expect(decide(before, request).decision).toBe('deny');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });

    // Another instance's write: rows and revision change, this instance's cache is not told.
    await db.transaction(async (tx) => {
      await tx.insert(policies).values({ organizationId: o.id, name: 'remote', rulesJson: { allow: ['t'] } });
      await bumpPolicyRevision(tx, o.id);
    });
    expect(await compiledPoliciesFor(db, o.id)).toBe(before);
    vi.setSystemTime(Date.now() + CHECK_INTERVAL_MS + 1);
    const after = await compiledPoliciesFor(db, o.id);
    expect(after).not.toBe(before);
    expect(decide(after, request).decision).toBe('allow');
    // Unchanged revision: the same compiled object is reused (no recompilation).
    vi.setSystemTime(Date.now() + CHECK_INTERVAL_MS + 1);
    expect(await compiledPoliciesFor(db, o.id)).toBe(after);
    const [rev] = await db.select().from(policyRevisions).where(eq(policyRevisions.organizationId, o.id));
    expect(rev!.revision).toBe(1);
  });
});

describe('effective permissions', () => {
  it("lists the agent's tools with the decision and why, and what tools/list would show", async () => {
    const o = await makeOrg(undefined, 'effective');
    const saved = org;
    org = o;
    try {
      const { toolId: echoId } = await syncedTool('srv', 'echo');
      await syncedTool('srv', 'rm');
      await syncedTool('srv', 'stale-one');
      const db = await getDb();
      await db.update(tools).set({ syncStatus: 'stale' }).where(and(eq(tools.organizationId, o.id), eq(tools.name, 'stale-one')));
      const agent = await makeAgent(o);
      const p = (await createPolicy({ name: 'srv', rules_json: { allow: ['srv/*'], deny: ['rm'] } })).body;
      // A conditional deny never hides a tool from the list; it is decided at call time.
      await addRule(p.id, { action: 'tool.invoke', target: 'tool:srv/echo', effect: 'deny', conditions: { input: { text: 'forbidden' } } });

      const res = await call(agentPermissions.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id, id: agent.id } });
      expect(res.status).toBe(200);
      const byName = Object.fromEntries(res.body.tools.map((t: { name: string }) => [t.name, t]));
      expect(byName.echo).toMatchObject({ tool_id: echoId, decision: 'allow', visible: true, target: 'tool:srv/echo', matched: { policy_id: p.id } });
      expect(byName.rm).toMatchObject({ decision: 'deny', visible: false });
      expect(byName['stale-one']).toMatchObject({ decision: 'allow', visible: false, not_runnable_reason: 'Its sync status is stale' });
      expect(res.body.summary).toEqual({ tools_allowed: 2, tools_visible: 1, tools_total: 3 });

      const foreign = await call(agentPermissions.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id, id: (await makeAgent(saved)).id } });
      expect(foreign.status).toBe(404);
    } finally {
      org = saved;
    }
  });
});
