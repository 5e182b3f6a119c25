// A session's memo of resolved calls: reused for a second while nothing changed, never across a
// change recorded on this instance, and nothing remembered right after one.
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/db/client';
import { connections, tools } from '@/db/schema';
import { orgChanged } from '@/lib/tenancy/changes';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { ResolutionMemo } from './resolve';

setupTestDb();

let org: TestOrg;
let agentId: string;
let connectionId: string;

beforeAll(async () => {
  org = await makeOrg(undefined, 'memo');
  agentId = (await makeAgent(org)).id;
  const db = await getDb();
  const [conn] = await db.insert(connections).values({ organizationId: org.id, environmentId: org.envId, name: 'up', endpoint: 'http://127.0.0.1:9/mcp' }).returning();
  connectionId = conn!.id;
  await db.insert(tools).values({ organizationId: org.id, environmentId: org.envId, connectionId, name: 'echo', schemaJson: { type: 'object' }, syncStatus: 'synced' });
});

afterEach(() => vi.useRealTimers());

/** Flips the connection behind the memo's back (no audit event: nothing reports the change). */
async function setEnabledQuietly(enabled: boolean): Promise<void> {
  const db = await getDb();
  await db.update(connections).set({ enabled }).where(eq(connections.id, connectionId));
}

const enabledSeen = async (memo: ResolutionMemo) => (await memo.resolve(await getDb(), org.id, agentId, 'echo'))!.candidates[0]!.connection.enabled;

describe('ResolutionMemo', () => {
  it('reuses a resolution for a second, then reads again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // Settle any change recorded while the fixtures were made (each test starts further on).
    vi.setSystemTime(Date.now() + 60_000);
    const memo = new ResolutionMemo();
    expect(await enabledSeen(memo)).toBe(true);
    await setEnabledQuietly(false);
    expect(await enabledSeen(memo)).toBe(true);
    vi.setSystemTime(Date.now() + 1_001);
    expect(await enabledSeen(memo)).toBe(false);
    await setEnabledQuietly(true);
  });

  it('drops what it remembers when the organization changes, and remembers nothing for a while after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 120_000);
    const memo = new ResolutionMemo();
    expect(await enabledSeen(memo)).toBe(true);
    await setEnabledQuietly(false);
    orgChanged(org.id);
    expect(await enabledSeen(memo)).toBe(false);
    // Right after a change, a read may predate its commit: nothing is kept.
    await setEnabledQuietly(true);
    expect(await enabledSeen(memo)).toBe(true);
    await setEnabledQuietly(false);
    expect(await enabledSeen(memo)).toBe(false);
    // Settled: kept again.
    vi.setSystemTime(Date.now() + 2_001);
    expect(await enabledSeen(memo)).toBe(false);
    await setEnabledQuietly(true);
    expect(await enabledSeen(memo)).toBe(false);
    orgChanged(org.id);
    expect(await enabledSeen(memo)).toBe(true);
  });

  it('keeps a change in another organization from touching this one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 180_000);
    const memo = new ResolutionMemo();
    expect(await enabledSeen(memo)).toBe(true);
    await setEnabledQuietly(false);
    orgChanged('00000000-0000-4000-8000-000000000001');
    expect(await enabledSeen(memo)).toBe(true);
    await setEnabledQuietly(true);
  });
});
