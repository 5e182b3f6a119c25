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
import { newRunId, writeRun } from './record';

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
