// "Connect a client": the connection test runs initialize + tools/list through the gateway's own
// handler as the agent, with a token of its own that is revoked (and audited) afterwards; the
// configs the page offers are valid and carry the endpoints, the bridge path and the token.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, issuedTokens } from '@/db/schema';
import { claudeDesktopConfig, genericClientConfig, inspectorCommand, shellWord, TOKEN_PLACEHOLDER } from '@/components/agents/client-configs';
import { updateAgent } from '@/lib/agents/service';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { createPolicySchema } from '@/lib/policy/schemas';
import { createPolicy } from '@/lib/policy/service';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeOrg, makeServiceAccount, type TestOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { agentEndpoints, bridgeScriptPath, testAgentConnection, type AgentConnectionTest } from './connect';

setupTestDb();

let upstream: TestMcpServer;
let org: TestOrg;

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startTestMcpServer({ name: 'connect-upstream', tools: [{ name: 'echo', description: 'Echoes text' }, { name: 'hidden', description: 'Never allowed' }] });
  org = await makeOrg(undefined, 'connect');
  const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'up', endpoint: upstream.url }));
  await syncConnection(org.ownerCtx, c.id);
});

afterAll(async () => {
  await upstream.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

/** The agent's tokens as stored. */
async function tokensOf(agentId: string) {
  const db = await getDb();
  return db.select().from(issuedTokens).where(eq(issuedTokens.agentId, agentId));
}

function expectOk(result: AgentConnectionTest): asserts result is Extract<AgentConnectionTest, { ok: true }> {
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
}

describe('testAgentConnection', () => {
  it("lists the agent's allowed tools through the gateway, then revokes its temporary token (audited)", async () => {
    const agent = await makeAgent(org);
    await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'allow echo', rules_json: { allow: ['up/echo'] } }));

    const result = await testAgentConnection(org.ownerCtx, agent.id);
    expectOk(result);
    expect(result.tools).toContain('echo');
    expect(result.tools).not.toContain('hidden');
    expect(result.tool_count).toBe(result.tools.filter((t) => t !== 'execute_tool').length);
    expect(result.tool_count).toBeGreaterThanOrEqual(1);
    expect(result.no_tools).toBeNull();
    expect(result.server).toEqual({ name: 'agentxsuite', version: expect.any(String) });
    expect(result.protocol_version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.latency_ms).toBeGreaterThanOrEqual(0);
    expect(result.endpoint).toBe(agentEndpoints(agent).streamable_http);

    // The temporary token: scope mcp only, a minute at most, revoked; issue and revoke audited.
    const [token, ...others] = await tokensOf(agent.id);
    expect(others).toEqual([]);
    expect(token!.jti).toBe(result.test_token_jti);
    expect(token!.scopes).toEqual(['mcp']);
    expect(token!.revokedAt).not.toBeNull();
    expect(token!.expiresAt.getTime() - token!.createdAt.getTime()).toBeLessThanOrEqual(61_000);
    const db = await getDb();
    const events = await db
      .select({ eventType: auditEvents.eventType })
      .from(auditEvents)
      .where(and(eq(auditEvents.organizationId, org.id), eq(auditEvents.target, `token:${token!.jti}`)));
    expect(events.map((e) => e.eventType).sort()).toEqual(['token_issued', 'token_revoked']);
  });

  it('connects but reports 0 tools, and why, when no policy allows the agent any tool', async () => {
    const other = await makeOrg(undefined, 'connect-nopolicy');
    const c = await createConnection(other.ownerCtx, createConnectionSchema.parse({ environment_id: other.envId, name: 'up', endpoint: upstream.url }));
    await syncConnection(other.ownerCtx, c.id);
    const agent = await makeAgent(other);
    const result = await testAgentConnection(other.ownerCtx, agent.id);
    expectOk(result);
    expect(result.tool_count).toBe(0);
    expect(result.tools).toEqual(['execute_tool']);
    expect(result.no_tools).toEqual({ reason: 'no_policy_allows', message: 'Connected, 0 tools: no policy allows this agent any tool.' });
    expect((await tokensOf(agent.id)).every((t) => t.revokedAt !== null)).toBe(true);

    // An environment without any tool says so instead.
    const empty = await makeOrg(undefined, 'connect-empty');
    const lonely = await makeAgent(empty);
    const bare = await testAgentConnection(empty.ownerCtx, lonely.id);
    expectOk(bare);
    expect(bare.no_tools?.reason).toBe('no_tools_in_environment');
  });

  it('fails with a reason, and issues no token, for a disabled agent', async () => {
    const agent = await makeAgent(org);
    await updateAgent(org.ownerCtx, agent.id, { enabled: false });
    const result = await testAgentConnection(org.ownerCtx, agent.id);
    expect(result).toMatchObject({ ok: false, stage: 'token', test_token_jti: null });
    expect(!result.ok && result.reason).toContain('disabled');
    expect(await tokensOf(agent.id)).toEqual([]);
  });

  it("fails with the reason when the agent's service account does not allow the mcp scope", async () => {
    const account = await makeServiceAccount(org, { scope_allowlist: ['agents.me'] });
    const agent = await makeAgent(org, { service_account_id: account.id });
    const result = await testAgentConnection(org.ownerCtx, agent.id);
    expect(result).toMatchObject({ ok: false, stage: 'token' });
    expect(!result.ok && result.reason).toContain('mcp scope');
    expect(await tokensOf(agent.id)).toEqual([]);
  });

  it("answers 404 for another organization's agent, and for no agent at all", async () => {
    const stranger = await makeOrg(undefined, 'connect-stranger');
    const foreign = await makeAgent(stranger);
    await expect(testAgentConnection(org.ownerCtx, foreign.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(testAgentConnection(org.ownerCtx, 'not-a-uuid')).rejects.toMatchObject({ code: 'not_found' });
    expect(await tokensOf(foreign.id)).toEqual([]);
  });
});

describe('client configs', () => {
  const endpoints = agentEndpoints({ organization_id: 'o', environment_id: 'e' });
  const input = { name: 'support-bot', endpoints, bridgePath: bridgeScriptPath(), token: null };

  it('point at the gateway of PUBLIC_URL, scoped and not', () => {
    expect(endpoints).toEqual({
      streamable_http: 'http://localhost:3000/mcp',
      streamable_http_scoped: 'http://localhost:3000/mcp/o/e',
      sse: 'http://localhost:3000/.well-known/mcp/sse',
      sse_scoped: 'http://localhost:3000/mcp/o/e/.well-known/mcp/sse',
    });
  });

  it('Claude Desktop starts the bridge of this checkout with the token in env only', () => {
    const placeholder = JSON.parse(claudeDesktopConfig(input));
    expect(placeholder).toEqual({
      mcpServers: {
        'support-bot': {
          command: 'node',
          args: [`${process.cwd()}/bin/agentxsuite-bridge.mjs`, '--url', 'http://localhost:3000/mcp'],
          env: { AGENTXSUITE_TOKEN: TOKEN_PLACEHOLDER },
        },
      },
    });
    const filled = JSON.parse(claudeDesktopConfig({ ...input, token: 'eyJ.a.b' }));
    expect(filled.mcpServers['support-bot'].env).toEqual({ AGENTXSUITE_TOKEN: 'eyJ.a.b' });
    expect(JSON.stringify(filled.mcpServers['support-bot'].args)).not.toContain('eyJ');
  });

  it('the Inspector commands and the generic config carry URL and header', () => {
    // The token never goes on a command line: the command reads it from the environment.
    expect(inspectorCommand({ ...input, token: 'eyJ.a.b' }, 'sse')).toBe(
      'npx @modelcontextprotocol/inspector --cli http://localhost:3000/.well-known/mcp/sse --transport sse --header "Authorization: Bearer $AGENTXSUITE_TOKEN" --method tools/list',
    );
    expect(inspectorCommand(input, 'http')).toContain('--cli http://localhost:3000/mcp --transport http --header "Authorization: Bearer $AGENTXSUITE_TOKEN"');
    expect(JSON.parse(genericClientConfig({ ...input, token: 't' }))).toEqual({
      mcpServers: { 'support-bot': { transport: 'streamable-http', url: 'http://localhost:3000/mcp', headers: { Authorization: 'Bearer t' } } },
    });
    expect(shellWord("it's here")).toBe(`'it'\\''s here'`);
  });
});
