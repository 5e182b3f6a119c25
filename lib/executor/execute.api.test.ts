// The execution pipeline through POST /orgs/{org_id}/runs/execute/, against real MCP servers on
// loopback: every outcome leaves a run, its steps and audit events; a refused call never reaches
// the upstream (asserted on the upstream's side); a hanging tool is cut at its timeout and the
// upstream is told; credentials sent upstream never come back.
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as executeRoute from '@/app/api/v1/orgs/[org_id]/runs/execute/route';
import * as runDetail from '@/app/api/v1/orgs/[org_id]/runs/[id]/route';
import * as runSteps from '@/app/api/v1/orgs/[org_id]/runs/[id]/steps/route';
import * as runList from '@/app/api/v1/orgs/[org_id]/runs/route';
import { getDb } from '@/db/client';
import { auditEvents, connections, runs, tools } from '@/db/schema';
import { resetEnvCache } from '@/lib/env';
import { closeRateLimiter, getRateLimiter } from '@/lib/ratelimit';
import { createPolicy } from '@/lib/policy/service';
import { createPolicySchema } from '@/lib/policy/schemas';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { executeTool } from '@/lib/executor/execute';
import { createRule } from '@/lib/policy/service';
import { addRuleSchema } from '@/lib/policy/schemas';
import { storeSecret } from '@/lib/secrets/service';
import { addMembership, makeAgent, makeAgentToken, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { syncConnection } from '@/lib/tools/sync';
import { createConnection } from '@/lib/connections/service';
import { createConnectionSchema } from '@/lib/connections/schemas';

setupTestDb();

const BEARER = 'upstream-credential-9f3a7c1e';
let upstream: TestMcpServer;
let org: TestOrg;
let member: TestUser;
let viewer: TestUser;
let agentId: string;
let connectionName: string;

const saved = { ...process.env };
function setEnv(vars: Record<string, string>) {
  Object.assign(process.env, vars);
  resetEnvCache();
}

const execute = (body: Record<string, unknown>, token = member.token) =>
  call(executeRoute.POST, 'POST', `/api/v1/orgs/${org.id}/runs/execute/`, { token, params: { org_id: org.id }, body: { agent_id: agentId, ...body } });

async function runRow(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row!;
}

async function eventsOf(runId: string) {
  const db = await getDb();
  const rows = await db.select().from(auditEvents).where(eq(auditEvents.organizationId, org.id));
  return rows.filter((e) => (e.eventData as { run_id?: string }).run_id === runId).map((e) => e.eventType);
}

async function allow(entries: string[], name = `allow-${Date.now()}-${Math.random()}`) {
  await createPolicy(org.ownerCtx, createPolicySchema.parse({ name, rules_json: { allow: entries } }));
}

beforeAll(async () => {
  setEnv({ UPSTREAM_ALLOW_PRIVATE: 'true' });
  upstream = await startTestMcpServer({
    name: 'exec-upstream',
    bearer: BEARER,
    stateful: true,
    tools: [
      { name: 'echo', description: 'Echoes text' },
      { name: 'denied', description: 'Never allowed' },
      {
        name: 'hang',
        description: 'Never answers until cancelled',
        handler: (_args, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ content: [] }), { once: true })),
      },
      {
        name: 'whoami',
        description: 'Returns the Authorization header it received',
        handler: async (_args, { authorization }) => ({ content: [{ type: 'text', text: `you sent ${authorization}` }] }),
      },
      {
        name: 'big',
        description: 'A large result',
        handler: async () => ({ content: Array.from({ length: 50 }, (_, i) => ({ type: 'text', text: `${i}:${'x'.repeat(2000)}` })) }),
      },
      { name: 'fails', description: 'Reports an error', handler: async () => ({ content: [{ type: 'text', text: 'nope' }], isError: true }) },
      {
        name: 'asks',
        description: 'Asks the client to sample a message, and returns what it said',
        handler: async (_args, { sendRequest }) => {
          try {
            const answer = (await sendRequest(
              { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 10 } },
              CreateMessageResultSchema as never,
            )) as { content: { text: string } };
            return { content: [{ type: 'text', text: `client said: ${answer.content.text}` }] };
          } catch (error) {
            return { content: [{ type: 'text', text: `refused: ${(error as Error).message}` }], isError: true };
          }
        },
      },
    ],
  });
  org = await makeOrg(undefined, 'exec');
  member = await makeUser('member');
  viewer = await makeUser('viewer');
  await addMembership(org.id, member, 'member');
  await addMembership(org.id, viewer, 'viewer');
  const secretRef = (await storeSecret(org.ownerCtx, { name: 'upstream bearer', value: BEARER })).secret_ref;
  connectionName = 'up';
  const connection = await createConnection(
    org.ownerCtx,
    createConnectionSchema.parse({ environment_id: org.envId, name: connectionName, endpoint: upstream.url, auth_method: 'bearer', secret_ref: secretRef }),
  );
  const synced = await syncConnection(org.ownerCtx, connection.id);
  expect(synced.counts.created).toBe(7);
  agentId = (await makeAgent(org)).id;
});

