// Agent tokens through their endpoints and GET /api/v1/agents/me: issue (shown once), list (never
// the token), revoke (refused on the very next request), delete (only when no longer usable), the
// scope allowlist, and every way a token can be bad answering the same 401.
import { and, eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import * as me from '@/app/api/v1/agents/me/route';
import * as authMe from '@/app/api/v1/auth/me/route';
import * as agentDetail from '@/app/api/v1/orgs/[org_id]/agents/[id]/route';
import * as tokenDetail from '@/app/api/v1/orgs/[org_id]/agents/[id]/tokens/[jti]/route';
import * as revoke from '@/app/api/v1/orgs/[org_id]/agents/[id]/tokens/[jti]/revoke/route';
import * as tokenList from '@/app/api/v1/orgs/[org_id]/agents/[id]/tokens/route';
import { auditEvents, issuedTokens } from '@/db/schema';
import { AGENT_TOKEN_SCOPES } from '@/lib/agents/schemas';
import { AGENT_JWT_AUDIENCE, AGENT_JWT_TYP, agentJwtIssuer } from '@/lib/auth/agent-jwt';
import { signingKey } from '@/lib/auth/signing-keys';
import { env, resetEnvCache } from '@/lib/env';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg, makeServiceAccount, type TestOrg } from '@/test/helpers/fixtures';

const t = setupTestDb();

beforeEach(() => {
  delete process.env.AGENT_TOKEN_TTL_SECONDS;
  delete process.env.AGENT_TOKEN_MAX_TTL_SECONDS;
  resetEnvCache();
});

const issue = (o: TestOrg, agentId: string, body: Record<string, unknown> = {}) =>
  call(tokenList.POST, 'POST', '/x', { token: o.owner.token, params: { org_id: o.id, id: agentId }, body });
const revokeToken = (o: TestOrg, agentId: string, jti: string) =>
  call(revoke.POST, 'POST', '/x', { token: o.owner.token, params: { org_id: o.id, id: agentId, jti } });
const deleteToken = (o: TestOrg, agentId: string, jti: string) =>
  call(tokenDetail.DELETE, 'DELETE', '/x', { token: o.owner.token, params: { org_id: o.id, id: agentId, jti } });
const agentMe = (token: string) => call(me.GET, 'GET', '/api/v1/agents/me', { headers: { authorization: `Bearer ${token}` } });
const withoutRequestId = (body: any) => ({ ...body, error: { ...body.error, request_id: undefined } });

/** A token signed by the platform's own key, with claims of the test's choosing. */
async function forge(claims: { sub: string; org: string; env: string; jti: string }, change: (b: SignJWT) => SignJWT = (b) => b) {
  const key = await signingKey();
  const builder = new SignJWT({ org: claims.org, env: claims.env, scopes: [...AGENT_TOKEN_SCOPES] })
    .setProtectedHeader({ alg: 'ES256', typ: AGENT_JWT_TYP, kid: key.kid })
    .setIssuer(agentJwtIssuer())
    .setAudience(AGENT_JWT_AUDIENCE)
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuedAt()
    .setExpirationTime('1h');
  return change(builder).sign(key.privateKey);
}

