// The role matrix of lib/auth/rbac.ts, walked across every org-scoped endpoint: each role either
// gets through (any answer but 403/404) or gets 403 — exactly as the table says.
//
// Speed: the users (each a scrypt hash) and one organization per role are made once. A row acts
// on what its own `prepare` made, or adds something under a fresh name, so it leaves the shared
// organization fit for every other row; the rows that change what others rely on (the org itself,
// its environment, the target membership) or that depend on what others change (a run, decided by
// the org's policies) are marked `fresh` and get an organization of their own. Every test passes
// alone (-t) and in any order (--sequence.shuffle).
import { beforeAll, describe, expect, it } from 'vitest';
import * as envDetail from '@/app/api/v1/orgs/[org_id]/environments/[env_id]/route';
import * as envList from '@/app/api/v1/orgs/[org_id]/environments/route';
import * as memberDetail from '@/app/api/v1/orgs/[org_id]/members/[member_id]/route';
import * as memberList from '@/app/api/v1/orgs/[org_id]/members/route';
import * as orgDetail from '@/app/api/v1/orgs/[org_id]/route';
import * as storeSecretRoute from '@/app/api/v1/orgs/[org_id]/connections/store-secret/route';
import * as secretDetail from '@/app/api/v1/orgs/[org_id]/secrets/[secret_ref]/route';
import * as secretList from '@/app/api/v1/orgs/[org_id]/secrets/route';
import { storeSecret } from '@/lib/secrets/service';
import * as agentDetail from '@/app/api/v1/orgs/[org_id]/agents/[id]/route';
import * as agentPing from '@/app/api/v1/orgs/[org_id]/agents/[id]/ping/route';
import * as agentTokenDetail from '@/app/api/v1/orgs/[org_id]/agents/[id]/tokens/[jti]/route';
import * as agentTokenRevoke from '@/app/api/v1/orgs/[org_id]/agents/[id]/tokens/[jti]/revoke/route';
import * as agentTokenList from '@/app/api/v1/orgs/[org_id]/agents/[id]/tokens/route';
import * as agentList from '@/app/api/v1/orgs/[org_id]/agents/route';
import * as createAxcore from '@/app/api/v1/orgs/[org_id]/agents/create-axcore/route';
import * as serviceAccountDetail from '@/app/api/v1/orgs/[org_id]/service-accounts/[id]/route';
import * as serviceAccountList from '@/app/api/v1/orgs/[org_id]/service-accounts/route';
import { revokeAgentToken } from '@/lib/agents/tokens';
import * as connectionDetail from '@/app/api/v1/orgs/[org_id]/connections/[id]/route';
import * as connectionList from '@/app/api/v1/orgs/[org_id]/connections/route';
import * as toolApprove from '@/app/api/v1/orgs/[org_id]/tools/[id]/approve/route';
import * as toolDetail from '@/app/api/v1/orgs/[org_id]/tools/[id]/route';
import * as toolList from '@/app/api/v1/orgs/[org_id]/tools/route';
import * as mcpServerDetail from '@/app/api/v1/orgs/[org_id]/mcp/servers/[id]/route';
import * as mcpServerHealth from '@/app/api/v1/orgs/[org_id]/mcp/servers/[id]/health-check/route';
import * as mcpServerList from '@/app/api/v1/orgs/[org_id]/mcp/servers/route';
import { makeMcpServer } from '@/test/helpers/fixtures';
import * as policyList from '@/app/api/v1/orgs/[org_id]/policies/route';
import * as policyDetail from '@/app/api/v1/orgs/[org_id]/policies/[id]/route';
import * as policyRuleAdd from '@/app/api/v1/orgs/[org_id]/policies/[id]/rules/route';
import * as policyEvaluate from '@/app/api/v1/orgs/[org_id]/policies/evaluate/route';
import * as agentPermissions from '@/app/api/v1/orgs/[org_id]/agents/[id]/permissions/route';
import * as ruleList from '@/app/api/v1/policies/rules/route';
import * as ruleDetail from '@/app/api/v1/policies/rules/[id]/route';
import * as bindingList from '@/app/api/v1/policies/bindings/route';
import * as bindingDetail from '@/app/api/v1/policies/bindings/[id]/route';
import { policies, policyBindings, policyRules, runs } from '@/db/schema';
import * as runList from '@/app/api/v1/orgs/[org_id]/runs/route';
import * as runDetail from '@/app/api/v1/orgs/[org_id]/runs/[id]/route';
import * as runStepList from '@/app/api/v1/orgs/[org_id]/runs/[id]/steps/route';
import * as runExecute from '@/app/api/v1/orgs/[org_id]/runs/execute/route';
import { createPolicy } from '@/lib/policy/service';
import { createPolicySchema } from '@/lib/policy/schemas';
import { getDb } from '@/db/client';
import { tools } from '@/db/schema';
import { can, ROLES, type OrgRole, type Permission } from '@/lib/auth/rbac';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeAgent, makeAgentToken, makeConnection, makeOrg, makeServiceAccount, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';

