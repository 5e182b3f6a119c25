// Group commit of run records: concurrent writes share statements, each caller returns after its
// own rows committed, and one bad run never takes the others of its batch down with it.
import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, runs, runSteps } from '@/db/schema';
import { auditRow } from '@/lib/audit/record';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { newRunId, storableJson, writeRun } from './record';

setupTestDb();

let org: TestOrg;
let agentId: string;

beforeAll(async () => {
  org = await makeOrg();
  agentId = (await makeAgent(org)).id;
});

async function write(environmentId = org.envId): Promise<string> {
  const db = await getDb();
  const id = newRunId();
  const at = new Date();
  await writeRun(
    db,
    { id, organizationId: org.id, environmentId, agentId, status: 'succeeded', target: 'tool:x/y', via: 'rest', startedAt: at, endedAt: at, durationMs: 0, inputJson: { n: 1 } },
    [{ stepType: 'resolve', message: 'ok', at, durationMs: 0 }],
    [auditRow(org.ownerCtx, { organizationId: org.id, action: 'run.succeed', eventType: 'run_succeeded', target: 'tool:x/y', data: { run_id: id } })],
  );
  return id;
}

describe('writeRun', () => {
  it('writes 40 concurrent runs with their steps and events, all committed when each call returns', async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, () => write()));
    const db = await getDb();
    expect(await db.select({ id: runs.id }).from(runs).where(inArray(runs.id, ids))).toHaveLength(40);
    expect(await db.select({ id: runSteps.id }).from(runSteps).where(inArray(runSteps.runId, ids))).toHaveLength(40);
    const events = await db.select({ data: auditEvents.eventData }).from(auditEvents).where(inArray(auditEvents.eventType, ['run_succeeded']));
    expect(events.filter((e) => ids.includes((e.data as { run_id: string }).run_id))).toHaveLength(40);
  });

  it('a run that cannot be written fails alone; the others of its batch are written', async () => {
    const results = await Promise.allSettled([write(), write(), write(randomUUID()), write(), write()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const db = await getDb();
    expect(await db.select({ id: runs.id }).from(runs).where(inArray(runs.id, ids))).toHaveLength(4);
  });
});

describe('writeRun stores every field as given', () => {
  it('reads back the run, its steps and events exactly (dates, JSON, nulls, a NUL replaced)', async () => {
    const db = await getDb();
    const id = newRunId();
    const started = new Date('2026-01-02T03:04:05.678Z');
    const ended = new Date('2026-01-02T03:04:06.789Z');
    const ruleId = randomUUID();
    const written = {
      id,
      organizationId: org.id,
      environmentId: org.envId,
      agentId,
      toolId: null,
      userId: org.owner.id,
      status: 'failed' as const,
      target: 'tool:conn/echo',
      via: 'mcp',
      startedAt: started,
      endedAt: ended,
      durationMs: 1111,
      inputJson: { text: 'a\u0000b', literal: 'C:\\u0000\\\u0000', ['k\u0000']: 1, lone: 'x\ud800y', pair: '😀', nested: { n: [1, 2.5, null, true] } },
      outputJson: { content: [{ type: 'text', text: 'é ✓' }], isError: true, truncated: false },
      errorText: 'The tool reported an error (isError)',
      modelName: 'model-x',
      inputTokens: 12,
      outputTokens: 34,
      cost: '0.00120000',
      currency: 'USD',
    };
    await writeRun(
      db,
      written,
      [
        { stepType: 'resolve', message: 'Resolved \ud83d', details: { target: 'tool:conn/echo' }, at: started, durationMs: 3 },
        { stepType: 'upstream', message: 'The tool answered', at: ended, durationMs: null },
      ],
      [
        auditRow(org.ownerCtx, { organizationId: org.id, action: 'run.fail', eventType: 'run_failed_tool_error', target: 'tool:conn/echo', decision: 'deny', ruleId, data: { run_id: id }, at: ended }),
      ],
    );
    const [run] = await db.select().from(runs).where(inArray(runs.id, [id]));
    // Read back as written, but for what Postgres cannot store (NUL, a lone surrogate): U+FFFD.
    expect(run).toMatchObject({
      ...written,
      inputJson: { text: 'a\uFFFDb', literal: 'C:\\u0000\\\uFFFD', ['k\uFFFD']: 1, lone: 'x\uFFFDy', pair: '😀', nested: { n: [1, 2.5, null, true] } },
    });
    const steps = await db.select().from(runSteps).where(inArray(runSteps.runId, [id])).orderBy(runSteps.timestamp);
    expect(steps.map((s) => [s.stepType, s.message, s.details, s.timestamp.toISOString(), s.durationMs])).toEqual([
      ['resolve', 'Resolved \uFFFD', { target: 'tool:conn/echo' }, started.toISOString(), 3],
      ['upstream', 'The tool answered', {}, ended.toISOString(), null],
    ]);
    const [event] = await db.select().from(auditEvents).where(inArray(auditEvents.eventType, ['run_failed_tool_error']));
    expect(event).toMatchObject({
      organizationId: org.id,
      action: 'run.fail',
      target: 'tool:conn/echo',
      decision: 'deny',
      ruleId,
      subject: `user:${org.owner.id}`,
      eventData: { run_id: id },
      ts: ended,
    });
    expect(event!.context).toMatchObject({ request_id: org.ownerCtx.requestId });
  });
});

describe('storableJson', () => {
  it('replaces every NUL, in values and keys, and nothing that only looks like one', () => {
    const cases: [unknown, unknown][] = [
      ['\u0000', '\uFFFD'],
      ['a\u0000\u0000b', 'a\uFFFD\uFFFDb'],
      ['\\u0000', '\\u0000'], // a backslash, then the text u0000
      ['\\\u0000', '\\\uFFFD'], // a backslash, then a NUL
      ['\\\\u0000', '\\\\u0000'],
      [{ ['\u0000k']: ['\u0000', 1] }, { ['\uFFFDk']: ['\uFFFD', 1] }],
      [{ plain: 'no nul here', n: 0 }, { plain: 'no nul here', n: 0 }],
      ['a\ud800b\udfff', 'a\uFFFDb\uFFFD'], // lone surrogates
      ['\ud83d\ude00', '😀'], // a pair is a character
      ['\\ud800', '\\ud800'], // a backslash, then the text ud800
    ];
    for (const [value, stored] of cases) expect(JSON.parse(storableJson(value))).toEqual(stored);
  });
});