describe('issuing tokens', () => {
  it('issues a token shown once; lists never show it; the audit names the jti only', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const before = Date.now();
    const res = await issue(o, agent.id, { name: 'laptop', metadata: { host: 'dev-1' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ agent_id: agent.id, name: 'laptop', scopes: [...AGENT_TOKEN_SCOPES], status: 'active', revoked_at: null });
    expect(res.body.metadata).toEqual({ host: 'dev-1', name: 'laptop' });
    expect(res.body.token.split('.')).toHaveLength(3);
    // Default lifetime: AGENT_TOKEN_TTL_SECONDS.
    const ttl = (Date.parse(res.body.expires_at) - before) / 1000;
    expect(Math.abs(ttl - env().AGENT_TOKEN_TTL_SECONDS)).toBeLessThan(5);

    const list = await call(tokenList.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id, id: agent.id } });
    expect(list.status).toBe(200);
    expect(list.body.count).toBe(1);
    expect(list.body.results[0]).toMatchObject({ jti: res.body.jti, status: 'active' });
    expect(list.body.results[0]).not.toHaveProperty('token');
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
    expect(JSON.stringify(list.body)).not.toContain(res.body.token.split('.')[2]);

    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.organizationId, o.id));
    const issued = events.find((e) => e.action === 'token.issue');
    expect(issued).toMatchObject({ eventType: 'token_issued', target: `token:${res.body.jti}` });
    expect(JSON.stringify(events)).not.toContain(res.body.token.split('.')[2]);
  });

  it('caps the lifetime at AGENT_TOKEN_MAX_TTL_SECONDS and refuses unknown scopes (400 naming the field)', async () => {
    process.env.AGENT_TOKEN_MAX_TTL_SECONDS = '3600';
    process.env.AGENT_TOKEN_TTL_SECONDS = '600';
    resetEnvCache();
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const long = await issue(o, agent.id, { ttl_seconds: 3601 });
    expect(long.status).toBe(400);
    expect(long.body.error.details.fields).toEqual({ ttl_seconds: ['At most 3600 seconds'] });
    const exact = await issue(o, agent.id, { ttl_seconds: 3600, scopes: ['mcp'] });
    expect(exact.status).toBe(201);
    expect(exact.body.scopes).toEqual(['mcp']);
    const bad = await issue(o, agent.id, { ttl_seconds: 5, scopes: ['mcp', 'root'], extra: 1 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['extra', 'scopes.1', 'ttl_seconds']);
    expect((await issue(o, agent.id, { scopes: [] })).status).toBe(400);
  });

  it("enforces the service account's scope allowlist at issue time", async () => {
    const o = await makeOrg();
    const account = await makeServiceAccount(o, { scope_allowlist: ['agents.me', 'mcp'] });
    const agent = await makeAgent(o, { service_account_id: account.id });
    const byDefault = await issue(o, agent.id);
    expect(byDefault.status).toBe(201);
    expect(byDefault.body.scopes).toEqual(['mcp', 'agents.me']);
    const outside = await issue(o, agent.id, { scopes: ['mcp', 'runs.execute'] });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details.fields.scopes[0]).toContain('runs.execute');
    expect(outside.body.error.details.fields.scopes[0]).not.toContain('mcp');
  });

  it('refuses tokens for a disabled agent or a disabled service account (409)', async () => {
    const o = await makeOrg();
    const disabled = await makeAgent(o, { enabled: false });
    const res = await issue(o, disabled.id);
    expect(res.status).toBe(409);
    expect(res.body.error.details.reason).toBe('agent_disabled');
    const account = await makeServiceAccount(o, { enabled: false });
    const agent = await makeAgent(o, { service_account_id: account.id });
    expect((await issue(o, agent.id)).body.error.details.reason).toBe('service_account_disabled');
  });

  it("answers 404 for another organization's agent or token", async () => {
    const victim = await makeOrg();
    const agent = await makeAgent(victim);
    const { jti } = await makeAgentToken(victim, agent.id);
    const thief = await makeOrg();
    expect((await issue(thief, agent.id)).status).toBe(404);
    expect((await revokeToken(thief, agent.id, jti)).status).toBe(404);
    const mine = await makeAgent(thief);
    expect((await revokeToken(thief, mine.id, jti)).status).toBe(404);
    expect((await deleteToken(thief, mine.id, jti)).status).toBe(404);
    const [row] = await t.db.select().from(issuedTokens).where(eq(issuedTokens.jti, jti));
    expect(row!.revokedAt).toBeNull();
  });
});

describe('revoking and deleting', () => {
  it('issue → /agents/me works → revoke → the very next /agents/me is 401', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o, { name: 'Desk Agent' });
    const issued = await issue(o, agent.id);
    const ok = await agentMe(issued.body.token);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      agent: { id: agent.id, name: 'Desk Agent', slug: 'desk-agent', mode: 'CALLER', enabled: true, organization_id: o.id, environment_id: o.envId },
      token: { jti: issued.body.jti, scopes: [...AGENT_TOKEN_SCOPES], expires_at: issued.body.expires_at },
    });

    const revoked = await revokeToken(o, agent.id, issued.body.jti);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', revoked_by_id: o.owner.id });
    expect((await agentMe(issued.body.token)).status).toBe(401);

    // Idempotent: the second revocation changes nothing and records nothing.
    const again = await revokeToken(o, agent.id, issued.body.jti);
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    const events = await t.db.select().from(auditEvents).where(and(eq(auditEvents.organizationId, o.id), eq(auditEvents.action, 'token.revoke')));
    expect(events).toHaveLength(1);
    expect(events[0]!.target).toBe(`token:${issued.body.jti}`);
  });

  it('deletes only revoked or expired tokens (409 while active)', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const active = await makeAgentToken(o, agent.id);
    const refused = await deleteToken(o, agent.id, active.jti);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.status).toBe('active');
    expect((await revokeToken(o, agent.id, active.jti)).status).toBe(200);
    expect((await deleteToken(o, agent.id, active.jti)).status).toBe(204);
    expect((await deleteToken(o, agent.id, active.jti)).status).toBe(404);

    const expiring = await makeAgentToken(o, agent.id);
    await t.db.update(issuedTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(issuedTokens.jti, expiring.jti));
    expect((await agentMe(expiring.token)).status).toBe(401);
    const list = await call(tokenList.GET, 'GET', '/x', { token: o.owner.token, params: { org_id: o.id, id: agent.id } });
    expect(list.body.results.map((r: any) => r.status)).toEqual(['expired']);
    expect((await deleteToken(o, agent.id, expiring.jti)).status).toBe(204);

    const actions = (await t.db.select().from(auditEvents).where(eq(auditEvents.organizationId, o.id))).map((e) => e.action);
    expect(actions.filter((a) => a === 'token.delete')).toHaveLength(2);
  });
});