afterEach(async () => {
  process.env = { ...saved, UPSTREAM_ALLOW_PRIVATE: 'true' };
  resetEnvCache();
  await closeRateLimiter();
});

afterAll(async () => {
  await upstream.close();
  process.env = saved;
  resetEnvCache();
});

describe('runs/execute', () => {
  it('denies by default: 403 with the reason, a failed run, an audit event — and the upstream is never called', async () => {
    const before = upstream.calls.length;
    const res = await execute({ tool_identifier: 'denied', input_data: { text: 'hi' } });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(`No policy explicitly allows tool.invoke on tool:${connectionName}/denied`);
    const runId = res.body.error.details.run_id;
    expect(await runRow(runId)).toMatchObject({ status: 'failed', target: 'tool:up/denied', via: 'rest', userId: member.id, agentId });
    expect(await eventsOf(runId)).toEqual(['run_denied_policy']);
    expect(upstream.calls.length).toBe(before);
  });

  it('runs an allowed tool: 201 MCP content, a succeeded run with one step per stage, run_started + run_succeeded', async () => {
    await allow(['up/echo']);
    const res = await execute({ tool_identifier: 'echo', input_data: { text: 'hello' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      status: 'succeeded',
      isError: false,
      content: [{ type: 'text', text: 'echo: hello' }],
      agent: { id: agentId },
      tool: { name: 'echo', target: 'tool:up/echo' },
    });
    expect(res.body.execution.duration_ms).toBeGreaterThanOrEqual(0);
    expect(upstream.calls.at(-1)).toEqual({ name: 'echo', arguments: { text: 'hello' } });

    const detail = await call(runDetail.GET, 'GET', '/x', { token: viewer.token, params: { org_id: org.id, id: res.body.run_id } });
    expect(detail.body).toMatchObject({ status: 'succeeded', target: 'tool:up/echo', input_json: { text: 'hello' }, error_text: null });
    const steps = await call(runSteps.GET, 'GET', '/x', { token: viewer.token, params: { org_id: org.id, id: res.body.run_id } });
    expect(steps.body.results.map((s: { step_type: string }) => s.step_type)).toEqual(['resolve', 'policy', 'validation', 'rate_limit', 'upstream']);
    expect(await eventsOf(res.body.run_id)).toEqual(expect.arrayContaining(['run_started', 'run_succeeded']));

    // The same tool by connection-qualified name and by id.
    expect((await execute({ tool_identifier: 'up/echo', input_data: { text: 'a' } })).status).toBe(201);
    expect((await execute({ tool_identifier: res.body.tool.id, input_data: { text: 'b' } })).status).toBe(201);
  });

  it('refuses input that does not match the schema, naming the field, before calling upstream', async () => {
    await allow(['up/echo']);
    const before = upstream.calls.length;
    const res = await execute({ tool_identifier: 'echo', input_data: { text: 42 } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual({ 'input_data.text': ['must be string'] });
    const missing = await execute({ tool_identifier: 'echo', input_data: {} });
    expect(missing.body.error.details.fields).toEqual({ 'input_data.text': ['Required'] });
    expect(await eventsOf(res.body.error.details.run_id)).toEqual(['run_denied_validation']);
    expect(upstream.calls.length).toBe(before);
  });

  it('refuses stale and pending-review tools with the reason', async () => {
    await allow(['up/*']);
    const db = await getDb();
    const [stale] = await db
      .insert(tools)
      .values({ organizationId: org.id, environmentId: org.envId, connectionId: (await connectionId()), name: 'gone', origin: 'sync', syncStatus: 'stale', schemaJson: { type: 'object' } })
      .returning();
    const res = await execute({ tool_identifier: stale!.id, input_data: {} });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('no longer offered by its server (stale)');
    expect(await eventsOf(res.body.error.details.run_id)).toEqual(['run_denied_sync_status']);

    await db.update(tools).set({ syncStatus: 'pending_review' }).where(eq(tools.id, stale!.id));
    const held = await execute({ tool_identifier: stale!.id, input_data: {} });
    expect(held.body.error.message).toContain('waits for an admin to approve it');
  });

  it('stops every tool of a disabled connection', async () => {
    await allow(['up/echo']);
    const db = await getDb();
    await db.update(connections).set({ enabled: false }).where(eq(connections.id, await connectionId()));
    try {
      const res = await execute({ tool_identifier: 'echo', input_data: { text: 'x' } });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe('Connection up is disabled: none of its tools run');
    } finally {
      await db.update(connections).set({ enabled: true }).where(eq(connections.id, await connectionId()));
    }
  });

  it('cuts a hanging tool at its timeout: 504, run failed, and the upstream is told (MCP cancellation)', async () => {
    await allow(['up/hang']);
    const started = Date.now();
    const res = await execute({ tool_identifier: 'hang', input_data: {}, timeout_seconds: 1 });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(5_000);
    const run = await runRow(res.body.error.details.run_id);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run.errorText).toContain('did not answer within 1 s');
    expect(await eventsOf(run.id)).toEqual(expect.arrayContaining(['run_started', 'run_failed_timeout']));
    await expect.poll(() => upstream.cancellations.filter((c) => c.name === 'hang').length, { timeout: 3_000 }).toBeGreaterThan(0);
  });

  it('caps an agent at RUN_MAX_CONCURRENT_PER_AGENT runs in flight', async () => {
    setEnv({ RUN_MAX_CONCURRENT_PER_AGENT: '2' });
    await allow(['up/hang', 'up/echo']);
    const hanging = [execute({ tool_identifier: 'hang', input_data: {}, timeout_seconds: 2 }), execute({ tool_identifier: 'hang', input_data: {}, timeout_seconds: 2 })];
    await expect.poll(() => upstream.calls.filter((c) => c.name === 'hang').length, { timeout: 3_000 }).toBeGreaterThanOrEqual(3);
    const third = await execute({ tool_identifier: 'echo', input_data: { text: 'x' } });
    expect(third.status).toBe(429);
    expect(third.body.error.message).toContain('already has 2 runs in progress');
    expect(await eventsOf(third.body.error.details.run_id)).toEqual(['run_denied_concurrency']);
    await Promise.all(hanging);
    expect((await execute({ tool_identifier: 'echo', input_data: { text: 'y' } })).status).toBe(201);
  });

  it('never returns or stores the credential it sent upstream', async () => {
    await allow(['up/whoami']);
    const res = await execute({ tool_identifier: 'whoami', input_data: {} });
    expect(res.status).toBe(201);
    expect(res.body.content[0].text).toBe('you sent [REDACTED]');
    expect(JSON.stringify(res.body)).not.toContain(BEARER);
    expect(JSON.stringify(await runRow(res.body.run_id))).not.toContain(BEARER);
  });

  it('truncates a result over RUN_MAX_OUTPUT_BYTES and says so; a tool error result is a failed run', async () => {
    setEnv({ RUN_MAX_OUTPUT_BYTES: '20000' });
    await allow(['up/big', 'up/fails']);
    const big = await execute({ tool_identifier: 'big', input_data: {} });
    expect(big.status).toBe(201);
    expect(big.body.truncated).toBe(true);
    expect(big.body.content.at(-1).text).toContain('truncated');
    expect(JSON.stringify(big.body.content).length).toBeLessThan(20_000);

    const failed = await execute({ tool_identifier: 'fails', input_data: {} });
    expect(failed.status).toBe(201);
    expect(failed.body).toMatchObject({ status: 'failed', isError: true, content: [{ type: 'text', text: 'nope' }] });
    expect(await eventsOf(failed.body.run_id)).toEqual(expect.arrayContaining(['run_failed_tool_error']));
  });

  it('50 simultaneous executes against a bucket of 10 with no refill: exactly 10 pass (memory)', async () => {
    setEnv({ RUN_MAX_CONCURRENT_PER_AGENT: '100' });
    await allow(['up/echo']);
    const db = await getDb();
    const agent = await makeAgent(org);
    const echo = await toolId('echo');
    await db.update(tools).set({ rateLimitCapacity: 10, rateLimitRefillPerSec: 0 }).where(eq(tools.id, echo));
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => execute({ agent_id: agent.id, tool_identifier: 'echo', input_data: { text: 'r' } })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40);
      const limited = results.find((r) => r.status === 429)!;
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await db.update(tools).set({ rateLimitCapacity: null, rateLimitRefillPerSec: null }).where(eq(tools.id, echo));
    }
  });

  it('50 simultaneous executes against a bucket of 10 with no refill: exactly 10 pass (Redis)', async () => {
    if (process.env.AXS_SKIP_REDIS_TESTS === '1') return;
    setEnv({ RUN_MAX_CONCURRENT_PER_AGENT: '100', REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
    await closeRateLimiter();
    await allow(['system/echo']);
    const agent = await makeAgent(org);
    const db = await getDb();
    // A system tool has no row to carry an override: a default bucket of 10 without refill is
    // not allowed by the settings, so use a tool row of the connection instead.
    const echo = await toolId('echo');
    await allow(['up/echo']);
    await db.update(tools).set({ rateLimitCapacity: 10, rateLimitRefillPerSec: 0 }).where(eq(tools.id, echo));
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => execute({ agent_id: agent.id, tool_identifier: 'up/echo', input_data: { text: 'r' } })),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(10);
      expect(results.filter((r) => r.status === 429)).toHaveLength(40);
    } finally {
      await db.update(tools).set({ rateLimitCapacity: null, rateLimitRefillPerSec: null }).where(eq(tools.id, echo));
      // Buckets that never refill never expire: leave nothing behind in the shared Redis.
      await getRateLimiter().reset(`run:${agent.id}:${echo}`);
    }
  });

  it('refuses with 503 when the rate-limit store is down (fail closed), audited', async () => {
    setEnv({ REDIS_URL: 'redis://127.0.0.1:1' });
    await closeRateLimiter();
    await allow(['up/echo']);
    const before = upstream.calls.length;
    const res = await execute({ tool_identifier: 'echo', input_data: { text: 'x' } });
    expect(res.status).toBe(503);
    expect(await eventsOf(res.body.error.details.run_id)).toEqual(['run_denied_rate_limit_store']);
    expect(upstream.calls.length).toBe(before);
  });
});