setupTestDb();

type Handler = Parameters<typeof call>[0];

interface Row {
  name: string;
  handler: Handler;
  method: string;
  permission: Permission;
  params: (org: TestOrg, targetMemberId: string) => Record<string, string>;
  body?: (org: TestOrg) => unknown;
  /** Creates what the row acts on (in the row's org); the ids it returns join the params. */
  prepare?: (org: TestOrg) => Promise<Record<string, string>>;
  /** The row gets an organization of its own instead of its role's shared one (see the top). */
  fresh?: boolean;
}

const org = (o: TestOrg) => ({ org_id: o.id });
const env = (o: TestOrg) => ({ org_id: o.id, env_id: o.envId });
const member = (o: TestOrg, m: string) => ({ org_id: o.id, member_id: m });
let seq = 0;

export const ROWS: Row[] = [
  { name: 'GET org', handler: orgDetail.GET, method: 'GET', permission: 'org.read', params: org },
  { name: 'PATCH org', handler: orgDetail.PATCH, method: 'PATCH', permission: 'org.update', params: org, body: () => ({ name: `renamed-${++seq}-${Date.now()}` }) },
  { name: 'PUT org', handler: orgDetail.PUT, method: 'PUT', permission: 'org.update', params: org, body: () => ({ name: `put-${++seq}-${Date.now()}` }) },
  { name: 'DELETE org', handler: orgDetail.DELETE, method: 'DELETE', permission: 'org.delete', params: org, fresh: true },
  { name: 'GET environments', handler: envList.GET, method: 'GET', permission: 'env.read', params: org },
  { name: 'POST environments', handler: envList.POST, method: 'POST', permission: 'env.manage', params: org, body: () => ({ name: `e${++seq}`, type: 'staging' }) },
  { name: 'GET environment', handler: envDetail.GET, method: 'GET', permission: 'env.read', params: env },
  { name: 'PATCH environment', handler: envDetail.PATCH, method: 'PATCH', permission: 'env.manage', params: env, body: () => ({ type: 'production' }), fresh: true },
  { name: 'PUT environment', handler: envDetail.PUT, method: 'PUT', permission: 'env.manage', params: env, body: () => ({ name: 'prod', type: 'production' }), fresh: true },
  { name: 'DELETE environment', handler: envDetail.DELETE, method: 'DELETE', permission: 'env.manage', params: env, fresh: true },
  { name: 'GET members', handler: memberList.GET, method: 'GET', permission: 'member.read', params: org },
  { name: 'POST members', handler: memberList.POST, method: 'POST', permission: 'member.manage', params: org, body: () => ({ email: `new${++seq}@example.com`, role: 'viewer' }) },
  { name: 'PATCH member', handler: memberDetail.PATCH, method: 'PATCH', permission: 'member.manage', params: member, body: () => ({ role: 'member' }), fresh: true },
  { name: 'PUT member', handler: memberDetail.PUT, method: 'PUT', permission: 'member.manage', params: member, body: () => ({ role: 'member' }), fresh: true },
  { name: 'DELETE member', handler: memberDetail.DELETE, method: 'DELETE', permission: 'member.manage', params: member, fresh: true },
  { name: 'POST store-secret', handler: storeSecretRoute.POST, method: 'POST', permission: 'secret.manage', params: org, body: () => ({ value: `v${++seq}`, name: 'matrix' }) },
  { name: 'GET secrets', handler: secretList.GET, method: 'GET', permission: 'secret.manage', params: org },
  {
    name: 'DELETE secret',
    handler: secretDetail.DELETE,
    method: 'DELETE',
    permission: 'secret.manage',
    params: org,
    prepare: async (o) => ({ secret_ref: (await storeSecret(o.ownerCtx, { value: 'matrix' })).secret_ref }),
  },
  ...AGENT_ROWS(),
  ...CONNECTION_ROWS(),
  ...TOOL_ROWS(),
  ...MCP_SERVER_ROWS(),
  ...POLICY_ROWS(),
  ...RUN_ROWS(),
];