describe('GET /api/v1/agents/me', () => {
  it('answers every bad token with the same 401', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const good = await makeAgentToken(o, agent.id);
    const claims = { sub: agent.id, org: o.id, env: o.envId, jti: good.jti };
    expect((await agentMe(await forge(claims))).status).toBe(200); // the control: forge() signs valid tokens

    const [h, p, s] = good.token.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -4)}${s!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scopes: ['root'] })).toString('base64url');
    const bad = {
      tampered,
      'payload swapped': `${h}.${otherPayload}.${s}`,
      'wrong audience': await forge(claims, (b) => b.setAudience('someone-else')),
      'wrong issuer': await forge(claims, (b) => b.setIssuer('https://evil.example')),
      expired: await forge(claims, (b) => b.setExpirationTime(Math.floor(Date.now() / 1000) - 5)),
      'unknown jti': await forge({ ...claims, jti: 'never-issued' }),
      garbage: 'a.b.c',
    };
    const answers = [];
    for (const [what, token] of Object.entries(bad)) {
      const res = await agentMe(token);
      expect(res.status, what).toBe(401);
      answers.push(withoutRequestId(res.body));
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0].error.details).toEqual({});
  });

  it("refuses a token of organization B presented with organization A's agent", async () => {
    const a = await makeOrg();
    const b = await makeOrg();
    const agentA = await makeAgent(a);
    const agentB = await makeAgent(b);
    const tokenB = await makeAgentToken(b, agentB.id);
    // B's real jti, signed by the platform, but naming A's agent (and A's organization, or B's).
    const mixed = [
      await forge({ sub: agentA.id, org: b.id, env: b.envId, jti: tokenB.jti }),
      await forge({ sub: agentA.id, org: a.id, env: a.envId, jti: tokenB.jti }),
      await forge({ sub: agentB.id, org: a.id, env: a.envId, jti: tokenB.jti }),
    ];
    for (const token of mixed) expect((await agentMe(token)).status).toBe(401);
    // B's genuine token is an agent credential: org endpoints refuse it outright, with no data.
    const res = await call(agentDetail.GET, 'GET', '/x', {
      headers: { authorization: `Bearer ${tokenB.token}` },
      params: { org_id: a.id, id: agentA.id },
    });
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).not.toContain(agentA.name);
    expect((await agentMe(tokenB.token)).body.agent.id).toBe(agentB.id);
  });

  it('takes agent credentials only: a user token gets 403, no credential 401', async () => {
    const o = await makeOrg();
    const user = await call(me.GET, 'GET', '/x', { token: o.owner.token });
    expect(user.status).toBe(403);
    expect((await call(me.GET, 'GET', '/x')).status).toBe(401);
  });

  it('an agent token on a user endpoint gets 403', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const { token } = await makeAgentToken(o, agent.id);
    const res = await call(authMe.GET, 'GET', '/api/v1/auth/me/', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
    const list = await call(tokenList.GET, 'GET', '/x', { headers: { authorization: `Bearer ${token}` }, params: { org_id: o.id, id: agent.id } });
    expect(list.status).toBe(403);
  });

  it('needs the agents.me scope', async () => {
    const o = await makeOrg();
    const agent = await makeAgent(o);
    const { token } = await makeAgentToken(o, agent.id, { scopes: ['mcp'] });
    const res = await agentMe(token);
    expect(res.status).toBe(403);
    expect(res.body.error.details).toEqual({ required_scope: 'agents.me' });
    const [event] = await t.db.select().from(auditEvents).where(and(eq(auditEvents.organizationId, o.id), eq(auditEvents.action, 'access.denied')));
    expect(event!.subject).toBe(`agent:${agent.id}`);
  });
});
