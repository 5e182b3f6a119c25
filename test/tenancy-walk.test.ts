// The tenancy walk: every API route that can reach organization data is called by a user of
// another organization with the first organization's ids, and must answer 404 (never 403, never
// data). Routes are discovered from app/api/v1, so a new route without an entry here fails this
// test: add its entry (and its ids) when you add the route.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeConnection, makeOrg, makeServiceAccount, membershipId, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { getDb } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { eq } from 'drizzle-orm';
import { policies, policyBindings, policyRules, runs, tools } from '@/db/schema';
import { makeMcpServer } from '@/test/helpers/fixtures';

setupTestDb();

interface Victim {
  org: TestOrg;
  memberId: string;
  auditEventId: string;
  agentId: string;
  serviceAccountId: string;
  connectionId: string;
  /** A synced tool of the victim's connection. */
  toolId: string;
  /** An active token of the victim's agent. */
  jti: string;
}

type Walk =
  /** Org data addressed by ids in the path: the stranger must get 404. */
  | { kind: 'org-scoped'; params: (v: Victim) => Record<string, string>; body?: (v: Victim) => unknown }
  /** Org data addressed by ids in the body: the stranger must get 404 (and a GET list shows nothing of it). */
  | { kind: 'org-in-body'; methods: string[]; body: (v: Victim) => unknown; check?: (res: { status: number; body: any }, v: Victim) => void }
  /** Not org-scoped; `check` proves the stranger sees nothing of the victim's organization. */
  | { kind: 'global'; check?: (res: { status: number; body: any }, v: Victim) => void }
  /** Public or the caller's own account only. */
  | { kind: 'self' };

const org = (v: Victim) => ({ org_id: v.org.id });
/** The victim's MCP server registration (set in beforeAll). */
let victimMcpServerId = '';
/** The victim's run (set in beforeAll). */
const victimRun = { id: '' };
/** The victim's policy with one rule and one binding (set in beforeAll). */
const victimPolicy = { id: '', ruleId: '', bindingId: '' };
const seesNoVictimPolicy = (res: { status: number; body: any }) => {
  expect(res.status).toBe(200);
  for (const id of Object.values(victimPolicy)) expect(JSON.stringify(res.body)).not.toContain(id);
};

