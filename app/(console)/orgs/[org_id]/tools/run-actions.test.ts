// "Run this tool" from the console: the same pipeline as REST, recorded as via console with the
// member acting for the agent; refusals come back as answers with their run, role refusals as the
// form's message with no run.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runs, tools } from '@/db/schema';
import type { UserCtx } from '@/lib/auth/context';
import { createConnection } from '@/lib/connections/service';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { resetEnvCache } from '@/lib/env';
import { createPolicySchema } from '@/lib/policy/schemas';
import { createPolicy } from '@/lib/policy/service';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeAgent, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';

// Server actions read the signed-in user from the session; here it is whoever `as` names.
const session = vi.hoisted(() => ({ ctx: undefined as UserCtx | undefined }));
vi.mock('@/lib/auth/action-ctx', () => ({
  userActionCtx: async () => session.ctx,
  pageUserCtx: async () => session.ctx,
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

const { runToolAction } = await import('./run-actions');

const t = setupTestDb();
let o: TestOrg;
let member: TestUser;
let viewer: TestUser;
let upstream: TestMcpServer;
let agentId: string;
const toolIds: Record<string, string> = {};

const as = (user: TestUser) => {
  session.ctx = { ...user.ctx, actor: { ...user.ctx.actor, via: 'session' } };
};
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
const run = (tool: string, input: string, extra: Record<string, string> = {}) =>
  runToolAction(o.id, {}, form({ tool_id: toolIds[tool]!, agent_id: agentId, input_data: input, ...extra }));

const saved = process.env.UPSTREAM_ALLOW_PRIVATE;

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startTestMcpServer({ name: 'console-run-upstream', tools: [{ name: 'echo' }, { name: 'shout' }] });
  o = await makeOrg(undefined, 'console-run');
  member = await makeUser('member');
  viewer = await makeUser('viewer');
  await addMembership(o.id, member, 'member');
  await addMembership(o.id, viewer, 'viewer');
  const connection = await createConnection(o.ownerCtx, createConnectionSchema.parse({ environment_id: o.envId, name: 'up', endpoint: upstream.url }));
  await syncConnection(o.ownerCtx, connection.id);
  for (const row of await t.db.select().from(tools).where(and(eq(tools.organizationId, o.id), eq(tools.connectionId, connection.id)))) toolIds[row.name] = row.id;
  agentId = (await makeAgent(o, { name: 'Console Bot' })).id;
  await createPolicy(o.ownerCtx, createPolicySchema.parse({ name: 'echo only', rules_json: { allow: ['echo'] } }));
});

afterAll(async () => {
  await upstream.close();
  if (saved === undefined) delete process.env.UPSTREAM_ALLOW_PRIVATE;
  else process.env.UPSTREAM_ALLOW_PRIVATE = saved;
  resetEnvCache();
});

describe('runToolAction', () => {
  it('runs an allowed tool as the agent, recorded as via console with the member acting', async () => {
    as(member);
    const state = await run('echo', '{"text": "from the console"}', { timeout_seconds: '5' });
    expect(state.message).toBeUndefined();
    expect(state.outcome?.kind).toBe('result');
    if (state.outcome?.kind !== 'result') return;
    expect(state.outcome.result.content).toEqual([{ type: 'text', text: 'echo: from the console' }]);
    expect(state.values?.input_data).toBe('{"text": "from the console"}');
    const [row] = await t.db.select().from(runs).where(eq(runs.id, state.outcome.result.run_id));
    expect(row).toMatchObject({ via: 'console', userId: member.id, agentId, status: 'succeeded', target: 'tool:up/echo' });
  });

  it('answers a policy denial with its reason and run; the upstream is never called', async () => {
    as(member);
    const calls = upstream.calls.length;
    const state = await run('shout', '{"text": "hi"}');
    expect(state.outcome).toMatchObject({ kind: 'refused', code: 'forbidden', reason: 'No policy explicitly allows tool.invoke on tool:up/shout' });
    expect(upstream.calls).toHaveLength(calls);
    const runId = state.outcome?.kind === 'refused' ? state.outcome.runId : '';
    const [row] = await t.db.select().from(runs).where(eq(runs.id, runId));
    expect(row).toMatchObject({ via: 'console', status: 'failed', errorText: 'No policy explicitly allows tool.invoke on tool:up/shout' });
  });

  it('puts schema errors on the input field, and form mistakes on theirs with no run', async () => {
    as(member);
    const refused = await run('echo', '{"text": 5}');
    expect(refused.outcome).toMatchObject({ kind: 'refused', code: 'invalid_input' });
    expect(Object.keys(refused.fields ?? {})).toEqual(['input_data.text']);

    const before = (await t.db.select().from(runs).where(eq(runs.organizationId, o.id))).length;
    const bad = await run('echo', '{not json', { timeout_seconds: '0' });
    expect(bad.outcome).toBeUndefined();
    expect(bad.fields).toMatchObject({ input_data: ['Not valid JSON'], timeout_seconds: ['Must be more than 0'] });
    expect(bad.values?.input_data).toBe('{not json');
    expect((await t.db.select().from(runs).where(eq(runs.organizationId, o.id))).length).toBe(before);
  });

  it('refuses a viewer (run.execute is a member’s) and an agent of another organization, without a run', async () => {
    const before = (await t.db.select().from(runs).where(eq(runs.organizationId, o.id))).length;
    as(viewer);
    const denied = await run('echo', '{"text": "x"}');
    expect(denied.outcome).toBeUndefined();
    expect(denied.message).toBe('This needs the member role or higher');

    as(member);
    const other = await makeOrg(undefined, 'other');
    const foreign = await makeAgent(other);
    const stranger = await runToolAction(o.id, {}, form({ tool_id: toolIds.echo!, agent_id: foreign.id, input_data: '{"text": "x"}' }));
    expect(stranger.outcome).toBeUndefined();
    expect(stranger.message).toMatch(/not found/i);
    expect((await t.db.select().from(runs).where(eq(runs.organizationId, o.id))).length).toBe(before);
  });
});