describe('rate-limit store down with RATE_LIMIT_FAIL_OPEN', () => {
  it('runs the call and audits that the limit was not applied', async () => {
    setEnv({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_FAIL_OPEN: 'true' });
    await closeRateLimiter();
    await allow(['up/echo']);
    const res = await execute({ tool_identifier: 'echo', input_data: { text: 'open' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await eventsOf(res.body.run_id)).toEqual(expect.arrayContaining(['run_rate_limit_store_unavailable', 'run_started', 'run_succeeded']));
  });
});

describe('who may run', () => {
  it('an agent runs as itself with its token; naming another agent is 403; a viewer cannot run', async () => {
    await allow(['up/echo']);
    const { token } = await makeAgentToken(org, agentId);
    const own = await call(executeRoute.POST, 'POST', '/x', { token, params: { org_id: org.id }, body: { tool_identifier: 'echo', input_data: { text: 'me' } } });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect(await runRow(own.body.run_id)).toMatchObject({ userId: null, agentId });
    const other = await makeAgent(org);
    const foreign = await call(executeRoute.POST, 'POST', '/x', { token, params: { org_id: org.id }, body: { agent_id: other.id, tool_identifier: 'echo', input_data: { text: 'x' } } });
    expect(foreign.status).toBe(403);
    const otherOrg = await makeOrg();
    const elsewhere = await call(executeRoute.POST, 'POST', '/x', { token, params: { org_id: otherOrg.id }, body: { tool_identifier: 'echo', input_data: {} } });
    expect(elsewhere.status).toBe(404);
    expect((await execute({ tool_identifier: 'echo', input_data: { text: 'x' } }, viewer.token)).status).toBe(403);
  });

  it('an ambiguous bare name is 409 naming the candidates; an unknown one 404 — both recorded', async () => {
    await allow(['*/echo']);
    const db = await getDb();
    const second = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'up2', endpoint: upstream.url }));
    await db.insert(tools).values({ organizationId: org.id, environmentId: org.envId, connectionId: second.id, name: 'echo', origin: 'sync', schemaJson: { type: 'object' } });
    const res = await execute({ tool_identifier: 'echo', input_data: { text: 'x' } });
    expect(res.status).toBe(409);
    expect(res.body.error.details.candidates.sort()).toEqual(['up/echo', 'up2/echo']);
    const unknown = await execute({ tool_identifier: 'nope', input_data: {} });
    expect(unknown.status).toBe(404);
    expect(await runRow(unknown.body.error.details.run_id)).toMatchObject({ status: 'failed', target: 'nope' });
    await db.delete(connections).where(eq(connections.id, second.id));
  });
});