/** Route directory (relative to app/api/v1) → how to walk it. */
const WALK: Record<string, Walk> = {
  '[...path]': { kind: 'self' },
  // Instance-wide (instance administrator only), no organization data.
  'admin/signing-keys/rotate': { kind: 'self' },
  'admin/secrets/rotate': { kind: 'self' },
  'auth/register': { kind: 'self' },
  'auth/login': { kind: 'self' },
  'auth/logout': { kind: 'self' },
  'auth/me': { kind: 'self' },
  'auth/me/orgs': {
    kind: 'org-in-body',
    methods: ['POST'],
    body: (v) => ({ organization_id: v.org.id, email: 'someone@example.com', role: 'viewer' }),
  },
  orgs: {
    kind: 'global',
    check: (res, v) => expect(JSON.stringify(res.body)).not.toContain(v.org.id),
  },
  'orgs/[org_id]': { kind: 'org-scoped', params: org, body: () => ({ name: 'stolen' }) },
  'orgs/[org_id]/environments': { kind: 'org-scoped', params: org, body: () => ({ name: 'stolen' }) },
  'orgs/[org_id]/environments/[env_id]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, env_id: v.org.envId }),
    body: () => ({ name: 'stolen', type: 'production' }),
  },
  'orgs/[org_id]/members': { kind: 'org-scoped', params: org, body: () => ({ email: 'thief@example.com', role: 'owner' }) },
  'orgs/[org_id]/members/[member_id]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, member_id: v.memberId }),
    body: () => ({ role: 'owner' }),
  },
  'orgs/[org_id]/audit': { kind: 'org-scoped', params: org },
  'orgs/[org_id]/audit/[id]': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.auditEventId }) },
  'orgs/[org_id]/audit/export': { kind: 'org-scoped', params: org },
  'orgs/[org_id]/audit/verify': { kind: 'org-scoped', params: org },
  'orgs/[org_id]/connections/store-secret': { kind: 'org-scoped', params: org, body: () => ({ value: 'planted', name: 'stolen' }) },
  'orgs/[org_id]/secrets': { kind: 'org-scoped', params: org },
  // The org decides here; refs of another org under one's own org are in lib/secrets/secrets.api.test.ts.
  'orgs/[org_id]/secrets/[secret_ref]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, secret_ref: '00000000-0000-4000-8000-0000000000ff' }),
  },
  // Agents, agent tokens and service accounts (lib/agents).
  // Paths without the org: it is read from the connection, and a stranger must still get 404.
  'connections/[id]/test': { kind: 'org-scoped', params: (v) => ({ id: v.connectionId }) },
  'connections/[id]/sync': { kind: 'org-scoped', params: (v) => ({ id: v.connectionId }) },
  // Tools (lib/tools).
  'orgs/[org_id]/tools': {
    kind: 'org-scoped',
    params: org,
    body: (v) => ({ connection_id: v.connectionId, name: 'stolen' }),
  },
  'orgs/[org_id]/tools/[id]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, id: v.toolId }),
    body: () => ({ enabled: false }),
  },
  'orgs/[org_id]/tools/[id]/approve': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.toolId }), body: () => ({}) },
  'orgs/[org_id]/connections': {
    kind: 'org-scoped',
    params: org,
    body: (v) => ({ environment_id: v.org.envId, name: 'stolen', endpoint: 'https://evil.example/mcp' }),
  },
  // MCP server registry (lib/mcp-servers); the victim's registration is made in the test itself.
  'orgs/[org_id]/mcp/servers': {
    kind: 'org-scoped',
    params: org,
    body: (v) => ({ environment_id: v.org.envId, name: 'stolen', server_type: 'http', endpoint: 'https://evil.example/mcp' }),
  },
  'orgs/[org_id]/mcp/servers/[id]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, id: victimMcpServerId }),
    body: () => ({ endpoint: 'https://evil.example/mcp' }),
  },
  'orgs/[org_id]/mcp/servers/[id]/health-check': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: victimMcpServerId }) },
  'orgs/[org_id]/connections/[id]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, id: v.connectionId }),
    body: () => ({ endpoint: 'https://evil.example/mcp' }),
  },
  'orgs/[org_id]/agents': { kind: 'org-scoped', params: org, body: (v) => ({ environment_id: v.org.envId, name: 'stolen', mode: 'CALLER' }) },
  'orgs/[org_id]/agents/create-axcore': { kind: 'org-scoped', params: org, body: (v) => ({ environment_id: v.org.envId, name: 'stolen', mode: 'CALLER' }) },
  'orgs/[org_id]/agents/[id]': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.agentId }), body: () => ({ enabled: false }) },
  'orgs/[org_id]/agents/[id]/ping': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.agentId }) },
  'orgs/[org_id]/agents/[id]/tokens': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.agentId }), body: () => ({}) },
  'orgs/[org_id]/agents/[id]/tokens/[jti]': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.agentId, jti: v.jti }) },
  'orgs/[org_id]/agents/[id]/tokens/[jti]/revoke': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.agentId, jti: v.jti }) },
  'orgs/[org_id]/service-accounts': { kind: 'org-scoped', params: org, body: () => ({ name: 'stolen', subject: 'stolen', issuer: 'https://evil.example' }) },
  'orgs/[org_id]/service-accounts/[id]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, id: v.serviceAccountId }),
    body: () => ({ enabled: false }),
  },
  'orgs/[org_id]/agents/[id]/permissions': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: v.agentId }) },
  // Policies (lib/policy). Rules and bindings by id resolve the org through their policy.
  'orgs/[org_id]/policies': { kind: 'org-scoped', params: org, body: () => ({ name: 'stolen' }) },
  'orgs/[org_id]/policies/[id]': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, id: victimPolicy.id }),
    body: () => ({ is_active: false, rules_json: { allow: ['*'] } }),
  },
  'orgs/[org_id]/policies/[id]/rules': {
    kind: 'org-scoped',
    params: (v) => ({ org_id: v.org.id, id: victimPolicy.id }),
    body: () => ({ action: 'tool.invoke', target: 'tool:*', effect: 'allow' }),
  },
  'orgs/[org_id]/policies/evaluate': {
    kind: 'org-scoped',
    params: org,
    body: (v) => ({ agent_id: v.agentId, action: 'tool.invoke', target: 'tool:c/victim-tool' }),
  },
  'policies/evaluate': {
    kind: 'org-in-body',
    methods: ['POST'],
    body: (v) => ({ agent_id: v.agentId, action: 'tool.invoke', target: 'tool:c/victim-tool' }),
  },
  'policies/rules': {
    kind: 'org-in-body',
    methods: ['POST'],
    body: () => ({ policy_id: victimPolicy.id, action: 'tool.invoke', target: 'tool:*', effect: 'allow' }),
    check: seesNoVictimPolicy,
  },
  'policies/rules/[id]': {
    kind: 'org-scoped',
    params: () => ({ id: victimPolicy.ruleId }),
    body: () => ({ effect: 'allow', action: 'tool.invoke', target: 'tool:*' }),
  },
  'policies/bindings': {
    kind: 'org-in-body',
    methods: ['POST'],
    body: (v) => ({ policy_id: victimPolicy.id, scope_type: 'org', scope_id: v.org.id, priority: 100 }),
    check: seesNoVictimPolicy,
  },
  'policies/bindings/[id]': {
    kind: 'org-scoped',
    params: () => ({ id: victimPolicy.bindingId }),
    body: () => ({ scope_type: 'role', scope_id: 'viewer', priority: 1000 }),
  },
  // Runs (lib/runs, lib/executor).
  'orgs/[org_id]/runs': { kind: 'org-scoped', params: org },
  'orgs/[org_id]/runs/[id]': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: victimRun.id }) },
  'orgs/[org_id]/runs/[id]/steps': { kind: 'org-scoped', params: (v) => ({ org_id: v.org.id, id: victimRun.id }) },
  'orgs/[org_id]/runs/execute': {
    kind: 'org-scoped',
    params: org,
    body: (v) => ({ agent_id: v.agentId, tool_identifier: 'system/echo', input_data: { text: 'stolen' } }),
  },
  // Agent-facing: the caller's own agent only (its token decides); user tokens get 403
  // (lib/agents/tokens.api.test.ts).
  'agents/me': { kind: 'self' },
  audit: {
    kind: 'global',
    check: (res, v) => expect(JSON.stringify(res.body)).not.toContain(v.org.id),
  },
};