// MCP server registry (lib/mcp-servers). http registrations: stdio ones also depend on
// MCP_STDIO_REGISTRATION (lib/mcp-servers/mcp-servers.api.test.ts). The health check of the
// prepared registration (a loopback URL, refused) answers 200 unhealthy without any network.
function MCP_SERVER_ROWS(): Row[] {
  const server = async (o: TestOrg) => ({ id: await makeMcpServer(o) });
  return [
    { name: 'GET mcp servers', handler: mcpServerList.GET, method: 'GET', permission: 'org.read', params: org },
    {
      name: 'POST mcp servers',
      handler: mcpServerList.POST,
      method: 'POST',
      permission: 'mcp_server.manage',
      params: org,
      body: (o) => ({ environment_id: o.envId, name: `mcp${++seq}`, server_type: 'http', endpoint: 'https://example.com/mcp' }),
    },
    { name: 'GET mcp server', handler: mcpServerDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: server },
    { name: 'PATCH mcp server', handler: mcpServerDetail.PATCH, method: 'PATCH', permission: 'mcp_server.manage', params: org, prepare: server, body: () => ({ description: 'x' }) },
    {
      name: 'PUT mcp server',
      handler: mcpServerDetail.PUT,
      method: 'PUT',
      permission: 'mcp_server.manage',
      params: org,
      prepare: server,
      body: () => ({ name: `put${++seq}`, server_type: 'http', endpoint: 'https://example.com/mcp' }),
    },
    { name: 'DELETE mcp server', handler: mcpServerDetail.DELETE, method: 'DELETE', permission: 'mcp_server.manage', params: org, prepare: server },
    { name: 'POST mcp server health-check', handler: mcpServerHealth.POST, method: 'POST', permission: 'mcp_server.manage', params: org, prepare: server },
  ];
}

// Tools (lib/tools). Sync (connections/{id}/sync) needs a reachable upstream: its roles are
// checked in lib/tools/sync.api.test.ts.
function TOOL_ROWS(): Row[] {
  const connectionOf = new Map<string, string>();
  const withConnection = async (o: TestOrg) => {
    connectionOf.set(o.id, await makeConnection(o));
    return {};
  };
  const tool = (origin: 'manual' | 'sync', syncStatus: 'synced' | 'pending_review' = 'synced') => async (o: TestOrg) => {
    const db = await getDb();
    const schemaJson = { type: 'object', properties: {} };
    const [row] = await db
      .insert(tools)
      .values({
        organizationId: o.id,
        environmentId: o.envId,
        connectionId: await makeConnection(o),
        name: `t${++seq}`,
        origin,
        schemaJson,
        syncStatus,
        pendingDefinition: syncStatus === 'pending_review' ? { description: 'changed', input_schema: schemaJson, output_schema: null, annotations: {}, hash: 'x' } : null,
      })
      .returning();
    return { id: row!.id };
  };
  const manualBody = () => ({ name: `m${++seq}`, version: '1.0.0', schema_json: { type: 'object' }, description: null, enabled: true });
  return [
    { name: 'GET tools', handler: toolList.GET, method: 'GET', permission: 'org.read', params: org },
    {
      name: 'POST tools',
      handler: toolList.POST,
      method: 'POST',
      permission: 'tool.manage',
      params: org,
      prepare: withConnection,
      body: (o) => ({ connection_id: connectionOf.get(o.id), name: `n${++seq}` }),
    },
    { name: 'GET tool', handler: toolDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: tool('sync') },
    { name: 'PUT tool', handler: toolDetail.PUT, method: 'PUT', permission: 'tool.manage', params: org, prepare: tool('manual'), body: manualBody },
    { name: 'PATCH tool', handler: toolDetail.PATCH, method: 'PATCH', permission: 'tool.manage', params: org, prepare: tool('sync'), body: () => ({ enabled: false }) },
    { name: 'DELETE tool', handler: toolDetail.DELETE, method: 'DELETE', permission: 'tool.manage', params: org, prepare: tool('sync') },
    { name: 'DELETE tool held for review', handler: toolDetail.DELETE, method: 'DELETE', permission: 'tool.approve', params: org, prepare: tool('sync', 'pending_review') },
    { name: 'POST tool approve', handler: toolApprove.POST, method: 'POST', permission: 'tool.approve', params: org, prepare: tool('sync', 'pending_review'), body: () => ({}) },
  ];
}

