// create-axcore: agent, service account, rule-less policy bound to the agent and a first token in one
// transaction — and nothing at all when any step fails.
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as me from '@/app/api/v1/agents/me/route';
import * as axcore from '@/app/api/v1/orgs/[org_id]/agents/create-axcore/route';
import { agents, issuedTokens, policies, policyBindings, serviceAccounts } from '@/db/schema';
import { AGENT_TOKEN_SCOPES } from '@/lib/agents/schemas';
import { env } from '@/lib/env';
import { createEnvironment } from '@/lib/tenancy/environments';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeConnection, makeOrg, makeServiceAccount, type TestOrg } from '@/test/helpers/fixtures';

const t = setupTestDb();

const createAxcore = (o: TestOrg, body: Record<string, unknown>) =>
  call(axcore.POST, 'POST', '/x', { token: o.owner.token, params: { org_id: o.id }, body: { environment_id: o.envId, ...body } });

async function rowsOf(orgId: string) {
  const [a, s, p, tk] = await Promise.all([
    t.db.select().from(agents).where(eq(agents.organizationId, orgId)),
    t.db.select().from(serviceAccounts).where(eq(serviceAccounts.organizationId, orgId)),
    t.db.select().from(policies).where(eq(policies.organizationId, orgId)),
    t.db.select().from(issuedTokens).where(eq(issuedTokens.organizationId, orgId)),
  ]);
  return { agents: a.length, serviceAccounts: s.length, policies: p.length, tokens: tk.length };
}

describe('create-axcore', () => {
  it('creates agent, service account, a deny-by-default policy bound to the agent and a working token', async () => {
    const o = await makeOrg();
    const connectionId = await makeConnection(o);
    const res = await createAxcore(o, { name: 'Core Runner', connection_id: connectionId, token: { ttl_seconds: 3600, name: 'first' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { agent, service_account: account, policy, token } = res.body;

    expect(agent).toMatchObject({ name: 'Core Runner', slug: 'core-runner', mode: 'RUNNER', connection_id: connectionId, enabled: true, service_account_id: account.id });
    expect(account).toMatchObject({
      organization_id: o.id,
      environment_id: o.envId,
      name: 'Core Runner service account',
      subject: `agent:${agent.id}`,
      issuer: env().PUBLIC_URL,
      audience: 'agentxsuite',
      scope_allowlist: [],
    });
    expect(policy).toMatchObject({ name: 'core-runner-default', environment_id: o.envId, is_active: true, rules_json: {} });
    expect(policy.bindings).toEqual([{ id: expect.any(String), scope_type: 'agent', scope_id: agent.id, priority: 0 }]);
    const bindings = await t.db.select().from(policyBindings).where(eq(policyBindings.policyId, policy.id));
    expect(bindings).toHaveLength(1);
    expect(token).toEqual({ token: expect.any(String), jti: expect.any(String), expires_at: expect.any(String), scopes: [...AGENT_TOKEN_SCOPES] });

    const self = await call(me.GET, 'GET', '/x', { headers: { authorization: `Bearer ${token.token}` } });
    expect(self.status).toBe(200);
    expect(self.body.agent.id).toBe(agent.id);
    expect(self.body.token.jti).toBe(token.jti);
  });

  it('gives the service account the allowlist, and the token the scopes it permits', async () => {
    const o = await makeOrg();
    const res = await createAxcore(o, { name: 'limited', mode: 'CALLER', scope_allowlist: ['agents.me'] });
    expect(res.status).toBe(201);
    expect(res.body.service_account.scope_allowlist).toEqual(['agents.me']);
    expect(res.body.token.scopes).toEqual(['agents.me']);
    const outside = await createAxcore(o, { name: 'limited-2', mode: 'CALLER', scope_allowlist: ['agents.me'], token: { scopes: ['mcp'] } });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details.fields.scopes[0]).toContain('mcp');
  });

  it('derives unique names for a second agent of the same name in another environment', async () => {
    const o = await makeOrg();
    const staging = await createEnvironment(o.ownerCtx, { name: 'staging', type: 'staging' });
    await makeServiceAccount(o, { name: 'Twin service account' });
    expect((await createAxcore(o, { name: 'Twin', mode: 'CALLER' })).status).toBe(201);
    const second = await createAxcore(o, { name: 'Twin', mode: 'CALLER', environment_id: staging.id });
    expect(second.status).toBe(201);
    expect(second.body.service_account.name).toBe('Twin service account (3)');
    expect(second.body.policy.name).toBe('twin-default-2');
  });

  it('checks the agent constraints first (400/409 naming the field) and leaves nothing behind', async () => {
    const o = await makeOrg();
    expect((await createAxcore(o, { name: 'dup', mode: 'CALLER' })).status).toBe(201);
    const before = await rowsOf(o.id);
    const dup = await createAxcore(o, { name: 'dup', mode: 'CALLER' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details.fields).toHaveProperty('name');
    const runner = await createAxcore(o, { name: 'runner' });
    expect(runner.status).toBe(400);
    expect(Object.keys(runner.body.error.details.fields)).toEqual(['connection_id']);
    const noLinking = await createAxcore(o, { name: 'x', mode: 'CALLER', service_account_id: null, enabled: false });
    expect(noLinking.status).toBe(400);
    expect(Object.keys(noLinking.body.error.details.fields).sort()).toEqual(['enabled', 'service_account_id']);
    expect(await rowsOf(o.id)).toEqual(before);
  });

  it('rolls everything back when the last step fails', async () => {
    const o = await makeOrg();
    // Make the final write (the token's row) fail inside the transaction, after the agent,
    // service account, policy and binding have been written.
    await t.db.execute(sql`
      create or replace function axs_test_refuse_token() returns trigger language plpgsql as $$
      begin raise exception 'refused by test'; end $$`);
    await t.db.execute(sql`create trigger axs_test_refuse_token before insert on issued_tokens for each row execute function axs_test_refuse_token()`);
    try {
      const res = await createAxcore(o, { name: 'doomed', mode: 'CALLER' });
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain('refused by test');
    } finally {
      await t.db.execute(sql`drop trigger axs_test_refuse_token on issued_tokens`);
      await t.db.execute(sql`drop function axs_test_refuse_token()`);
    }
    expect(await rowsOf(o.id)).toEqual({ agents: 0, serviceAccounts: 0, policies: 0, tokens: 0 });
    const bindings = await t.db.select().from(policyBindings).where(eq(policyBindings.scopeType, 'agent'));
    const names = await t.db.select({ name: agents.name }).from(agents).where(eq(agents.name, 'doomed'));
    expect(names).toEqual([]);
    // Bindings have no organization column: none may point at an agent that does not exist.
    const agentIds = new Set((await t.db.select({ id: agents.id }).from(agents)).map((a) => a.id));
    expect(bindings.filter((b) => !agentIds.has(b.scopeId))).toEqual([]);
    // The same call succeeds once nothing is in the way.
    expect((await createAxcore(o, { name: 'doomed', mode: 'CALLER' })).status).toBe(201);
  });
});