describe('hostile input', () => {
  it('a bare name is decided within the agent view: a tool it may not see neither collides nor shows', async () => {
    const db = await getDb();
    const ids: string[] = [];
    for (const name of ['va', 'vb']) {
      const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name, endpoint: upstream.url }));
      ids.push(c.id);
      await db.insert(tools).values({ organizationId: org.id, environmentId: org.envId, connectionId: c.id, name: 'viewtool', origin: 'sync', schemaJson: { type: 'object' } });
    }
    try {
      const hidden = await execute({ tool_identifier: 'viewtool', input_data: {} });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.message).toContain("in this agent's view");
      await allow(['va/viewtool']);
      const res = await execute({ tool_identifier: 'viewtool', input_data: {} });
      // Not 409: only va/viewtool is in the view (the upstream has no such tool, hence its error).
      expect(res.status).toBe(502);
      expect(await runRow(res.body.error.details.run_id)).toMatchObject({ target: 'tool:va/viewtool' });
    } finally {
      for (const id of ids) await db.delete(connections).where(eq(connections.id, id));
    }
  });

  it('stores a NUL character from an agent or an upstream instead of losing the run; refuses it in a tool identifier', async () => {
    await allow(['up/echo']);
    const res = await execute({ tool_identifier: 'echo', input_data: { text: 'a\u0000b' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const run = await runRow(res.body.run_id);
    expect(run.inputJson).toEqual({ text: 'a\uFFFDb' });
    expect(await eventsOf(run.id)).toEqual(expect.arrayContaining(['run_started', 'run_succeeded']));
    const bad = await execute({ tool_identifier: 'ec\u0000ho', input_data: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields).toHaveProperty('tool_identifier');
    // Through the pipeline directly (the MCP fabric's path): no tool, a recorded refusal, no 500.
    const direct = await executeTool({ ...org.ownerCtx }, { agentId, toolIdentifier: 'ec\u0000ho', input: {}, via: 'mcp' }).catch((e: unknown) => e);
    expect(direct).toMatchObject({ code: 'not_found' });
  });
});

describe('system tools', () => {
  it('run in-process through the same policy and pipeline', async () => {
    // (An earlier test allowed */echo, which rightly includes system/echo.)
    const denied = await execute({ tool_identifier: 'system/current_time', input_data: {} });
    expect(denied.status).toBe(403);
    await allow(['system/*', 'up/echo']);
    const echo = await execute({ tool_identifier: 'system/echo', input_data: { text: 'hi' } });
    expect(echo.body).toMatchObject({ status: 'succeeded', content: [{ type: 'text', text: 'hi' }], tool: { id: null, target: 'tool:system/echo' } });
    const time = await execute({ tool_identifier: 'current_time', input_data: { timezone: 'Europe/Berlin' } });
    expect(time.body.structuredContent).toMatchObject({ timezone: 'Europe/Berlin' });
    const mine = await execute({ tool_identifier: 'my_tools', input_data: {} });
    expect(mine.body.structuredContent.tools.map((t: { target: string }) => t.target)).toContain('tool:up/echo');
    const recent = await execute({ tool_identifier: 'my_recent_runs', input_data: { limit: 3 } });
    expect(recent.body.structuredContent.runs).toHaveLength(3);
    const bad = await execute({ tool_identifier: 'system/echo', input_data: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields).toHaveProperty(['input_data.text']);
  });
});

describe('server-to-client requests', () => {
  it('relays sampling to the calling client only when the policy allows sampling.create, and records it', async () => {
    await allow(['up/asks']);
    const asked: unknown[] = [];
    const relay = async (req: { method: string; params: unknown }) => {
      asked.push(req);
      return { role: 'assistant', content: { type: 'text', text: 'hi there' }, model: 'test-model' };
    };
    const ctx = { ...org.ownerCtx };
    const run = () => executeTool(ctx, { agentId, toolIdentifier: 'up/asks', input: {}, via: 'mcp', onServerRequest: relay });

    const refused = await run();
    expect(refused).toMatchObject({ isError: true });
    expect(refused.content[0]).toMatchObject({ text: expect.stringContaining('No policy explicitly allows sampling.create on sampling:up') });
    expect(asked).toHaveLength(0);
    expect(await eventsOf(refused.run_id)).toEqual(expect.arrayContaining(['run_denied_server_request']));

    const p = await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: `sampling-${Date.now()}` }));
    await createRule(org.owner.ctx, { policy_id: p.id, ...addRuleSchema.parse({ action: 'sampling.create', target: 'sampling:up', effect: 'allow' }) });
    const relayed = await run();
    expect(relayed).toMatchObject({ status: 'succeeded', content: [{ type: 'text', text: 'client said: hi there' }] });
    expect(asked).toHaveLength(1);
    const steps = await call(runSteps.GET, 'GET', '/x', { token: viewer.token, params: { org_id: org.id, id: relayed.run_id } });
    expect(steps.body.results.map((s: { step_type: string }) => s.step_type)).toContain('server_request');

    // Without a relay the upstream is not offered sampling at all.
    const none = await executeTool(ctx, { agentId, toolIdentifier: 'up/asks', input: {}, via: 'rest' });
    expect(none.isError).toBe(true);
  });
});