function CONNECTION_ROWS(): Row[] {
  const makeConn = async (o: TestOrg) => ({ id: await makeConnection(o) });
  return [
    { name: 'GET connections', handler: connectionList.GET, method: 'GET', permission: 'org.read', params: org },
    {
      name: 'POST connections',
      handler: connectionList.POST,
      method: 'POST',
      permission: 'connection.manage',
      params: org,
      body: (o) => ({ environment_id: o.envId, name: `c${++seq}`, endpoint: 'https://example.com/mcp' }),
    },
    { name: 'GET connection', handler: connectionDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: makeConn },
    { name: 'PATCH connection', handler: connectionDetail.PATCH, method: 'PATCH', permission: 'connection.manage', params: org, prepare: makeConn, body: () => ({ enabled: false }) },
    {
      name: 'PATCH connection endpoint',
      handler: connectionDetail.PATCH,
      method: 'PATCH',
      permission: 'connection.endpoint',
      params: org,
      prepare: makeConn,
      body: () => ({ endpoint: 'https://elsewhere.example/mcp' }),
    },
    { name: 'DELETE connection', handler: connectionDetail.DELETE, method: 'DELETE', permission: 'connection.manage', params: org, prepare: makeConn },
  ];
}

// Policies (lib/policy): reading and evaluating is everyone's, changing is the admins'. Rules and
// bindings by id take their organization from their policy and are checked the same way.
function POLICY_ROWS(): Row[] {
  const policyOf = new Map<string, string>();
  const policy = async (o: TestOrg) => {
    const db = await getDb();
    const [row] = await db.insert(policies).values({ organizationId: o.id, name: `p${++seq}` }).returning();
    policyOf.set(o.id, row!.id);
    return { id: row!.id };
  };
  const rule = async (o: TestOrg) => {
    const db = await getDb();
    const { id } = await policy(o);
    const [row] = await db.insert(policyRules).values({ policyId: id, action: 'tool.invoke', target: 'tool:*', effect: 'deny' }).returning();
    return { id: row!.id };
  };
  const binding = async (o: TestOrg) => {
    const db = await getDb();
    const { id } = await policy(o);
    const [row] = await db.insert(policyBindings).values({ policyId: id, scopeType: 'org', scopeId: o.id }).returning();
    return { id: row!.id };
  };
  const agent = async (o: TestOrg) => ({ id: (await makeAgent(o)).id });
  const newRule = () => ({ action: 'tool.invoke', target: 'tool:c/echo', effect: 'allow' });
  return [
    { name: 'GET policies', handler: policyList.GET, method: 'GET', permission: 'org.read', params: org },
    { name: 'POST policies', handler: policyList.POST, method: 'POST', permission: 'policy.manage', params: org, body: () => ({ name: `np${++seq}` }) },
    { name: 'GET policy', handler: policyDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: policy },
    { name: 'PUT policy', handler: policyDetail.PUT, method: 'PUT', permission: 'policy.manage', params: org, prepare: policy, body: () => ({ name: `rp${++seq}` }) },
    { name: 'PATCH policy', handler: policyDetail.PATCH, method: 'PATCH', permission: 'policy.manage', params: org, prepare: policy, body: () => ({ is_active: false }) },
    { name: 'DELETE policy', handler: policyDetail.DELETE, method: 'DELETE', permission: 'policy.manage', params: org, prepare: policy },
    { name: 'POST policy rules', handler: policyRuleAdd.POST, method: 'POST', permission: 'policy.manage', params: org, prepare: policy, body: newRule },
    {
      name: 'POST policies evaluate',
      handler: policyEvaluate.POST,
      method: 'POST',
      permission: 'org.read',
      params: org,
      body: (o) => ({ subject: 'role:viewer', action: 'tool.invoke', target: 'tool:c/echo', environment_id: o.envId }),
    },
    { name: 'GET agent permissions', handler: agentPermissions.GET, method: 'GET', permission: 'org.read', params: org, prepare: agent },
    { name: 'GET rules (flat)', handler: ruleList.GET, method: 'GET', permission: 'org.read', params: org },
    {
      name: 'POST rules (flat)',
      handler: ruleList.POST,
      method: 'POST',
      permission: 'policy.manage',
      params: org,
      prepare: policy,
      body: (o) => ({ policy_id: policyOf.get(o.id), ...newRule() }),
    },
    { name: 'GET rule', handler: ruleDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: rule },
    { name: 'PATCH rule', handler: ruleDetail.PATCH, method: 'PATCH', permission: 'policy.manage', params: org, prepare: rule, body: () => ({ effect: 'allow' }) },
    { name: 'PUT rule', handler: ruleDetail.PUT, method: 'PUT', permission: 'policy.manage', params: org, prepare: rule, body: newRule },
    { name: 'DELETE rule', handler: ruleDetail.DELETE, method: 'DELETE', permission: 'policy.manage', params: org, prepare: rule },
    { name: 'GET bindings (flat)', handler: bindingList.GET, method: 'GET', permission: 'org.read', params: org },
    {
      name: 'POST bindings (flat)',
      handler: bindingList.POST,
      method: 'POST',
      permission: 'policy.manage',
      params: org,
      prepare: policy,
      body: (o) => ({ policy_id: policyOf.get(o.id), scope_type: 'role', scope_id: 'member', priority: 3 }),
    },
    { name: 'GET binding', handler: bindingDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: binding },
    { name: 'PATCH binding', handler: bindingDetail.PATCH, method: 'PATCH', permission: 'policy.manage', params: org, prepare: binding, body: () => ({ priority: 9 }) },
    { name: 'DELETE binding', handler: bindingDetail.DELETE, method: 'DELETE', permission: 'policy.manage', params: org, prepare: binding },
  ];
}