const API_ROOT = path.join(process.cwd(), 'app', 'api', 'v1');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function discoverRoutes(dir = API_ROOT): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...discoverRoutes(full));
    else if (entry.name === 'route.ts') found.push(path.relative(API_ROOT, dir).split(path.sep).join('/'));
  }
  return found.sort();
}

const routes = discoverRoutes();

describe('tenancy walk', () => {
  let victim: Victim;
  let stranger: TestUser;

  beforeAll(async () => {
    const o = await makeOrg(undefined, 'victim');
    const db = await getDb();
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.organizationId, o.id));
    const agent = await makeAgent(o);
    const account = await makeServiceAccount(o);
    const { jti } = await makeAgentToken(o, agent.id);
    victim = {
      org: o,
      memberId: await membershipId(o.id, o.owner.id),
      auditEventId: event!.id,
      agentId: agent.id,
      serviceAccountId: account.id,
      connectionId: await makeConnection(o),
      toolId: '',
      jti,
    };
    const [tool] = await db
      .insert(tools)
      .values({ organizationId: o.id, environmentId: o.envId, connectionId: victim.connectionId, name: 'victim-tool' })
      .returning();
    victim.toolId = tool!.id;
    victimMcpServerId = await makeMcpServer(o);
    const [policy] = await db.insert(policies).values({ organizationId: o.id, name: 'victim-policy', rulesJson: { deny: ['x'] } }).returning();
    const [rule] = await db.insert(policyRules).values({ policyId: policy!.id, action: 'tool.invoke', target: 'tool:*', effect: 'deny' }).returning();
    const [binding] = await db.insert(policyBindings).values({ policyId: policy!.id, scopeType: 'org', scopeId: o.id, priority: 5 }).returning();
    Object.assign(victimPolicy, { id: policy!.id, ruleId: rule!.id, bindingId: binding!.id });
    const [run] = await db.insert(runs).values({ organizationId: o.id, environmentId: o.envId, agentId: agent.id, status: 'succeeded', target: 'tool:system/echo' }).returning();
    victimRun.id = run!.id;
    stranger = (await makeOrg(undefined, 'stranger')).owner;
  });

  it('has an entry for every API route', () => {
    const missing = routes.filter((r) => !(r in WALK));
    expect(missing, `add these routes to WALK in ${path.basename(__filename)}`).toEqual([]);
  });

  for (const route of routes) {
    const walk = WALK[route];
    if (!walk || walk.kind === 'self') continue;
    it(`${route}: a stranger learns nothing`, async () => {
      const mod = (await import(`@/app/api/v1/${route}/route`)) as Record<string, Parameters<typeof call>[0]>;
      const methods = METHODS.filter((m) => typeof mod[m] === 'function');
      expect(methods.length).toBeGreaterThan(0);
      for (const method of methods) {
        if (walk.kind === 'org-scoped') {
          const res = await call(mod[method], method, `/api/v1/${route}`, {
            token: stranger.token,
            params: walk.params(victim),
            body: method === 'GET' || method === 'DELETE' ? undefined : walk.body?.(victim),
          });
          expect(res.status, `${method} ${route}`).toBe(404);
          expect(JSON.stringify(res.body)).not.toContain(victim.org.name);
        } else if (walk.kind === 'org-in-body') {
          if (method === 'GET' && walk.check) {
            walk.check(await call(mod[method], method, `/api/v1/${route}`, { token: stranger.token }), victim);
            continue;
          }
          if (!walk.methods.includes(method)) continue;
          const res = await call(mod[method], method, `/api/v1/${route}`, { token: stranger.token, body: walk.body(victim) });
          expect(res.status, `${method} ${route}`).toBe(404);
        } else if (method === 'GET') {
          const res = await call(mod[method], method, `/api/v1/${route}`, { token: stranger.token });
          expect(res.status, `${method} ${route}`).toBe(200);
          walk.check?.(res, victim);
        }
      }
    });
  }

  it("left the victim's policy untouched", async () => {
    const { GET } = await import('@/app/api/v1/orgs/[org_id]/policies/[id]/route');
    const res = await call(GET, 'GET', '/x', { token: victim.org.owner.token, params: { org_id: victim.org.id, id: victimPolicy.id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 1, is_active: true, rules_json: { deny: ['x'] } });
    expect(res.body.rules).toHaveLength(1);
    expect(res.body.bindings).toMatchObject([{ priority: 5 }]);
  });

  it("left the victim's organization untouched", async () => {
    const { GET } = await import('@/app/api/v1/orgs/[org_id]/route');
    const res = await call(GET, 'GET', '/x', { token: victim.org.owner.token, params: { org_id: victim.org.id } });
    expect(res.body.name).toBe(victim.org.name);
  });
});