describe('runs list', () => {
  it('filters and pages by cursor, newest first', async () => {
    const first = await call(runList.GET, 'GET', `/api/v1/orgs/${org.id}/runs/?page_size=2&status=failed`, { token: viewer.token, params: { org_id: org.id } });
    expect(first.status).toBe(200);
    expect(first.body.results).toHaveLength(2);
    expect(first.body.results.every((r: { status: string }) => r.status === 'failed')).toBe(true);
    const second = await call(runList.GET, 'GET', first.body.next, { token: viewer.token, params: { org_id: org.id } });
    expect(second.body.results[0].id).not.toBe(first.body.results[1].id);
    expect(new Date(second.body.results[0].created_at) <= new Date(first.body.results[1].created_at)).toBe(true);
    const bad = await call(runList.GET, 'GET', `/x?cursor=nonsense&status=maybe`, { token: viewer.token, params: { org_id: org.id } });
    expect(bad.status).toBe(400);
  });
});

async function connectionId(): Promise<string> {
  const db = await getDb();
  const [row] = await db.select().from(connections).where(and(eq(connections.organizationId, org.id), eq(connections.name, connectionName)));
  return row!.id;
}

async function toolId(name: string): Promise<string> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(tools)
    .where(and(eq(tools.organizationId, org.id), eq(tools.connectionId, await connectionId()), eq(tools.name, name)));
  return row!.id;
}