// Runs (lib/runs): reading is everyone's; running a tool as an agent is a member's. The run is of a
// built-in tool the organization's policy allows, so an allowed role gets 201.
function RUN_ROWS(): Row[] {
  const agentOf = new Map<string, string>();
  const allowedAgent = async (o: TestOrg) => {
    agentOf.set(o.id, (await makeAgent(o)).id);
    await createPolicy(o.ownerCtx, createPolicySchema.parse({ name: `run-${++seq}`, rules_json: { allow: ['system/echo'] } }));
    return {};
  };
  const run = async (o: TestOrg) => {
    const db = await getDb();
    const [row] = await db.insert(runs).values({ organizationId: o.id, environmentId: o.envId, status: 'succeeded' }).returning();
    return { id: row!.id };
  };
  return [
    { name: 'GET runs', handler: runList.GET, method: 'GET', permission: 'org.read', params: org },
    { name: 'GET run', handler: runDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: run },
    { name: 'GET run steps', handler: runStepList.GET, method: 'GET', permission: 'org.read', params: org, prepare: run },
    {
      name: 'POST runs execute',
      handler: runExecute.POST,
      method: 'POST',
      permission: 'run.execute',
      params: org,
      prepare: allowedAgent,
      body: (o) => ({ agent_id: agentOf.get(o.id), tool_identifier: 'system/echo', input_data: { text: 'matrix' } }),
      // Decided by the org's policies, which the policy rows add to (an unbound deny of tool:*).
      fresh: true,
    },
  ];
}

// Agents, agent tokens and service accounts (lib/agents).
function AGENT_ROWS(): Row[] {
  const agent = async (o: TestOrg) => ({ id: (await makeAgent(o)).id });
  const token = async (o: TestOrg) => {
    const { id } = await makeAgent(o);
    return { id, jti: (await makeAgentToken(o, id)).jti };
  };
  const revokedToken = async (o: TestOrg) => {
    const ids = await token(o);
    await revokeAgentToken(o.ownerCtx, ids.id, ids.jti);
    return ids;
  };
  const account = async (o: TestOrg) => ({ id: (await makeServiceAccount(o)).id });
  const newAgent = (o: TestOrg) => ({ environment_id: o.envId, name: `matrix-${++seq}`, mode: 'CALLER' });
  const newAccount = () => ({ name: `sa-${++seq}`, subject: `matrix-${seq}-${Date.now()}`, issuer: 'https://idp.example' });
  return [
    { name: 'GET agents', handler: agentList.GET, method: 'GET', permission: 'org.read', params: org },
    { name: 'POST agents', handler: agentList.POST, method: 'POST', permission: 'agent.manage', params: org, body: newAgent },
    { name: 'GET agent', handler: agentDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: agent },
    { name: 'PUT agent', handler: agentDetail.PUT, method: 'PUT', permission: 'agent.manage', params: org, prepare: agent, body: newAgent },
    { name: 'PATCH agent', handler: agentDetail.PATCH, method: 'PATCH', permission: 'agent.manage', params: org, prepare: agent, body: () => ({ enabled: false }) },
    { name: 'DELETE agent', handler: agentDetail.DELETE, method: 'DELETE', permission: 'agent.manage', params: org, prepare: agent },
    { name: 'POST agent ping', handler: agentPing.POST, method: 'POST', permission: 'agent.manage', params: org, prepare: agent },
    { name: 'POST create-axcore', handler: createAxcore.POST, method: 'POST', permission: 'token.manage', params: org, body: newAgent },
    { name: 'GET agent tokens', handler: agentTokenList.GET, method: 'GET', permission: 'token.manage', params: org, prepare: agent },
    { name: 'POST agent tokens', handler: agentTokenList.POST, method: 'POST', permission: 'token.manage', params: org, prepare: agent },
    { name: 'POST agent token revoke', handler: agentTokenRevoke.POST, method: 'POST', permission: 'token.manage', params: org, prepare: token },
    { name: 'DELETE agent token', handler: agentTokenDetail.DELETE, method: 'DELETE', permission: 'token.manage', params: org, prepare: revokedToken },
    { name: 'GET service accounts', handler: serviceAccountList.GET, method: 'GET', permission: 'org.read', params: org },
    { name: 'POST service accounts', handler: serviceAccountList.POST, method: 'POST', permission: 'service_account.manage', params: org, body: newAccount },
    { name: 'GET service account', handler: serviceAccountDetail.GET, method: 'GET', permission: 'org.read', params: org, prepare: account },
    { name: 'PUT service account', handler: serviceAccountDetail.PUT, method: 'PUT', permission: 'service_account.manage', params: org, prepare: account, body: newAccount },
    { name: 'PATCH service account', handler: serviceAccountDetail.PATCH, method: 'PATCH', permission: 'service_account.manage', params: org, prepare: account, body: () => ({ enabled: false }) },
    { name: 'DELETE service account', handler: serviceAccountDetail.DELETE, method: 'DELETE', permission: 'service_account.manage', params: org, prepare: account },
  ];
}

describe('role matrix', () => {
  const users = {} as Record<OrgRole, TestUser>;
  let target: TestUser;
  /** Creates every organization (as before, its owner is not the user under test). */
  let creator: TestUser;
  const shared = {} as Record<OrgRole, { org: TestOrg; targetId: string }>;

  /** An organization where `role`'s user has that role and the target user is a viewer. */
  async function orgFor(role: OrgRole): Promise<{ org: TestOrg; targetId: string }> {
    const o = await makeOrg(creator);
    await addMembership(o.id, users[role], role);
    return { org: o, targetId: await addMembership(o.id, target, 'viewer') };
  }

  beforeAll(async () => {
    // In this order, as before: the first account is the instance administrator (the viewer).
    for (const role of ROLES) users[role] = await makeUser(role);
    target = await makeUser('target');
    creator = await makeUser('owner');
    for (const role of ROLES) shared[role] = await orgFor(role);
  });

  for (const row of ROWS) {
    for (const role of ROLES) {
      const allowed = can(role, row.permission);
      it(`${row.name} as ${role} → ${allowed ? 'allowed' : '403'}`, async () => {
        const { org: o, targetId } = row.fresh ? await orgFor(role) : shared[role];
        const res = await call(row.handler, row.method, '/api/v1/orgs/x/', {
          token: users[role].token,
          params: { ...row.params(o, targetId), ...(await row.prepare?.(o)) },
          body: row.body?.(o),
        });
        if (allowed) {
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
        } else {
          expect(res.status).toBe(403);
          // Refused by the row's permission, or by a weaker one checked first (e.g. the route's
          // connection.manage before the service's connection.endpoint): either way one the role lacks.
          expect(res.body.error.details.role).toBe(role);
          expect(can(role, res.body.error.details.permission)).toBe(false);
        }
      });
    }
  }
});
